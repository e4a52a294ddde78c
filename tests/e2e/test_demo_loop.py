"""The whole loop on the embedded default: CSV ledger, Maildir, SQLite state, real CLI."""

from __future__ import annotations

import csv
import io
import json
import mailbox
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from sync.config.resources import example_config_dir
from sync.run.faults import POINTS

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
runner = CliRunner()


def install(tmp_path: Path) -> Path:
    demo.install(tmp_path / "d", anchor=ANCHOR)
    return tmp_path / "d"


def sent_messages(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False).get_folder(
        "Sent"
    )
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(box.get_bytes(key)) for key in box.keys()]


def key(message) -> tuple[str, str]:
    """(invoice, stage) of a message: a customer's, or an escalation's dossier."""
    number = message["X-Tahseel-Invoice"] or message["X-Tahseel-Dossier"]
    return (str(number), str(message["X-Tahseel-Stage"]))


def whatsapp_sent(folder: Path) -> list[dict]:
    path = folder / "demo" / "texts" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def notes(folder: Path) -> list[dict[str, str]]:
    path = folder / "demo" / "invoices.notes.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cli(folder: Path, *args: str):
    result = runner.invoke(app, [*args, "--config", str(folder / "tahseel.yaml")])
    return result


def test_demo_run_sends_threads_resends_and_notes(tmp_path):
    folder = install(tmp_path)
    result = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert result.exit_code == 1, result.output  # one customer has no email: skipped, reported
    assert "Run summary" in result.output and "INV-1010" in result.output
    assert "no email address" in result.output

    messages = sent_messages(folder)
    ours = [m for m in messages if m["Date"].datetime.date() == ANCHOR]
    stages = sorted(key(m) for m in ours)
    # Blue Harbor (C-002) follows key_accounts (grouping: customer): its two invoices,
    # INV-1011 a day late and INV-1002 due today, go in one statement at the overdue rung.
    assert stages == [
        ("INV-1001", "courtesy"),
        ("INV-1003", "overdue"),
        ("INV-1004", "resend"),
        ("INV-1005", "overdue"),
        ("INV-1006", "overdue"),
        ("INV-1011", "overdue"),
        ("INV-1014", "escalate"),
    ]
    statement = next(m for m in ours if m["X-Tahseel-Statement"])
    assert statement["X-Tahseel-Statement"] == "INV-1011, INV-1002"
    assert statement["Subject"] == "Statement of account from Nakheel Trading Co."
    text = statement.get_body(("plain",)).get_content()
    assert "INV-1011" in text and "INV-1002" in text and "Total due (USD): $3,600.00" in text
    resend = next(m for m in ours if m["X-Tahseel-Stage"] == "resend")
    earlier = next(m for m in messages if m["X-Tahseel-Invoice"] == "INV-1004" and m not in ours)
    assert earlier["Message-ID"] in resend["References"]
    assert resend["In-Reply-To"] == "<CAF8q2-reply-4411@mail.alwaha.example.sa>"
    assert resend["Subject"].startswith("Re: ") and earlier["Subject"] in resend["Subject"]
    pdfs = [p for p in resend.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    arabic = next(m for m in ours if m["X-Tahseel-Invoice"] == "INV-1001")
    html = arabic.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and "https://pay.nakheel.example/invoices/INV-1001" in html

    # The courtesy stage also goes by WhatsApp: one template message to the one customer
    # with a phone, into the local outbox file, tagged with the invoice number.
    texts = whatsapp_sent(folder)
    assert [(t["to"], t["variables"]["2"].split("/")[0]) for t in texts] == [
        ("+966501234567", "INV-1001")
    ]
    assert texts[0]["template"] == "HX00000000000000000000000000000002"  # the Arabic one
    assert "https://pay.nakheel.example/invoices/INV-1001" in texts[0]["variables"]["5"]

    written = notes(folder)
    assert sorted(n["invoice_number"] for n in written) == [
        "INV-1001",
        "INV-1001",
        "INV-1002",
        "INV-1003",
        "INV-1004",
        "INV-1005",
        "INV-1006",
        "INV-1011",
        "INV-1014",
    ]
    assert len({n["key"] for n in written}) == len(written)
    # INV-1014 reached the escalate rung: its dossier went to the sender (no `notify`),
    # with the invoice and the demand letter, and the ledger note says to whom.
    dossier = next(m for m in ours if m["X-Tahseel-Dossier"] == "INV-1014")
    assert [a.addr_spec for a in dossier["To"].addresses] == ["accounts@nakheel.example"]
    assert "X-Tahseel-Invoice" not in dossier and not dossier["In-Reply-To"]
    attached = [p.get_filename() for p in dossier.iter_attachments()]
    assert attached == ["Invoice-INV-1014.pdf", "Demand-for-payment-INV-1014.pdf"]
    assert "reminder 'final': sent by email" in dossier.get_body(("plain",)).get_content()
    escalated = next(n for n in written if n["invoice_number"] == "INV-1014")
    assert "handed to accounts@nakheel.example" in escalated["text"]

    again = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert again.exit_code == 1
    assert len(sent_messages(folder)) == len(messages), "a rerun sent something again"
    assert len(whatsapp_sent(folder)) == 1, "a rerun sent the WhatsApp message again"
    assert len(notes(folder)) == len(written)


def test_next_day_climbs_one_rung_at_the_ladders_pace(tmp_path):
    folder = install(tmp_path)
    cli(folder, "run", "--today", ANCHOR.isoformat())
    tuesday = "2026-11-24"
    result = cli(folder, "run", "--today", tuesday, "--json")
    report = json.loads(result.output)
    # INV-1002 was listed in its customer's statement yesterday: late today, its overdue
    # rung waits key_accounts' min_days_between (3 days) after that statement. INV-1004 got
    # its resend yesterday: that is contact too, so its weekly rung waits the ladder's
    # week, as does the backlog reminded yesterday.
    assert report["sent"] == {}
    thursday = json.loads(cli(folder, "plan", "--today", "2026-11-26", "--json").output)
    statements = [row for row in thursday["actions"] if row["action"] == "send_statement"]
    assert [(r["invoice"], r["stage"], r["statement"]) for r in statements] == [
        ("INV-1002", "overdue", ["INV-1011", "INV-1002"])
    ]
    status = cli(folder, "status", "--today", tuesday)
    assert status.exit_code == 0 and "Aging" in status.output and "INV-1005" in status.output
    week_later = json.loads(cli(folder, "plan", "--today", "2026-11-30", "--json").output)
    rows = week_later["actions"]
    assert {(row["invoice"], row["stage"]) for row in rows} >= {("INV-1004", "weekly")}


def test_the_demo_command_shows_the_whole_loop_from_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "tahseel-demo"
    messages = sent_messages(folder)
    # the demo mailbox starts with two earlier reminders, each answered: one by the
    # customer, one by an out-of-office reply
    earlier_ids = [
        BytesParser(policy=policy.default).parsebytes(
            (example_config_dir() / "demo/mail" / name).read_bytes()
        )["Message-ID"]
        for name in ("01-earlier-reminder.eml", "03-final-notice.eml")
    ]
    new = [m for m in messages if m["Message-ID"] not in earlier_ids]
    assert len(messages) - len(new) == 2
    stages = [m["X-Tahseel-Stage"] for m in new]
    assert stages.count("escalate") == 1  # INV-1014's dossier
    assert len(stages) - stages.count("resend") >= 5 and stages.count("resend") == 1
    resend = next(m for m in new if m["X-Tahseel-Stage"] == "resend")
    assert resend["In-Reply-To"] and resend["References"]
    # one note an email (a statement's on each invoice it lists), and one for the
    # WhatsApp message in the local outbox file
    assert len(whatsapp_sent(folder)) == 1 and "demo/texts/outbox.jsonl" in result.output
    listed = sum(
        len(str(m["X-Tahseel-Statement"]).split(", ")) - 1 for m in new if m["X-Tahseel-Statement"]
    )
    assert listed == 1  # Blue Harbor Logistics' statement lists two invoices
    assert len(notes(folder)) == len(new) + listed + 1
    # the hint it prints is a command that works
    hint = next(line for line in result.output.splitlines() if "tahseel plan" in line)
    args = hint.split("tahseel ", 1)[1].split() + ["--json"]
    plan = runner.invoke(app, args)
    assert plan.exit_code == 0 and json.loads(plan.output)["problems"] == []
    # the README's "a later day" example shows mail to come, whatever day the demo ran
    later = runner.invoke(app, ["plan", "-c", str(folder / "tahseel.yaml"), "--today", "+8"])
    assert later.exit_code in (0, 1) and "0 action(s)" not in later.output, later.output
    # running it again starts afresh rather than piling onto the last demo
    assert runner.invoke(app, ["demo"]).exit_code == 0
    assert len(sent_messages(folder)) == len(messages)


def test_a_missing_configuration_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 2
    assert "tahseel.yaml: no such configuration file" in result.output
    assert "tahseel init" in result.output


def test_plan_json(tmp_path):
    folder = install(tmp_path)
    result = cli(folder, "plan", "--today", "2026-12-01", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["problems"] == []
    rows = document["actions"]
    assert rows and all(
        {"invoice", "customer", "policy", "stage", "action", "to", "language"} <= r.keys()
        for r in rows
    )
    assert {r["policy"] for r in rows} == {"default", "key_accounts"}
    # Blue Harbor Logistics (C-002) follows key_accounts: one statement for both invoices
    grouped = [r for r in rows if r["policy"] == "key_accounts"]
    assert [(r["action"], r["statement"]) for r in grouped] == [
        ("send_statement", ["INV-1011", "INV-1002"])
    ]
    # Palm Coast Trading (C-007) follows the government policy: no courtesy note before
    # the due date, and status shows the policy of every open invoice.
    status = cli(folder, "status", "--today", "2026-12-10", "--csv")
    policies = {row["invoice"]: row["policy"] for row in csv.DictReader(io.StringIO(status.output))}
    assert policies["INV-1007"] == "government" and policies["INV-1001"] == "default"
    courtesy = json.loads(cli(folder, "plan", "--today", "2026-12-10", "--json").output)
    assert "INV-1007" not in {row["invoice"] for row in courtesy["actions"]}
    assert {r["language"] for r in rows} == {"en", "ar"}


def test_dry_run_sends_and_writes_nothing(tmp_path):
    folder = install(tmp_path)
    before = len(sent_messages(folder))
    result = cli(folder, "run", "--today", ANCHOR.isoformat(), "--dry-run", "--json")
    report = json.loads(result.output)
    assert report["dry_run"] and report["emails"] == 6  # INV-1002 waits for INV-1011
    assert len(sent_messages(folder)) == before and notes(folder) == []
    assert (
        not (folder / "tahseel-state.db").exists()
        or cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    )


def test_check_reports_template_and_yaml_errors_with_lines(tmp_path):
    folder = install(tmp_path)
    assert cli(folder, "check").exit_code == 0
    broken = folder / "templates" / "en" / "due.txt"
    source = broken.read_text(encoding="utf-8")
    assert "{{ invoice.number }}" in source
    broken.write_text(
        source.replace("{{ invoice.number }}", "{{ invoice.numbr }}"), encoding="utf-8"
    )
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8").replace("offset_days: 30", "offset_days: thirty")
    config.write_text(text, encoding="utf-8")
    result = cli(folder, "check")
    assert result.exit_code == 2
    assert (
        "offset_days" in result.output
        and "'thirty'" in result.output
        and "tahseel.yaml:" in result.output
    )
    config.write_text(text.replace("offset_days: thirty", "offset_days: 30"), encoding="utf-8")
    result = cli(folder, "check")
    assert result.exit_code == 2
    assert "due.txt:" in result.output and "numbr" in result.output
    # a run with a broken template sends nothing at all
    assert cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 2
    assert len(sent_messages(folder)) == 2  # the two earlier reminders


def _run(folder: Path, failpoint: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TAHSEEL_FAILPOINTS"}
    if failpoint:
        env["TAHSEEL_FAILPOINTS"] = failpoint
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sync",
            "run",
            "-c",
            str(folder / "tahseel.yaml"),
            "--today",
            ANCHOR.isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def clean_outcome(tmp_path_factory):
    folder = install(tmp_path_factory.mktemp("clean"))
    assert _run(folder, None).returncode == 1
    return sorted(key(m) for m in sent_messages(folder))


@pytest.mark.parametrize("point", [p for p in POINTS if p != "after_reply"] + ["after_reply"])
@pytest.mark.parametrize("hit", [1, 4])
def test_crash_at_every_outbox_step_then_rerun(tmp_path, clean_outcome, point, hit):
    folder = install(tmp_path)
    crashed = _run(folder, f"{point}={hit}")
    if point in ("after_plan", "after_reply") and hit > 1:
        assert crashed.returncode == 1  # the point is reached once a run: no crash
    else:
        assert crashed.returncode == -9, crashed.stderr
    final = _run(folder, None)
    assert final.returncode == 1, final.stderr
    delivered = sorted(key(m) for m in sent_messages(folder))
    assert delivered == clean_outcome, "a crash caused a duplicate or a missing email"
    every = sorted((n["invoice_number"], n["key"].split(":")[2]) for n in notes(folder))
    written = [(number, stage) for number, stage in every if "@" not in stage]
    earlier = [("INV-1004", "overdue"), ("INV-1014", "final")]
    sent_today = [pair for pair in clean_outcome if pair not in earlier]
    # Blue Harbor's statement (headed INV-1011) is noted on INV-1002 too, which it lists
    sent_today = sorted([*sent_today, ("INV-1002", "overdue")])
    assert written == sent_today, "a crash caused a duplicate or a missing note"
    # the courtesy's WhatsApp message beside its email: once, noted once
    assert len(whatsapp_sent(folder)) == 1
    assert [pair for pair in every if "@" in pair[1]] == [("INV-1001", "courtesy@whatsapp")]


def test_the_demo_never_replaces_a_configuration_it_did_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "books"
    mine.mkdir()
    (mine / "tahseel.yaml").write_text("business: {name: Mine}\n", encoding="utf-8")
    (mine / "tahseel-state.db").write_bytes(b"the send history")
    for force in ([], ["--force"]):
        result = runner.invoke(app, ["demo", str(mine), *force])
        assert result.exit_code == 2, result.output
        assert "was not written by `tahseel demo`" in " ".join(result.output.split())
    assert (mine / "tahseel.yaml").read_text(encoding="utf-8") == "business: {name: Mine}\n"
    assert (mine / "tahseel-state.db").read_bytes() == b"the send history"
    assert sorted(p.name for p in mine.iterdir()) == ["tahseel-state.db", "tahseel.yaml"]


def test_the_demo_asks_before_writing_into_a_folder_with_other_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["demo", str(folder)])
    assert result.exit_code == 2 and "is not empty" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert runner.invoke(app, ["demo", str(folder), "--force"]).exit_code == 0
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
    # a rerun replaces its own demo, and says so; once its configuration is edited, never
    again = runner.invoke(app, ["demo", str(folder)])
    assert again.exit_code == 0 and "Replacing the earlier demo" in again.output
    config = folder / "tahseel.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# mine now\n", encoding="utf-8")
    assert runner.invoke(app, ["demo", str(folder)]).exit_code == 2


def test_report_never_overwrites_a_file_that_is_not_a_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = install(tmp_path)
    config = folder / "tahseel.yaml"
    before = {p: p.read_bytes() for p in (config, folder / "demo" / "invoices.csv")}
    for target in before:
        result = cli(folder, "report", "-o", str(target))
        assert result.exit_code == 2, result.output
        assert "is not a Tahseel report" in " ".join(result.output.split())
    assert {p: p.read_bytes() for p in before} == before
    page = folder / "aging.html"
    assert cli(folder, "report", "-o", str(page)).exit_code == 0
    assert cli(folder, "report", "-o", str(page)).exit_code == 0  # its own report: replaced
    other = folder / "other.html"
    other.write_text("<html>someone's page</html>", encoding="utf-8")
    assert cli(folder, "report", "-o", str(other)).exit_code == 2
    assert cli(folder, "report", "-o", str(other), "--force").exit_code == 0


def test_today_plus_n_is_the_first_business_day_that_far_ahead(tmp_path):
    import time_machine

    folder = install(tmp_path)
    # Thursday 2026-11-26 in Riyadh; +1 is Friday, the weekend: the plan is for Sunday
    with time_machine.travel(datetime(2026, 11, 26, 9, tzinfo=UTC), tick=False):
        result = cli(folder, "plan", "--today", "+1", "--json")
        again = cli(folder, "plan", "--today", "2026-11-29", "--json")
    assert result.exit_code == again.exit_code and result.output == again.output
    bad = cli(folder, "plan", "--today", "+x")
    assert bad.exit_code == 2 and "+8 (days from today)" in bad.output

"""`tahseel plan` shows what `tahseel run` then does, and writes nothing.

The demo (CSV ledger, Maildir, SQLite state) with a customer's reply asking for
INV-1004 again, plus invoices no customer should be sent (an unknown currency, an
amount past any real invoice) and an address that bounced: day after day, the emails
the plan lists are the emails the run sends, and the plan names what the run skips.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app, demo
from sync.config.loader import load_settings
from sync.store.store import Store

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
BOUNCED = "ap@blueharbor.example.com"  # INV-1002 and INV-1011, its only address
runner = CliRunner()


def cli(folder: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])
    return result.exit_code, result.output


def planned(folder: Path, day: date) -> dict:
    code, output = cli(folder, "plan", "--json", "--today", day.isoformat())
    assert code in (0, 1), output
    document = json.loads(output)
    assert set(document) == {"actions", "skipped", "problems"}
    return document


def emails(document: dict) -> set[tuple[str, str]]:
    # An escalation's dossier is an email too, to the business's people.
    return {(a["invoice"], a["stage"]) for a in document["actions"]}


def sent(folder: Path) -> dict[str, tuple[str, str]]:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    if "Sent" not in box.list_folders():
        return {}
    sent_box = box.get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    messages = [parse(sent_box.get_bytes(k)) for k in sent_box.keys()]
    return {
        str(m["Message-ID"]): (
            str(m["X-Tahseel-Invoice"] or m["X-Tahseel-Dossier"]),
            str(m["X-Tahseel-Stage"]),
        )
        for m in messages
    }


def add_rows(folder: Path, *changes: dict[str, str]) -> None:
    """Copy INV-1003's row (overdue on the anchor) once per change, with its columns set."""
    path = folder / "demo" / "invoices.csv"
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    model = next(line for line in lines if ",INV-1003," in line).split(",")
    for change in changes:
        row = dict(zip(header, model, strict=True)) | change
        lines.append(",".join(row[c] for c in header))
    path.write_text("\n".join(lines) + "\n", "utf-8")


def install(tmp_path: Path) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    add_rows(
        folder,
        {"invoice_id": "bad-1", "number": "INV-2001", "currency": "XYZ"},
        {
            "invoice_id": "bad-2",
            "number": "INV-2002",
            "total": "5000000000.00",
            "amount_due": "5000000000.00",
        },
    )
    return folder


def bounce(folder: Path, address: str) -> None:
    """Record that mail to ``address`` bounced, as reading a bounce would."""
    settings = load_settings(folder / "tahseel.yaml")
    Store(settings.state_url).mark_failing(
        settings.tenant, address, datetime(2026, 11, 20, tzinfo=UTC), "INV-1002"
    )


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: its hash and modification time.

    SQLite's ``-shm`` file is left out: it is the write-ahead log's index in shared
    memory, which every reader updates; the database and its log are compared.
    """
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith("-shm")
    }


def test_the_plan_lists_the_resend_a_reply_asks_for(tmp_path: Path) -> None:
    folder = install(tmp_path)
    document = planned(folder, ANCHOR)
    assert ("INV-1004", "resend") in emails(document)
    assert ("INV-1004", "overdue") not in emails(document)
    before = set(sent(folder).values())
    cli(folder, "run", "--today", ANCHOR.isoformat())
    assert ("INV-1004", "resend") in set(sent(folder).values()) - before


def test_the_plan_skips_what_the_run_skips_with_the_reason(tmp_path: Path) -> None:
    folder = install(tmp_path)
    document = planned(folder, ANCHOR)
    planned_invoices = {number for number, _ in emails(document)}
    assert not planned_invoices & {"INV-2001", "INV-2002"}
    skipped = {row["invoice"]: row["reason"] for row in document["skipped"]}
    assert "ISO 4217" in skipped["INV-2001"] and "'XYZ'" in skipped["INV-2001"]
    assert "not plausible" in skipped["INV-2002"]
    assert "no email address" in skipped["INV-1010"]
    code, output = cli(folder, "plan", "--today", ANCHOR.isoformat())
    assert "skipped INV-2001: currency 'XYZ' is not an ISO 4217 code" in " ".join(output.split())


def test_the_plan_leaves_out_an_address_that_bounced(tmp_path: Path) -> None:
    folder = install(tmp_path)
    bounce(folder, BOUNCED)
    code, output = cli(folder, "plan", "--json", "--today", ANCHOR.isoformat())
    assert code == 1, output  # a bounce is a problem, as in the run
    document = json.loads(output)
    assert all(BOUNCED not in a["to"] for a in document["actions"])
    assert not {"INV-1002", "INV-1011"} & {a["invoice"] for a in document["actions"]}
    assert any(BOUNCED in line and "bounced" in line for line in document["problems"])
    skipped = {row["invoice"] for row in document["skipped"]}
    assert {"INV-1002", "INV-1011"} <= skipped


def test_day_after_day_the_plan_is_what_the_run_sends(tmp_path: Path) -> None:
    folder = install(tmp_path)
    bounce(folder, BOUNCED)
    days = [ANCHOR + timedelta(days=n) for n in (0, 1, 2, 4, 7, 8, 9, 14, 15, 21, 30, 38)]
    every: set[tuple[str, str]] = set()
    for day in days:
        document = planned(folder, day)
        before = sent(folder)
        code, output = cli(folder, "run", "--today", day.isoformat())
        assert code in (0, 1), output
        new = {v for k, v in sent(folder).items() if k not in before}
        assert emails(document) == new, day
        assert len(new) == len([k for k in sent(folder) if k not in before]), day
        every |= new
    assert ("INV-1004", "resend") in every
    assert not {number for number, _ in every} & {"INV-2001", "INV-2002", "INV-1002"}
    assert len({stage for _, stage in every}) >= 4  # the ladder was climbed, not idle


def test_the_plan_writes_nothing(tmp_path: Path) -> None:
    folder = install(tmp_path)
    # Before any run: no state store is created, nothing else is touched.
    before = snapshot(folder)
    for args in (("--json",), ()):
        cli(folder, "plan", "--today", ANCHOR.isoformat(), *args)
    assert snapshot(folder) == before
    assert not list(folder.glob("tahseel-state.db*"))
    # After a run, with a reply waiting and a bounce on record: still nothing written.
    cli(folder, "run", "--today", ANCHOR.isoformat())
    bounce(folder, BOUNCED)
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    resend = next(m for m in sent(folder).items() if m[1] == ("INV-1004", "resend"))
    box.add(
        f"From: accounts@alwaha.example.sa\nTo: accounts@nakheel.example\n"
        f"Subject: Re: INV-1004\nMessage-ID: <again@alwaha.example.sa>\n"
        f"In-Reply-To: {resend[0]}\nReferences: {resend[0]}\n\n"
        "We never received the invoice, please send it again.\n".encode()
    )
    before = snapshot(folder)
    later = ANCHOR + timedelta(days=8)
    assert ("INV-1004", "resend") in emails(planned(folder, later))  # the reply was read
    cli(folder, "plan", "--today", later.isoformat())
    assert snapshot(folder) == before

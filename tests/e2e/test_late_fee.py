"""The late fee on the CSV ledger, through the CLI: created once, stated, shown by status."""

from __future__ import annotations

import csv
import mailbox
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
DAYS = ("2026-11-23", "2026-12-10", "2026-12-21")
"""Runs that take the demo's late invoices up the ladder to ``final`` (on 21 December:
INV-1004 and INV-1006 in SAR, INV-1005 in USD)."""
runner = CliRunner()


def install(tmp_path: Path, fee: str) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR, mode="live")
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    anchor = "  thank_you:\n"
    assert anchor in text
    config.write_text(text.replace(anchor, f"  late_fee: {fee}\n{anchor}", 1), encoding="utf-8")
    return folder


def run(folder: Path, day: str, *args: str):  # type: ignore[no-untyped-def]
    config = str(folder / "tahseel.yaml")
    return runner.invoke(app, ["run", "--today", day, "-c", config, *args])


def finals(folder: Path) -> dict[str, str]:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent = box.get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    found = {}
    for key in sent.keys():
        message = parse(sent.get_bytes(key))
        if message["X-Tahseel-Stage"] == "final":
            found[str(message["X-Tahseel-Invoice"])] = message.get_body(("plain",)).get_content()
    return found


def rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_final_notice_states_the_fee_created_once_in_the_fees_file(tmp_path):
    folder = install(tmp_path, "{amount: {SAR: 50, USD: 15}, after_days: 30, stage: final}")
    for day in DAYS:
        assert run(folder, day).exit_code in (0, 1)
    fees = rows(folder / "demo" / "invoices.fees.csv")
    made = {r["invoice_number"]: r for r in fees}
    assert sorted(made) == ["INV-1004", "INV-1005", "INV-1006"] and len(fees) == 3
    assert (made["INV-1005"]["currency"], made["INV-1005"]["amount"]) == ("USD", "15.00")
    assert (made["INV-1004"]["currency"], made["INV-1004"]["amount"]) == ("SAR", "50.00")
    mail = finals(folder)
    assert "late fee of $15.00" in mail["INV-1005"] and "invoice FEE-INV-1005" in mail["INV-1005"]
    assert "رسوم تأخير" in mail["INV-1004"] and "FEE-INV-1004" in mail["INV-1004"]
    notes = rows(folder / "demo" / "invoices.notes.csv")
    fee_notes = [n for n in notes if "late fee invoiced" in n["text"]]
    assert sorted(n["invoice_number"] for n in fee_notes) == ["INV-1004", "INV-1005", "INV-1006"]
    assert all("FEE-" + n["invoice_number"] in n["text"] for n in fee_notes)
    # Later runs: other invoices reach the stage, but no invoice gets a second fee;
    # status shows each fee made.
    for day in ("2026-12-28", "2027-01-10"):
        assert run(folder, day).exit_code in (0, 1)
    later = [r["invoice_number"] for r in rows(folder / "demo" / "invoices.fees.csv")]
    assert len(later) > 3 and len(later) == len(set(later))
    status = runner.invoke(
        app, ["status", "--today", "2027-01-10", "--csv", "-c", str(folder / "tahseel.yaml")]
    )
    listed = {r["invoice"]: r["late_fee"] for r in csv.DictReader(status.output.splitlines())}
    assert listed["INV-1005"] == "FEE-INV-1005 (15.00 USD)"
    assert all(bool(fee) == (number in later) for number, fee in listed.items())


def test_an_invoice_in_a_currency_without_an_amount_gets_no_fee_and_is_reported(tmp_path):
    folder = install(tmp_path, "{amount: 50, currency: SAR, after_days: 30, stage: final}")
    checked = runner.invoke(app, ["check", "-c", str(folder / "tahseel.yaml")])
    assert checked.exit_code == 2
    assert "invoice INV-1005 is in USD" in checked.output and "add USD" in checked.output
    for day in DAYS[:-1]:
        run(folder, day)
    result = run(folder, DAYS[-1], "--json")
    assert "INV-1005: no late fee charged or stated: the invoice is in USD" in result.output
    made = {r["invoice_number"] for r in rows(folder / "demo" / "invoices.fees.csv")}
    assert made == {"INV-1004", "INV-1006"}
    mail = finals(folder)
    assert "late fee" not in mail["INV-1005"] and "FEE-INV-1004" in mail["INV-1004"]


def test_a_dry_run_counts_the_fee_and_creates_nothing(tmp_path):
    folder = install(tmp_path, "{amount: {SAR: 50, USD: 15}, stage: final}")
    for day in DAYS[:-1]:
        run(folder, day)
    result = run(folder, DAYS[-1], "--dry-run", "--json")
    assert result.exit_code in (0, 1), result.output
    assert '"late_fees": 3' in result.output
    assert rows(folder / "demo" / "invoices.fees.csv") == []


def _repeating_world(tmp_path: Path, once: bool):  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from sync.config.settings import Settings
    from tests.support.world import World, make_settings

    stages = [
        {"name": "overdue", "offset_days": 1},
        {"name": "final", "offset_days": 10, "repeat_every_days": 3, "repeat_limit": 2},
    ]
    settings = make_settings(
        tmp_path, timezone="Asia/Riyadh", weekend=(), holidays=(), stages=stages
    )
    data = settings.model_dump(mode="json", exclude={"source"})
    data["policy"]["late_fee"] = {
        "amount": 50,
        "currency": "SAR",
        "after_days": 10,
        "once": once,
        "stage": "final",
    }
    world = World(tmp_path, Settings.model_validate({**data, "source": settings.source}))
    start = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Riyadh"))
    world.add_invoice("R-1", (start - timedelta(days=2)).date(), start)
    for day in range(20):
        world.run(start + timedelta(days=day))
    sent = mailbox.Maildir(world.mailbox_path, factory=None, create=False).get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    finals = [
        parse(sent.get_bytes(m.key)).get_body(("plain",)).get_content()
        for m in world.sent()
        if m.stage == "final"
    ]
    return world, finals


def test_once_states_the_one_fee_in_every_repeat_of_the_stage(tmp_path):
    world, finals = _repeating_world(tmp_path, once=True)
    assert len(finals) == 3 and [f.number for f in world.ledger.fees] == ["FEE-R-1"]
    assert all("a late fee of SAR\xa050.00" in body and "FEE-R-1." in body for body in finals)


def test_not_once_charges_a_fee_at_each_repeat_of_the_stage(tmp_path):
    world, finals = _repeating_world(tmp_path, once=False)
    assert len(finals) == 3
    assert [f.number for f in world.ledger.fees] == ["FEE-R-1", "FEE-R-1-2", "FEE-R-1-3"]
    assert [f.reference for f in world.ledger.fees][1:] == ["Late fee R-1 (2)", "Late fee R-1 (3)"]


def test_a_named_policy_s_fee_and_final_notice_words_are_its_customers_only(tmp_path):
    # `late_payers` is the demo's default ladder plus a fee and its own final-notice
    # party; only Desert Rose (C-005, INV-1005) follows it.
    import json

    import yaml

    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR, mode="live")
    config = folder / "tahseel.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    named = {
        **json.loads(json.dumps(data["policy"])),
        "late_fee": {"amount": {"SAR": 50, "USD": 15}, "stage": "final"},
    }
    named["final_notice"] = {**named.get("final_notice", {}), "party": {"en": "Lex & Co"}}
    data["policies"]["late_payers"] = named
    data["customers"]["C-005"] = "late_payers"
    plain = json.loads(json.dumps(data, default=str))  # no shared values: no YAML aliases
    config.write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    for day in DAYS:
        assert run(folder, day).exit_code in (0, 1)
    fees = rows(folder / "demo" / "invoices.fees.csv")
    assert [r["invoice_number"] for r in fees] == ["INV-1005"]
    mail = finals(folder)
    assert "FEE-INV-1005" in mail["INV-1005"] and "Lex & Co" in mail["INV-1005"]
    assert "رسوم تأخير" not in mail["INV-1004"] and "Lex & Co" not in mail["INV-1004"]

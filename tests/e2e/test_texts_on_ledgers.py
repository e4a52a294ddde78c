"""Email and WhatsApp together on the emulated Xero and QuickBooks ledgers.

The customer's phone comes from the ledger through the official SDK (a Xero contact's
MOBILE phone, a QuickBooks customer's Mobile), is read with ``business.country`` (SA),
and the ``overdue`` reminder goes by email and as a WhatsApp template into the demo's
file channel, once across a rerun; both are noted on the invoice in the ledger.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app
from tests.support.demo_ledgers import quickbooks_demo, xero_demo

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
LATE = ANCHOR - timedelta(days=3)
MOBILE = "+966551234567"
runner = CliRunner()


def texting(config: Path) -> Path:
    """``config`` with ``overdue`` also sent by WhatsApp (a Content SID per language)."""
    text = config.read_text("utf-8").replace(
        "    - name: overdue\n", "    - name: overdue\n      channels: [email, whatsapp]\n", 1
    )
    sids = f"      overdue: {{en: HX{'3' * 32}, ar: HX{'4' * 32}}}\n"
    config.write_text(text.replace("      courtesy: {", sids + "      courtesy: {"), "utf-8")
    return config


def run(config: Path) -> dict:
    result = runner.invoke(app, ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def whatsapp(config: Path) -> list[dict]:
    path = config.parent / "demo" / "texts" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_xero_a_contact_s_mobile_gets_the_whatsapp_reminder(tmp_path, monkeypatch):
    with xero_demo(tmp_path / "d", ANCHOR, monkeypatch) as (emulator, config):
        texting(config)
        org = emulator.org
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        texted = org.add_contact("Sahel Co", "ap@sahel.example", phones=[("MOBILE", "0551234567")])
        silent = org.add_contact("Fax Co", "ap@fax.example", phones=[("FAX", "0114567890")])
        first = org.add_invoice("INV-1", texted, "500.00", due_date=LATE, updated=hour_ago)
        org.add_invoice("INV-2", silent, "500.00", due_date=LATE, updated=hour_ago)
        report = run(config)
        assert report["sent"] == {"overdue": 2} and report["texts"] == {"whatsapp": 1}
        [message] = whatsapp(config)
        assert message["to"] == MOBILE and message["tag"].startswith("INV-1/")
        assert any("by WhatsApp" in note for note in org.notes(first))
        run(config)
        assert len(whatsapp(config)) == 1, "a rerun sent the WhatsApp message again"


def test_quickbooks_a_customer_s_mobile_gets_the_whatsapp_reminder(tmp_path, monkeypatch):
    with quickbooks_demo(tmp_path / "d", ANCHOR, monkeypatch) as (emulator, config):
        texting(config)
        company = emulator.company
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        texted = company.add_customer("Sahel Co", "ap@sahel.example", mobile="055 123 4567")
        silent = company.add_customer("Quiet Co", "ap@quiet.example")
        first = company.add_invoice("1001", texted, "500.00", due=LATE, updated=hour_ago)
        company.add_invoice("1002", silent, "500.00", due=LATE, updated=hour_ago)
        report = run(config)
        assert report["sent"] == {"overdue": 2} and report["texts"] == {"whatsapp": 1}
        [message] = whatsapp(config)
        assert message["to"] == MOBILE and message["tag"].startswith("1001/")
        assert "by WhatsApp" in (company.notes(first) or "")
        run(config)
        assert len(whatsapp(config)) == 1, "a rerun sent the WhatsApp message again"

"""`tahseel doctor`: a read-only checklist of setup, ledger, mailbox and state store.

Each failure is injected into a working setup (the demo, or the loopback Xero,
QuickBooks and Gmail), and the checklist must name it with its fix and exit 2; a
working setup exits 0. Nothing the doctor does may write: no note, no mail, no store.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.emulators.quickbooks import QuickBooksEmulator
from tests.emulators.quickbooks import token_file_for as qbo_token_file
from tests.emulators.xero import XeroEmulator
from tests.emulators.xero import token_file_for as xero_token_file

ANCHOR = date(2026, 11, 23)
runner = CliRunner()


def doctor(config: Path, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["doctor", "--json", "-c", str(config), *extra])
    return result.exit_code, json.loads(result.output)


def lines_of(report: dict) -> list[dict]:
    return [line for org in report["organisations"] for line in org["lines"]]


def verdicts(report: dict) -> dict[str, str]:
    return {f"{line['part']}: {line['what']}": line["verdict"] for line in lines_of(report)}


def failed(report: dict) -> list[dict]:
    return [line for line in lines_of(report) if line["verdict"] == "fail"]


def with_ledger(config: Path, block: str) -> None:
    text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", block, config.read_text("utf-8"))
    config.write_text(text, "utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    demo.install(tmp_path / "d", anchor=ANCHOR)
    return tmp_path / "d"


def test_the_demo_passes_and_nothing_is_written(folder: Path) -> None:
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    code, report = doctor(folder / "tahseel.yaml")
    assert code == 0 and report["ok"], report
    seen = verdicts(report)
    assert seen["setup: configuration"] == "ok"
    assert seen["ledger (CSV file): payment link"] == "ok"
    assert seen["mailbox (Maildir): folder"] == "ok"
    assert seen["state store: database"] == "ok"
    count = next(line for line in lines_of(report) if line["what"] == "open invoices")
    assert count["says"].startswith("12 open, "), count
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before, "the doctor wrote nothing, not even a state store"


def test_the_checklist_reads_as_text_with_fail_lines_and_their_fix(folder: Path) -> None:
    with_ledger(folder / "tahseel.yaml", "ledger:\n  type: csv\n  path: demo/nowhere.csv\n\n")
    result = runner.invoke(app, ["doctor", "-c", str(folder / "tahseel.yaml")])
    assert result.exit_code == 2
    assert (
        "FAIL  ledger settings:" in result.output and "nowhere.csv does not exist" in result.output
    )
    assert "connection: not tried: fix its settings first" in result.output
    assert "1 problem(s)" not in result.output and "problem(s) (FAIL above)" in result.output


def test_a_template_with_an_unknown_variable_fails(folder: Path) -> None:
    template = folder / "templates" / "en" / "overdue.txt"
    text = template.read_text("utf-8").replace(
        "{% endblock %}", "{{ no_such_field }}{% endblock %}", 1
    )
    template.write_text(text, "utf-8")
    code, report = doctor(folder / "tahseel.yaml")
    assert code == 2 and not report["ok"]
    (line,) = [f for f in failed(report) if f["what"] == "templates"]
    assert "no_such_field" in line["says"]


def test_customers_without_email_are_a_warning_not_a_failure(folder: Path) -> None:
    code, report = doctor(folder / "tahseel.yaml")
    count = next(line for line in lines_of(report) if line["what"] == "open invoices")
    assert code == 0 and count["verdict"] == "warn"
    assert "no email address" in count["says"] and "add an address" in count["says"]


def test_an_unreachable_state_store_fails(folder: Path) -> None:
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8").replace(
        "url: sqlite:///tahseel-state.db", "url: postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert "127.0.0.1:1" in text
    config.write_text(text, "utf-8")
    code, report = doctor(config)
    assert code == 2
    (line,) = failed(report)
    assert line["part"] == "state store" and "cannot open the state store" in line["says"]


@pytest.fixture
def xero(folder: Path, monkeypatch: pytest.MonkeyPatch):
    with XeroEmulator() as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        with_ledger(
            folder / "tahseel.yaml",
            "ledger:\n  type: xero\n  token_file: xero-token.json\n"
            f"  api_url: {emulator.api_url}\n  identity_url: {emulator.base_url}\n"
            f"  connections_url: {emulator.base_url}\n  login_url: {emulator.authorize_url}\n\n",
        )
        xero_token_file(emulator, folder / "xero-token.json")
        org = emulator.org
        contact = org.add_contact("Blue Harbor", "ap@blueharbor.example.com")
        org.add_invoice("INV-1", contact, "1200.00", currency="SAR", due_date=date(2026, 11, 2))
        org.add_invoice("INV-2", contact, "300.00", currency="SAR", due_date=date(2030, 1, 2))
        yield emulator, folder / "tahseel.yaml"


def test_xero_passes_reading_only(xero) -> None:
    emulator, config = xero
    code, report = doctor(config)
    assert code == 0, report
    seen = verdicts(report)
    assert seen["ledger (Xero): open invoices"] == "ok"
    assert seen["ledger (Xero): payment link"] == "ok"
    count = next(line for line in lines_of(report) if line["what"] == "open invoices")
    assert count["says"].startswith("2 open, 1 overdue")
    writes = [route for route in emulator.log.calls if route.split()[0] in ("PUT", "POST")]
    assert [w for w in writes if "token" not in w] == [], "no note, no email through Xero"


def test_xero_with_a_dead_token_fails_and_says_to_sign_in_again(xero) -> None:
    emulator, config = xero
    dead = json.loads((config.parent / "xero-token.json").read_text())
    dead |= {"refresh_token": "revoked", "access_token": "expired", "expires_at": 1}
    (config.parent / "xero-token.json").write_text(json.dumps(dead))
    code, report = doctor(config)
    assert code == 2
    ledger_fails = [f for f in failed(report) if f["part"] == "ledger (Xero)"]
    assert ledger_fails and "tahseel auth xero" in ledger_fails[0]["says"]


@pytest.fixture
def quickbooks(folder: Path, monkeypatch: pytest.MonkeyPatch):
    with QuickBooksEmulator() as emulator:
        monkeypatch.setenv("QUICKBOOKS_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("QUICKBOOKS_TOKEN", raising=False)
        with_ledger(
            folder / "tahseel.yaml",
            "ledger:\n  type: quickbooks\n  token_file: qbo-token.json\n"
            f"  api_url: {emulator.api_url}\n  discovery_url: {emulator.discovery_url}\n\n",
        )
        qbo_token_file(emulator, folder / "qbo-token.json")
        company = emulator.company
        customer = company.add_customer("Blue Harbor", "ap@blueharbor.example.com")
        company.add_invoice("1001", customer, "1200.00", due=date(2026, 11, 2))
        yield emulator, folder / "tahseel.yaml"


def test_quickbooks_passes_reading_only(quickbooks) -> None:
    emulator, config = quickbooks
    code, report = doctor(config)
    assert code == 0, report
    seen = verdicts(report)
    assert seen["ledger (QuickBooks Online): open invoices"] == "ok"
    writes = [route for route in emulator.log.calls if route.split()[0] == "POST"]
    assert [w for w in writes if w != "POST query"] == [], "no note written to QuickBooks"


def test_every_organisation_is_checked(folder: Path) -> None:
    config = folder / "tahseel.yaml"
    shutil.copytree(folder / "demo", folder / "demo2")
    text = config.read_text("utf-8")
    text += "\norganisations:\n  - name: one\n  - name: two\n    business:\n      name: Two Co\n"
    text += "    ledger:\n      type: csv\n      path: demo2/missing.csv\n"
    config.write_text(text, "utf-8")
    code, report = doctor(config)
    assert code == 2
    assert [(o["organisation"], o["ok"]) for o in report["organisations"]] == [
        ("one", True),
        ("two", False),
    ]


def test_gmail_passes_and_names_the_sender(gmail) -> None:
    emulator, folder = gmail
    code, report = doctor(folder / "tahseel.yaml")
    assert code == 0, report
    seen = verdicts(report)
    for what in ("gmail token", "gmail sender", "gmail label", "gmail daily cap"):
        assert seen[f"mailbox (Gmail): {what}"] == "ok", what
    assert not any(route.startswith(("drafts", "messages.send")) for route in emulator.calls)


def test_gmail_refuses_a_sender_the_account_may_not_send_as(gmail) -> None:
    _, folder = gmail
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8").replace(
        "email: accounts@nakheel.example", "email: ceo@elsewhere.example"
    )
    config.write_text(text, "utf-8")
    code, report = doctor(config)
    assert code == 2
    (line,) = failed(report)
    assert line["what"] == "gmail sender" and "ceo@elsewhere.example" in line["says"]
    assert "Send mail as" in line["says"] or "sender.email" in line["says"]

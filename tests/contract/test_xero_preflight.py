"""``XeroLedger.preflight``: what only Xero can tell ``tahseel doctor``, each failure injected.

Every check reads: the connections list and one invoice row. Each ``fail`` line says
what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import Preflight
from tests.emulators.xero import XeroEmulator, ledger_for, token_file_for
from tests.support.tally import record

SUITE = "real services: xero preflight"
REAUTH = "run `tahseel auth xero` again"
FULL = "offline_access accounting.invoices accounting.contacts.read"


@pytest.fixture
def emulator() -> Iterator[XeroEmulator]:
    with XeroEmulator() as running:
        running.org.add_invoice("P-1", running.org.add_contact("Pre Co", "ap@pre.example"), "10")
        yield running


def findings(emulator: XeroEmulator, tmp_path: Path, **token: object) -> dict[str, tuple[str, str]]:
    token_file = token_file_for(emulator, tmp_path / "xero-token.json", **token)
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    assert isinstance(ledger, Preflight)
    found = {what: (verdict, says) for what, verdict, says in ledger.preflight()}
    writes = [route for route in emulator.calls if not route.startswith("GET ")]
    assert writes in ([], ["POST /connect/token"]), writes  # reads only (a refresh at most)
    return found


def test_a_sound_connection_passes_every_check(emulator: XeroEmulator, tmp_path: Path) -> None:
    found = findings(emulator, tmp_path, scope=FULL)
    assert {what: verdict for what, (verdict, _) in found.items()} == {
        "token": "ok",
        "scopes": "ok",
        "organisation": "ok",
        "calls left": "ok",
        "notes": "ok",
    }
    assert "Demo Company (Global)" in found["organisation"][1]
    assert found["calls left"][1].startswith("4999 calls left today, 59 this minute")
    record(SUITE, runs=1)


def test_apps_from_before_march_2026_pass_with_the_broad_scope(
    emulator: XeroEmulator, tmp_path: Path
) -> None:
    found = findings(
        emulator, tmp_path, scope="offline_access accounting.transactions accounting.contacts"
    )
    assert found["scopes"][0] == "ok" and found["notes"][0] == "ok"
    record(SUITE, runs=1)


def test_no_token_fails_and_says_to_authorise(emulator: XeroEmulator, tmp_path: Path) -> None:
    ledger = ledger_for(emulator, tmp_path, token_file=tmp_path / "missing.json", tenant_id="t")
    lines = list(ledger.preflight())
    assert lines == [(lines[0][0], "fail", lines[0][2])] and len(lines) == 1
    assert "no token" in lines[0][2] and "tahseel auth xero" in lines[0][2]
    record(SUITE, bad_inputs=1, runs=1)


def test_an_expired_token_that_cannot_be_refreshed_fails_and_stops(
    emulator: XeroEmulator, tmp_path: Path
) -> None:
    token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=-10)
    data = json.loads(token_file.read_text())
    data["refresh_token"] = "rt-revoked"
    token_file.write_text(json.dumps(data))
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    lines = list(ledger.preflight())
    assert [(what, verdict) for what, verdict, _ in lines] == [("token", "fail")]
    assert REAUTH in lines[0][2] and "could not be refreshed" in lines[0][2]
    record(SUITE, bad_inputs=1, runs=1)


def test_an_expired_token_that_refreshes_passes(emulator: XeroEmulator, tmp_path: Path) -> None:
    found = findings(emulator, tmp_path, scope=FULL, expires_in=-10)
    assert found["token"] == ("ok", "access token expired and was refreshed; the new one is stored")
    record(SUITE, bad_inputs=1, runs=1)


def test_a_missing_contacts_scope_fails_naming_it(emulator: XeroEmulator, tmp_path: Path) -> None:
    found = findings(emulator, tmp_path, scope="offline_access accounting.invoices")
    verdict, says = found["scopes"]
    assert verdict == "fail" and "accounting.contacts.read" in says and REAUTH in says
    record(SUITE, bad_inputs=1, runs=1)


def test_a_read_only_invoices_scope_fails_the_notes(emulator: XeroEmulator, tmp_path: Path) -> None:
    found = findings(
        emulator, tmp_path, scope="offline_access accounting.invoices.read accounting.contacts.read"
    )
    assert found["scopes"][0] == "ok"
    verdict, says = found["notes"]
    assert verdict == "fail" and "notes cannot be written" in says
    assert "accounting.invoices" in says and REAUTH in says
    record(SUITE, bad_inputs=1, runs=1)


def test_a_disconnected_organisation_fails(emulator: XeroEmulator, tmp_path: Path) -> None:
    other = emulator.add_org("Gone Trading")
    token_file = token_file_for(emulator, tmp_path / "t.json", scope=FULL)
    ledger = ledger_for(emulator, tmp_path, token_file=token_file, tenant_id=other.tenant_id)
    found = {what: (verdict, says) for what, verdict, says in ledger.preflight()}
    verdict, says = found["organisation"]
    assert verdict == "fail" and other.tenant_id in says and REAUTH in says
    record(SUITE, bad_inputs=1, runs=1)


def test_few_calls_left_today_warns(emulator: XeroEmulator, tmp_path: Path) -> None:
    emulator.spend_elsewhere(4_950)
    found = findings(emulator, tmp_path, scope=FULL)
    verdict, says = found["calls left"]
    assert verdict == "warn" and says.startswith("49 calls left today")
    assert "typical run" in says and "next run" in says
    record(SUITE, bad_inputs=1, runs=1)

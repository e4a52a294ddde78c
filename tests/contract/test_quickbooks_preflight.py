"""QuickBooksLedger.preflight against the emulator: one test per failing line, and all well.

Each failure is the emulator behaving as Intuit does (``tests/emulators/quickbooks/
oauth.py`` cites the documentation): a spent refresh token, a revoked connection, a
token without the accounting scope or of the other environment's keys (403, fault 3100).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Preflight
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
from tests.emulators.quickbooks.oauth import ACCOUNTING
from tests.support import tally

SUITE = "real services: quickbooks preflight"
REAUTH = "tahseel auth quickbooks"


@pytest.fixture
def emulator():
    with QuickBooksEmulator() as running:
        who = running.company.add_customer("A", "a@example.com")
        running.company.add_invoice("INV-1", who, "5")
        yield running


def doctor(
    emulator: QuickBooksEmulator,
    tmp_path: Path,
    *,
    scopes: tuple[str, ...] = (ACCOUNTING,),
    recorded: dict[str, Any] | None = None,
    then: Callable[[], None] = lambda: None,
    **options: Any,
) -> tuple[list[tuple[str, str, str]], Path]:
    """The preflight's lines, for a token as `tahseel auth quickbooks` (sandbox) writes it."""
    token = {**emulator.issue_token(scopes=scopes), "environment": "sandbox", "scope": ACCOUNTING}
    token.update(recorded or {})
    token = {name: value for name, value in token.items() if value is not None}
    path = tmp_path / "qbo-token.json"
    path.write_text(json.dumps(token))
    os.chmod(path, 0o600)
    options.setdefault("environment", "sandbox")
    ledger = ledger_for(emulator, tmp_path, token_file=path, max_retry_wait=0.0, **options)
    assert isinstance(ledger, Preflight)
    then()  # what happens at Intuit after the token was stored
    return list(ledger.preflight()), path


def revoke(emulator: QuickBooksEmulator, *, access: bool = False) -> Callable[[], None]:
    def forget() -> None:
        emulator.identity.refresh.clear()
        if access:
            emulator.identity.access.clear()

    return forget


def verdicts(lines: list[tuple[str, str, str]]) -> dict[str, str]:
    return {what: verdict for what, verdict, _ in lines}


def said(lines: list[tuple[str, str, str]], what: str) -> str:
    return next(says for name, _, says in lines if name == what)


def test_a_ready_company_passes_every_check_without_writing(emulator, tmp_path):
    lines, _ = doctor(emulator, tmp_path)
    assert verdicts(lines) == dict.fromkeys(
        ["token", "scopes", "environment", "company", "notes", "calls"], "ok"
    )
    assert "Sandbox Company_US_1" in said(lines, "company")
    assert ACCOUNTING in said(lines, "scopes") and "sandbox" in said(lines, "environment")
    calls = said(lines, "calls")
    assert "no daily limit" in calls and "500 calls a minute" in calls and "10 at once" in calls
    assert "keeps to 500 a minute" in calls
    assert [route for route in emulator.log.calls if route.startswith("POST")] == []
    assert emulator.log.calls["GET companyinfo/" + emulator.company.realm_id] == 1


def test_the_limiter_figure_is_the_one_configured(emulator, tmp_path):
    lines, _ = doctor(emulator, tmp_path, per_minute=120)
    assert "keeps to 120 a minute" in said(lines, "calls")


def test_an_expired_access_token_is_refreshed_and_saved(emulator, tmp_path):
    lines, path = doctor(emulator, tmp_path, recorded={"expires_at": 0})
    assert verdicts(lines)["token"] == "ok" and "refreshed" in said(lines, "token")
    assert json.loads(path.read_text())["expires_at"] > 0
    assert emulator.identity.refreshes == 1


def test_no_token_is_a_fail_and_the_end(emulator, tmp_path):
    ledger = ledger_for(emulator, tmp_path, token_file=tmp_path / "none.json")
    lines = list(ledger.preflight())
    assert [(what, verdict) for what, verdict, _ in lines] == [("token", "fail")]
    assert REAUTH in lines[0][2]
    tally.record(SUITE, bad_inputs=1)


def test_a_refresh_intuit_refuses_is_a_fail_telling_to_sign_in_again(emulator, tmp_path):
    # The refresh token was spent long ago, or revoked.
    lines, _ = doctor(emulator, tmp_path, recorded={"expires_at": 0}, then=revoke(emulator))
    assert [(what, verdict) for what, verdict, _ in lines] == [("token", "fail")]
    assert "refused the refresh" in lines[0][2] and REAUTH in lines[0][2]
    tally.record(SUITE, bad_inputs=1)


def test_a_revoked_connection_fails_the_company_read(emulator, tmp_path):
    # The company disconnected the app: the unexpired access token is refused too.
    lines, _ = doctor(emulator, tmp_path, then=revoke(emulator, access=True))
    assert verdicts(lines)["company"] == "fail" and REAUTH in said(lines, "company")
    tally.record(SUITE, bad_inputs=1)


def test_a_recorded_scope_without_accounting_fails_and_says_what_is_missing(emulator, tmp_path):
    lines, _ = doctor(emulator, tmp_path, scopes=("openid",), recorded={"scope": "openid email"})
    assert verdicts(lines) == {"token": "ok", "scopes": "fail"}
    says = said(lines, "scopes")
    assert f"missing {ACCOUNTING}" in says and "granted: email, openid" in says
    assert REAUTH in says
    tally.record(SUITE, bad_inputs=1)


def test_an_unrecorded_scope_is_judged_by_the_company_read(emulator, tmp_path):
    # An imported token says no scope; QuickBooks refuses it without accounting (403).
    lines, _ = doctor(emulator, tmp_path, scopes=("openid",), recorded={"scope": None})
    assert verdicts(lines)["company"] == "fail"
    says = said(lines, "company")
    assert "HTTP 403" in says and ACCOUNTING in says and REAUTH in says
    tally.record(SUITE, bad_inputs=1)


def test_an_unrecorded_scope_that_reads_the_company_is_ok(emulator, tmp_path):
    lines, _ = doctor(emulator, tmp_path, recorded={"scope": None, "environment": None})
    assert verdicts(lines)["scopes"] == "ok" and "not recorded" in said(lines, "scopes")
    assert verdicts(lines)["notes"] == "ok"


def test_keys_of_the_other_environment_fail(emulator, tmp_path):
    lines, _ = doctor(emulator, tmp_path, environment="production")
    assert verdicts(lines)["environment"] == "fail"
    says = said(lines, "environment")
    assert "sandbox keys" in says and "ledger.environment is production" in says
    tally.record(SUITE, bad_inputs=1)


def test_development_keys_on_the_production_host_fail_the_company_read(emulator, tmp_path):
    emulator.identity.host = "production"  # sandbox keys, production API host
    lines, _ = doctor(emulator, tmp_path, recorded={"environment": None})
    assert verdicts(lines)["company"] == "fail"
    says = said(lines, "company")
    assert "HTTP 403" in says and "ledger.environment" in says
    tally.record(SUITE, bad_inputs=1)


def test_quickbooks_unavailable_fails_the_company_read(emulator, tmp_path):
    emulator.fail("503", probability=1.0, path="companyinfo")
    lines, _ = doctor(emulator, tmp_path)
    assert verdicts(lines)["company"] == "fail"
    assert "could not read the company" in said(lines, "company")
    tally.record(SUITE, bad_inputs=1)

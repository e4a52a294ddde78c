"""XeroLedger under Xero's limits, faults and token rotation, against the emulator.

Time is scaled: one ``ScaledClock`` drives both the ledger's limiter and the
emulator's windows, so a minute of budget passes in tens of milliseconds.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.errors import LedgerAuthError, LedgerQuotaExceeded, LedgerRejected
from connectors.limits import ScaledClock
from connectors.tokens import FAILPOINTS
from tests.emulators.xero import XeroEmulator, ledger_for, token_file_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=2000)


@pytest.fixture
def emulator(clock: ScaledClock) -> Iterator[XeroEmulator]:
    with XeroEmulator(clock=clock.now, seed=7, timeout_delay=0.3) as running:
        yield running


def scaled(emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("timeout", 0.1)
    return ledger_for(emulator, tmp_path, clock=clock.now, sleep=clock.sleep, **options)


def _open_invoices(emulator: XeroEmulator, count: int) -> list[str]:
    who = emulator.org.add_contact("Storm Co", "ap@storm.example")
    return [emulator.org.add_invoice(f"S-{n:03d}", who, "10") for n in range(count)]


def test_429_storm_never_exceeds_xero_limits(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 40)
    emulator.fail("429", probability=0.25, retry_after=2)
    # Timeouts are not this test's subject: one after five 429s would end the call.
    ledger = scaled(emulator, tmp_path, clock, timeout=10.0)
    invoices = ledger.get_invoices(ids)
    errors: list[BaseException] = []

    def work(part: int) -> None:
        try:
            for invoice in invoices[part::8]:
                ledger.add_note(invoice, "Reminder 1 sent", key=f"ob-{invoice.id}")
                ledger.payment_link(invoice)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert emulator.injected["429"] > 0
    assert emulator.limit_429s == {}  # the client never overran a limit itself
    assert emulator.max_in_flight <= 5 and emulator.max_per_minute <= 60
    assert emulator.requests > 60  # more than a minute's budget was needed
    assert all(emulator.org.notes(i) == ["Reminder 1 sent"] for i in ids)


def test_retries_5xx_timeouts_and_dropped_connections(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 3)
    ledger = scaled(emulator, tmp_path, clock)
    emulator.fail("500", at={1})
    emulator.fail("503", at={2})
    emulator.fail("timeout", at={3})
    emulator.fail("drop", at={4})
    assert len(ledger.get_invoices(ids)) == 3
    assert ledger.calls["invoices.get"] == 5
    assert sum(emulator.injected.values()) == 4


def test_rejection_is_not_retried_and_names_the_invoice(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 1)
    ledger = scaled(emulator, tmp_path, clock)
    invoice = ledger.get_invoices(ids)[0]
    emulator.fail("400", path="/History", probability=1.0)
    with pytest.raises(LedgerRejected) as caught:
        ledger.add_note(invoice, "Reminder", key="ob-9")
    assert ledger.calls["invoices.note"] == 1
    assert "S-000" in str(caught.value) and "HTTP 400" in str(caught.value)
    assert "request " in str(caught.value)


def test_spent_daily_budget_stops_cleanly(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 3)
    ledger = scaled(emulator, tmp_path, clock, per_day=4)
    with pytest.raises(LedgerQuotaExceeded, match="daily API budget of 4"):
        for _ in range(10):
            ledger.get_invoices(ids)
    assert emulator.requests == 4 and sum(ledger.calls.values()) == 4
    assert emulator.limit_429s == {}


def test_xero_daily_429_raises_quota_exceeded(tmp_path: Path, clock: ScaledClock) -> None:
    with XeroEmulator(clock=clock.now, per_day=3) as emulator:
        ids = _open_invoices(emulator, 1)
        ledger = scaled(emulator, tmp_path, clock)
        ledger.get_invoices(ids)  # learns from the headers that 2 calls are left
        emulator.spend_elsewhere(2)  # another run spends them meanwhile
        started = time.monotonic()
        with pytest.raises(LedgerQuotaExceeded, match="daily call limit"):
            for _ in range(10):
                ledger.get_invoices(ids)
        assert emulator.limit_429s == {"day": 1}
        assert time.monotonic() - started < 5  # no sleeping until tomorrow


def test_dead_refresh_token_asks_to_reauthorise(emulator: XeroEmulator, tmp_path: Path) -> None:
    token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=-10)
    data = json.loads(token_file.read_text())
    data["refresh_token"] = "rt-revoked"
    token_file.write_text(json.dumps(data))
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    with pytest.raises(LedgerAuthError, match="run `tahseel auth xero` again") as caught:
        list(ledger.list_open_invoices())
    assert "rt-revoked" not in str(caught.value)


def test_refresh_is_single_flight_and_persisted(emulator: XeroEmulator, tmp_path: Path) -> None:
    _open_invoices(emulator, 2)
    token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=30)
    old = json.loads(token_file.read_text())
    ledgers = [ledger_for(emulator, tmp_path, token_file=token_file) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda led=led: list(led.list_open_invoices())) for led in ledgers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert emulator.identity.refreshes == 1
    saved = json.loads(token_file.read_text())
    assert saved["refresh_token"] != old["refresh_token"]
    assert saved["tenants"] == old["tenants"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_spent_refresh_token_works_only_within_grace(
    emulator: XeroEmulator, tmp_path: Path
) -> None:
    spent = emulator.issue_token()
    form = {
        "grant_type": "refresh_token",
        "refresh_token": spent["refresh_token"],
        "client_id": emulator.identity.client_id,
        "client_secret": emulator.identity.client_secret,
    }
    emulator.identity.token(form)
    emulator.advance(29 * 60)
    emulator.identity.token(form)
    emulator.advance(2 * 60)
    with pytest.raises(Exception, match="invalid_grant"):
        emulator.identity.token(form)


def test_expired_access_token_gets_one_refresh_on_401(
    emulator: XeroEmulator, tmp_path: Path
) -> None:
    _open_invoices(emulator, 1)
    token_file = token_file_for(emulator, tmp_path / "t.json")
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    emulator.advance(3600)  # the server thinks the token expired; the file does not
    assert len(list(ledger.list_open_invoices())) == 1
    assert ledger.calls["token.refresh"] == 1 and ledger.calls["invoices.list"] == 2


CRASHER = textwrap.dedent(
    """
    import sys
    from connectors.xero import XeroLedger
    url, base, token_file, cid, secret = sys.argv[1:6]
    ledger = XeroLedger(client_id=cid, client_secret=secret, token_file=token_file,
                        api_url=url, identity_url=base, connections_url=base)
    list(ledger.list_open_invoices())
    print("survived")
    """
)


@pytest.mark.parametrize("point", FAILPOINTS)
def test_killed_during_token_rotation_still_authenticates(
    emulator: XeroEmulator, tmp_path: Path, point: str
) -> None:
    _open_invoices(emulator, 2)
    token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=30)
    before = token_file.read_text()
    args = [
        emulator.api_url,
        emulator.base_url,
        str(token_file),
        emulator.identity.client_id,
        emulator.identity.client_secret,
    ]
    env = {**os.environ, "TAHSEEL_FAILPOINTS": point, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", CRASHER, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == -9, run.stderr
    after = json.loads(token_file.read_text())  # whole JSON, never truncated
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    rotated = after["refresh_token"] != json.loads(before)["refresh_token"]
    assert rotated == (point == "token_before_dir_fsync")

    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    assert len(list(ledger.list_open_invoices())) == 2
    if point != "token_before_refresh":
        emulator.advance(31 * 60)  # now only the newest refresh token works
        fresh = json.loads(token_file.read_text())
        fresh["expires_at"] = 0
        token_file.write_text(json.dumps(fresh))
        again = ledger_for(emulator, tmp_path, token_file=token_file)
        assert len(list(again.list_open_invoices())) == 2

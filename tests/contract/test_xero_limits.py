"""Xero's calls left, read from every answer's headers, bound the ledger's own limiter.

Xero sends ``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and
``X-AppMinLimit-Remaining`` on every answer (https://developer.xero.com/faq/limits).
A plan may allow fewer calls a day than the 5,000 the ledger is configured for (the
Starter tier is reported at 1,000), and other runs of the app spend the same
connection's calls: the ledger must stop before Xero refuses, not after.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import CallsLeft
from connectors.errors import LedgerQuotaExceeded
from connectors.limits import ScaledClock
from tests.emulators.xero import XeroEmulator, ledger_for
from tests.support.tally import record

SUITE = "real services: xero limits"


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=2000)


@pytest.fixture
def starter(clock: ScaledClock) -> Iterator[XeroEmulator]:
    # A Starter-tier organisation: 1,000 calls a day.
    with XeroEmulator(clock=clock.now, per_day=1000) as running:
        yield running


def _ids(emulator: XeroEmulator, count: int) -> list[str]:
    who = emulator.org.add_contact("Limit Co", "ap@limit.example")
    return [emulator.org.add_invoice(f"L-{n:03d}", who, "10") for n in range(count)]


def test_the_headers_seed_the_limiter(
    starter: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _ids(starter, 1)
    starter.spend_elsewhere(960)  # another run of the app spent them today
    ledger = ledger_for(starter, tmp_path, clock=clock.now, sleep=clock.sleep)  # 5,000 a day
    assert isinstance(ledger, CallsLeft)
    ledger.get_invoices(ids)  # the invoice, then its contact: two calls
    # Xero counted 962 of its 1,000: the ledger believes Xero, not its own 4,998.
    assert ledger.client.remaining["day"] == 38
    assert ledger.calls_left_today() == 38
    assert ledger.client.remaining["app_minute"] == 9_998
    record(SUITE, bad_inputs=1, runs=1)


def test_the_ledger_stops_before_xero_refuses_the_day(
    starter: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _ids(starter, 1)
    starter.spend_elsewhere(996)
    ledger = ledger_for(starter, tmp_path, clock=clock.now, sleep=clock.sleep)
    ledger.get_invoices(ids)  # the invoice and its contact: 2 left, says Xero
    ledger.get_invoices(ids)  # the contact is known: one call each
    ledger.get_invoices(ids)
    with pytest.raises(LedgerQuotaExceeded, match="no calls are left today") as caught:
        ledger.get_invoices(ids)
    assert "next run" in str(caught.value)
    assert starter.requests == 4 and starter.limit_429s == {}
    record(SUITE, bad_inputs=1, runs=1)


def test_the_minute_left_elsewhere_is_waited_for_not_refused(
    starter: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _ids(starter, 1)
    ledger = ledger_for(starter, tmp_path, clock=clock.now, sleep=clock.sleep)
    ledger.get_invoices(ids)
    # Another run makes 57 calls this minute: 2 are left of the 60.
    starter.rate.charge(starter.org.tenant_id, "minute", 57)
    for _ in range(4):
        ledger.get_invoices(ids)
    assert starter.limit_429s == {}
    assert ledger.client.limiter.waited > 0
    record(SUITE, bad_inputs=1, runs=1)

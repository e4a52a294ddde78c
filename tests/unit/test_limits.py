"""RateLimiter and call_with_retries on a fake clock: no real waiting."""

from __future__ import annotations

import pytest

from connectors.errors import (
    LedgerQuotaExceeded,
    LedgerRateLimited,
    LedgerRejected,
    LedgerUnavailable,
)
from connectors.limits import RateLimiter, call_with_retries


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_minute_budget_waits_for_the_oldest_call_to_leave_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter("t", per_minute=3, clock=clock, sleep=clock.sleep)
    started = []
    for _ in range(7):
        with limiter.slot():
            started.append(clock.now)
    assert started == [0, 0, 0, 60, 60, 60, 120]


def test_a_weighted_call_waits_until_the_window_holds_room_for_all_it_counts() -> None:
    clock = FakeClock()
    limiter = RateLimiter("t", per_minute=10, clock=clock, sleep=clock.sleep)
    started = []
    for weight in (4, 4, 4, 1, 9):
        with limiter.slot(weight):
            started.append(clock.now)
        clock.now += 1
    # 4+4 fit; the third 4 waits for the first to leave; 9 waits until only the 1 is left.
    assert started == [0, 1, 60, 61, 120]


def test_daily_budget_raises_instead_of_sleeping() -> None:
    clock = FakeClock()
    limiter = RateLimiter("xero t", per_minute=1000, per_day=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        with limiter.slot():
            pass
    with pytest.raises(LedgerQuotaExceeded, match="daily API budget of 5"):
        with limiter.slot():
            pass
    assert clock.sleeps == [] and limiter.remaining_today() == 0


def test_pause_holds_the_next_call_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter("t", clock=clock, sleep=clock.sleep)
    limiter.pause(42)
    with limiter.slot():
        assert clock.now == 42


def test_retry_after_is_honoured_then_success() -> None:
    clock = FakeClock()
    limiter = RateLimiter("t", clock=clock, sleep=clock.sleep)
    answers = [LedgerRateLimited("429", retry_after=17), LedgerUnavailable("503"), "ok"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_with_retries(call, limiter=limiter, sleep=clock.sleep, jitter=lambda: 0.5) == "ok"
    assert clock.sleeps == [17, 2.0]


def test_rejections_are_never_retried() -> None:
    calls = []

    def call() -> None:
        calls.append(1)
        raise LedgerRejected("xero: invoices.note (invoice INV-1): refused (HTTP 400)")

    with pytest.raises(LedgerRejected, match="INV-1"):
        call_with_retries(call, sleep=lambda s: None)
    assert len(calls) == 1


def test_total_retry_wait_is_bounded() -> None:
    clock = FakeClock()

    def call() -> None:
        raise LedgerRateLimited("429", retry_after=100)

    with pytest.raises(LedgerRateLimited):
        call_with_retries(call, max_wait=250, attempts=99, sleep=clock.sleep)
    assert clock.sleeps == [100, 100]


def test_a_run_of_429s_longer_than_the_attempts_still_succeeds() -> None:
    clock = FakeClock()
    answers: list[object] = [LedgerRateLimited("429", retry_after=1) for _ in range(10)] + ["ok"]

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_with_retries(call, attempts=6, sleep=clock.sleep) == "ok"
    assert clock.sleeps == [1] * 10


def test_other_unavailability_stops_at_the_attempts() -> None:
    tries = []

    def call() -> None:
        tries.append(1)
        raise LedgerUnavailable("503")

    with pytest.raises(LedgerUnavailable):
        call_with_retries(call, attempts=3, sleep=lambda s: None, jitter=lambda: 0.0)
    assert len(tries) == 3


def test_organisations_of_one_app_share_its_minute_limit() -> None:
    clock = FakeClock()
    app = RateLimiter("app", per_minute=4, concurrent=100, clock=clock, sleep=clock.sleep)
    one = RateLimiter("t1", per_minute=3, clock=clock, sleep=clock.sleep, within=app)
    two = RateLimiter("t2", per_minute=3, clock=clock, sleep=clock.sleep, within=app)
    started = []
    for limiter in (one, two, one, two, one, two):
        with limiter.slot():
            started.append(clock.now)
    # Each tenant alone would allow 3 a minute (6 at once in all); the app allows 4.
    assert started == [0, 0, 0, 0, 60, 60]
    assert app.calls == 6 and one.calls == two.calls == 3


def test_xero_organisations_of_one_app_share_one_app_limiter() -> None:
    from connectors.xero.client import APP_PER_MINUTE
    from connectors.xero.ledger import XeroLedger

    def ledger(tenant: str, client_id: str = "app-1") -> XeroLedger:
        return XeroLedger(
            client_id=client_id, client_secret="s", token_file="t.json", tenant_id=tenant
        )

    acme, noor, other = ledger("acme"), ledger("noor"), ledger("acme", client_id="app-2")
    assert acme._limiter() is not noor._limiter()
    assert acme._limiter().within is noor._limiter().within
    assert acme._limiter().within is not other._limiter().within
    assert acme._limiter().within.per_minute == APP_PER_MINUTE  # type: ignore[union-attr]

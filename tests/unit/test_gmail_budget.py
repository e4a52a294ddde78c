"""QuotaBudget: Gmail's per-user units, spent in a sliding window (fake clock)."""

from __future__ import annotations

from mailer.gmail.api import QuotaBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def spend(budget: QuotaBudget, clock: FakeClock, costs: list[int]) -> list[tuple[float, int]]:
    log = []
    for units in costs:
        budget.take(units)
        log.append((clock.now, units))
    return log


def test_no_window_ever_holds_more_than_the_limit() -> None:
    clock = FakeClock()
    budget = QuotaBudget(250, window=1.0, clock=clock, sleep=clock.sleep)
    log = spend(budget, clock, [10, 100, 5, 100, 10, 100, 2, 100] * 40)
    for start, _ in log:
        inside = sum(units for at, units in log if start <= at < start + 1.0)
        assert inside <= 250


def test_a_minute_holds_no_more_than_gmail_allows() -> None:
    clock = FakeClock()
    budget = QuotaBudget(clock=clock, sleep=clock.sleep)  # the transport's default
    log = spend(budget, clock, [10, 100] * 400)
    for start, _ in log:
        assert sum(units for at, units in log if start <= at < start + 60) <= 15_000


def test_sends_go_at_the_limit_not_below_it() -> None:
    # drafts.create (10) + drafts.send (100) per email: 1,000 emails at 245 units a
    # second take 449 s at best; a token bucket that kept every second under 250 (rate
    # 150, burst 100) took 733 s.
    clock = FakeClock()
    budget = QuotaBudget(clock=clock, sleep=clock.sleep)
    spend(budget, clock, [10, 100] * 1000)
    least = 1000 * 110 / 245
    assert least - budget.window <= clock.now <= least * 1.03


def test_a_call_dearer_than_the_window_still_goes() -> None:
    clock = FakeClock()
    budget = QuotaBudget(50, window=1.0, clock=clock, sleep=clock.sleep)
    spend(budget, clock, [100, 100])
    assert clock.now >= 1.0

"""The emulators' shared rate windows and fault rules, on a clock the test moves."""

from __future__ import annotations

from tests.emulators.scaffold import FaultScript, Limit, RateWindows, Refusal, Rule


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limits_refuse_in_the_order_given_and_name_the_wait() -> None:
    clock = Clock()
    rate = RateWindows([Limit("day", 3, 86_400), Limit("minute", 2, 60)], clock)
    assert rate.admit("org") is None
    clock.now += 10
    assert rate.admit("org") is None
    assert rate.admit("org") == Refusal("minute", 50)  # the first call leaves at 1060
    clock.now += 50
    assert rate.admit("org") is None  # the first call left the minute
    clock.now += 60
    assert rate.admit("org") == Refusal("day", 86_280)  # checked first; frees at 87400
    assert rate.admit("other") is None  # limits are per key
    assert rate.refusals == {"minute": 1, "day": 1}
    assert rate.peaks["minute"] == 2 and rate.used("org", "day") == 3


def test_weights_count_against_a_window_and_zero_skips_it() -> None:
    rate = RateWindows([Limit("minute", 5, 60), Limit("batch", 1, 60)], Clock())
    assert rate.admit("realm", minute=3) is None
    assert rate.admit("realm", minute=1, batch=0) is None
    assert rate.admit("realm", minute=2) == Refusal("minute", 60)  # 4 + 2 > 5
    assert rate.admit("realm", minute=1) == Refusal("batch", 60)
    assert rate.admitted == {"minute": 4, "batch": 1}


def test_calls_in_flight_are_limited_until_released() -> None:
    rate = RateWindows([Limit("concurrent", 2)], Clock())
    assert rate.admit("org") is None and rate.admit("org") is None
    assert rate.admit("org") == Refusal("concurrent", 1)
    rate.release("org")
    assert rate.admit("org") is None
    rate.enter("org")  # counted, never refused
    assert rate.peak_in_flight == 3


def test_fault_rules_fail_by_number_path_and_seeded_chance() -> None:
    script: FaultScript[Rule] = FaultScript(seed=7)
    script.add(Rule("500", at=frozenset({2}), path="/History"))
    script.add(Rule("drop", probability=0.5))
    drawn = [script.draw(n, "/Invoices") for n in range(1, 41)]
    assert all(rule is None or rule.kind == "drop" for rule in drawn)
    assert 5 < script.injected["drop"] < 35
    assert script.draw(2, "/Invoices/x/History") is script.rules[0]
    again: FaultScript[Rule] = FaultScript(seed=7)
    again.add(Rule("drop", probability=0.5))
    assert [again.draw(n, "/Invoices") for n in range(1, 41)] == drawn  # same seed, same run

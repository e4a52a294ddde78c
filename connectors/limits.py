"""Client-side rate limits and retries shared by the API connectors.

A ``RateLimiter`` keeps one organisation's calls under the ledger's published limits
(calls per minute, per day, in flight at once) so the ledger never has to say 429.
``call_with_retries`` retries what may succeed later and gives up on what will not.

Both take the clock and the sleep function as arguments, so tests can run a day of
budget in a second by scaling time (see ``ScaledClock``).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import tenacity

from connectors.errors import (
    LedgerQuotaExceeded,
    LedgerRateLimited,
    LedgerUnavailable,
)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]

MINUTE = 60.0
DAY = 86_400.0


class ScaledClock:
    """A monotonic clock that runs ``factor`` times faster than real time.

    ``now`` and ``sleep`` agree with each other, so code that sleeps until a moment on
    this clock wakes at that moment. Share one instance between a client and an
    emulator so both count the same minutes.

    Args:
        factor: How many seconds of this clock pass per real second.
    """

    def __init__(self, factor: float = 1.0) -> None:
        self.factor = factor
        self._start = time.monotonic()

    def now(self) -> float:
        """Seconds elapsed on this clock, from an arbitrary origin."""
        return (time.monotonic() - self._start) * self.factor

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock."""
        if seconds > 0:
            time.sleep(seconds / self.factor)


class RateLimiter:
    """Keeps one organisation's calls within per-minute, per-day and concurrent limits.

    A call holds a slot from the moment it starts; its time in the minute and day
    windows is the moment it finished. Counting at the finish is what makes the limiter
    safe: the server saw the request somewhere between start and finish, so any call
    the server still counts in its window, the limiter counts too.

    Other runs may spend the same calls (another runner, a manual run), and a plan may
    allow fewer than ``per_day``: ``learn`` takes the counts a server reports left, and
    where they are lower than the limiter's own, the server's figure wins.

    Args:
        name: Whose limits these are, for messages (e.g. ``xero tenant 1f2e…``).
        per_minute: Calls allowed in any 60 seconds.
        per_day: Calls allowed in any 24 hours; when spent, ``slot`` raises
            ``LedgerQuotaExceeded`` at once instead of sleeping until tomorrow.
        concurrent: Calls allowed in flight at once.
        clock: Monotonic seconds; ``time.monotonic`` by default.
        sleep: Sleeps the given seconds of ``clock``; ``time.sleep`` by default.
        within: A wider limiter every call also takes a slot of, such as an app-wide
            limit shared by the limiters of all its organisations.
    """

    def __init__(
        self,
        name: str,
        *,
        per_minute: int = 60,
        per_day: int = 5000,
        concurrent: int = 5,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        within: RateLimiter | None = None,
    ) -> None:
        self.name = name
        self.within = within
        self.per_minute = per_minute
        self.per_day = per_day
        self.concurrent = concurrent
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Condition()
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()
        self._in_flight = 0
        self._pending = 0  # the weight of the calls in flight
        self._paused_until = 0.0
        # Calls the server counts and this limiter did not make (other apps, a smaller
        # plan): set by ``learn``; the minute's until its window has passed.
        self._others_day = 0
        self._others_minute = 0
        self._others_minute_until = 0.0
        self.calls = 0
        self.waited = 0.0

    @contextmanager
    def slot(self, weight: int = 1) -> Iterator[None]:
        """Hold one call's slot: wait for room, run the call, then record it.

        Args:
            weight: How many calls the server counts this one as (a QuickBooks batch
                counts each of its items); it still holds one concurrent slot.

        Raises:
            LedgerQuotaExceeded: The daily budget is spent.
        """
        weight = max(1, min(weight, self.per_minute))
        self._acquire(weight)
        try:
            if self.within is None:
                yield
            else:
                # The organisation's slot first: the shared one is held only while the
                # call itself may run.
                with self.within.slot(weight):
                    yield
        finally:
            self._release(weight)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds``, as a 429's Retry-After asks."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)

    def remaining_today(self) -> int:
        """Calls left in the current 24-hour window, at most what the server last said."""
        with self._lock:
            self._expire(self.clock())
            return max(0, self.per_day - len(self._day) - self._pending - self._others_day)

    def learn(self, *, day_left: int | None = None, minute_left: int | None = None) -> None:
        """Take the calls the server says are left (today, this minute) into account.

        Call it while the answered call still holds its slot: the server counted that
        call, and so does the limiter. A figure above the limiter's own is ignored (the
        limiter counts what it was configured for); a lower one replaces the previous
        estimate of the calls spent elsewhere.
        """
        with self._lock:
            now = self.clock()
            self._expire(now)
            if day_left is not None:
                own = self.per_day - len(self._day) - self._pending
                self._others_day = max(0, own - max(0, day_left))
            if minute_left is not None:
                own = self.per_minute - len(self._minute) - self._pending
                self._others_minute = max(0, own - max(0, minute_left))
                self._others_minute_until = now + MINUTE

    def _acquire(self, weight: int) -> None:
        while True:
            with self._lock:
                now = self.clock()
                self._expire(now)
                if len(self._day) + self._pending + weight + self._others_day > self.per_day:
                    raise LedgerQuotaExceeded(self._spent())
                delay = self._delay(now, weight)
                if delay <= 0 and self._in_flight < self.concurrent:
                    self._in_flight += 1
                    self._pending += weight
                    self.calls += 1
                    return
                if delay <= 0:
                    # Only concurrency is the bound: a finishing call wakes us.
                    self._lock.wait(0.05)
                    continue
            # Sleep outside the lock, so others may finish their calls meanwhile.
            self.waited += delay
            self.sleep(delay)

    def _spent(self) -> str:
        if self._others_day:
            return (
                f"{self.name}: the server says no calls are left today (other runs, or a"
                f" plan allowing fewer than {self.per_day} a day, used them); the rest waits"
                " for the next run"
            )
        return (
            f"{self.name}: daily API budget of {self.per_day} calls is spent; "
            "the rest waits for the next run"
        )

    def _release(self, weight: int) -> None:
        with self._lock:
            now = self.clock()
            self._in_flight -= 1
            self._pending -= weight
            self._minute.extend([now] * weight)
            self._day.extend([now] * weight)
            self._lock.notify_all()

    def _delay(self, now: float, weight: int = 1) -> float:
        delay = self._paused_until - now
        others = self._others_minute if now < self._others_minute_until else 0
        over = len(self._minute) + self._pending + weight + others - self.per_minute
        if over > 0 and over <= len(self._minute):
            # Wait for enough finished calls to leave the window.
            delay = max(delay, self._minute[over - 1] + MINUTE - now)
        elif over > 0 and others:
            # Calls made elsewhere fill the window: wait until they have left it.
            delay = max(delay, self._others_minute_until - now)
        elif over > 0:
            # Calls still in flight fill the window: wait for them to finish.
            delay = max(delay, 0.05)
        return delay

    def _expire(self, now: float) -> None:
        while self._minute and self._minute[0] <= now - MINUTE:
            self._minute.popleft()
        while self._day and self._day[0] <= now - DAY:
            self._day.popleft()


_SHARED: dict[str, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(key: str, **limits: object) -> RateLimiter:
    """Return the process-wide limiter for ``key``, creating it with ``limits`` once.

    Two ledgers open on one organisation in one process share its limits this way;
    organisations of one app share the app's limiter the same way (passed as ``within``).
    """
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = RateLimiter(key, **limits)  # type: ignore[arg-type]
        return _SHARED[key]


RATE_LIMITED_ATTEMPTS = 30
"""Most tries of a call the ledger keeps answering with 429 (its waits bound it first)."""


def call_with_retries(
    call: Callable[[], T],
    *,
    limiter: RateLimiter | None = None,
    attempts: int = 6,
    max_wait: float = 300.0,
    base: float = 1.0,
    sleep: Sleep = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Run ``call``; retry it while it raises ``LedgerUnavailable``.

    A ``LedgerRateLimited`` waits what its ``retry_after`` says (and pauses ``limiter``
    so other threads wait too); other unavailability backs off exponentially with
    jitter. Everything else, ``LedgerRejected`` above all, is raised at once.

    Args:
        call: The operation, already bound to its arguments.
        limiter: Told about a 429's Retry-After, when given.
        attempts: Most tries in all (after a 429, ``RATE_LIMITED_ATTEMPTS``).
        max_wait: Most seconds spent waiting between tries, in all; a wait that would
            pass it ends the retries with the last error. (Waits for the limiter's
            budget are ordinary pacing and do not count.)
        base: First backoff in seconds; doubles each try.
        sleep: Sleeps the given seconds (of the limiter's clock, in tests).
        jitter: Returns a float in [0, 1) that spreads backoffs.

    Raises:
        LedgerError: The last error once retries are spent, or the first one that is
            not worth retrying.
    """

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, LedgerRateLimited) and error.retry_after is not None:
            if limiter is not None:
                limiter.pause(error.retry_after)
            return error.retry_after
        return float(base * 2 ** (state.attempt_number - 1) * (0.5 + jitter()))

    def stop(state: tenacity.RetryCallState) -> bool:
        # A 429 says when to come back, and coming back is always safe: only the time
        # spent waiting bounds those retries (within a generous count).
        error = state.outcome.exception() if state.outcome else None
        limit = RATE_LIMITED_ATTEMPTS if isinstance(error, LedgerRateLimited) else attempts
        if state.attempt_number >= limit:
            return True
        return state.idle_for + wait_preview(state) > max_wait

    def wait_preview(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, LedgerRateLimited) and error.retry_after is not None:
            return error.retry_after
        return float(base * 2 ** (state.attempt_number - 1) * 0.5)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(LedgerUnavailable),
        wait=wait,
        stop=stop,
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)

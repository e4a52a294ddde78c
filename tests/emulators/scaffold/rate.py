"""Rate limits an emulator enforces: sliding windows and calls in flight, per key.

The vendor package says which limits apply, in which order, to what key (Xero's
organisation, QuickBooks' realm, the Gmail user) and how a refusal is answered; this
module only counts. A call may weigh more than one (a QuickBooks batch counts each of its
items against the minute, a Gmail method its quota units).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    """At most ``count`` in any ``span`` seconds, or, with no span, calls in flight at once.

    Attributes:
        name: What a refusal names (Xero sends it as ``X-Rate-Limit-Problem``).
        count: Weight allowed in the window (calls, batch items, quota units).
        span: The sliding window in seconds; None for calls in flight.
    """

    name: str
    count: float
    span: float | None = None


@dataclass(frozen=True)
class Refusal:
    """The limit that refused a call, and whole seconds until it may pass."""

    name: str
    retry_after: int


@dataclass
class _Window:
    seen: deque[tuple[float, int]] = field(default_factory=deque)
    used: int = 0

    def prune(self, now: float, span: float) -> None:
        while self.seen and self.seen[0][0] <= now - span:
            self.used -= self.seen.popleft()[1]

    def wait(self, now: float, span: float) -> int:
        oldest = self.seen[0][0] if self.seen else now
        return max(1, math.ceil(oldest + span - now))


@dataclass
class _Slots:
    windows: dict[str, _Window] = field(default_factory=dict)
    in_flight: int = 0


class RateWindows:
    """Sliding windows and an in-flight count per key, checked in the order given.

    Args:
        limits: The limits, in the order a call is checked against them; the first that
            refuses is the one named.
        clock: Monotonic seconds.

    Attributes:
        refusals: Refused calls by limit name.
        admitted: Weight admitted by window name.
        peaks: The most weight one key held in each window.
        peak_in_flight: The most calls one key had in flight.
    """

    def __init__(self, limits: Iterable[Limit], clock: Callable[[], float] = time.monotonic):
        self.limits = tuple(limits)
        self.clock = clock
        self.refusals: Counter[str] = Counter()
        self.admitted: Counter[str] = Counter()
        self.peaks: Counter[str] = Counter()
        self.peak_in_flight = 0
        self._keys: dict[str, _Slots] = {}
        self._lock = threading.Lock()

    def _slots(self, key: str) -> _Slots:
        slots = self._keys.setdefault(key, _Slots())
        for limit in self.limits:
            if limit.span is not None:
                slots.windows.setdefault(limit.name, _Window())
        return slots

    def admit(self, key: str, **weights: int) -> Refusal | None:
        """Take a slot for a call, or say which limit refuses it (counted in ``refusals``).

        ``weights`` gives a window's weight for this call by limit name (1 when not
        given); a window weighted 0 neither checks nor counts the call. A call admitted
        under an in-flight limit holds its slot until ``release``.
        """
        with self._lock:
            # Read inside the lock, so each window's entries stay in time order.
            now = self.clock()
            slots = self._slots(key)
            for limit in self.limits:
                if limit.span is not None:
                    slots.windows[limit.name].prune(now, limit.span)
            refusal = self._check(slots, now, weights)
            if refusal is not None:
                self.refusals[refusal.name] += 1
                return refusal
            for limit in self.limits:
                weight = weights.get(limit.name, 1)
                if limit.span is None:
                    self._enter(slots)
                elif weight:
                    window = slots.windows[limit.name]
                    window.seen.append((now, weight))
                    window.used += weight
                    self.admitted[limit.name] += weight
                    self.peaks[limit.name] = max(self.peaks[limit.name], window.used)
            return None

    def _check(self, slots: _Slots, now: float, weights: dict[str, int]) -> Refusal | None:
        for limit in self.limits:
            weight = weights.get(limit.name, 1)
            if limit.span is None:
                if slots.in_flight >= limit.count:
                    return Refusal(limit.name, 1)
            elif weight and slots.windows[limit.name].used + weight > limit.count:
                return Refusal(limit.name, slots.windows[limit.name].wait(now, limit.span))
        return None

    def _enter(self, slots: _Slots) -> None:
        slots.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, slots.in_flight)

    def enter(self, key: str) -> None:
        """Count a call in flight without checking any limit (``release`` ends it)."""
        with self._lock:
            self._enter(self._slots(key))

    def release(self, key: str) -> None:
        """Free a call's in-flight slot."""
        with self._lock:
            self._keys[key].in_flight -= 1

    def charge(self, key: str, name: str, weight: int) -> None:
        """Count ``weight`` in window ``name`` of ``key`` now, checking nothing (calls made
        elsewhere, that the limit counts all the same)."""
        with self._lock:
            now = self.clock()
            window = self._slots(key).windows[name]
            span = next(limit.span for limit in self.limits if limit.name == name)
            window.prune(now, span or 0.0)
            window.seen.append((now, weight))
            window.used += weight

    def clear(self, name: str) -> None:
        """Empty window ``name`` of every key, as a limit whose window resets does."""
        with self._lock:
            for slots in self._keys.values():
                if name in slots.windows:
                    slots.windows[name] = _Window()

    def used(self, key: str, name: str) -> int:
        """The weight ``key`` holds in window ``name``, as last counted (not pruned)."""
        with self._lock:
            return self._slots(key).windows[name].used

"""How Twilio is called: per-sender pacing, and retries only where a retry is safe.

Twilio accepts messages beyond a sender's throughput and queues them (up to 4 hours of
WhatsApp, 10 hours of SMS segments; then 21611 [19], [12]), so going too fast shows up
as late messages, not errors. ``SenderPacer`` keeps each sender under its rate:
about one segment a second for a long code, 10 for an alphanumeric sender id, 80
messages a second for a WhatsApp sender (reference, SMS and WhatsApp tables).

Reads (lists, fetches) are retried on 429, 5xx and dropped connections with backoff. A
create is retried only when it surely was not processed: a 429 (20429: "not
processed" [3]) or a connection that never opened. A timeout, a 5xx or a dropped answer
may hide a sent message (trap 1): ``SendOutcomeUnknown`` goes up, to be settled by
listing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
from twilio.base.exceptions import TwilioException

from mailer.errors import TransportUnavailable
from mailer.twilio.errors import translate

T = TypeVar("T")

RATES = {"long_code": 1.0, "alphanumeric": 10.0, "short_code": 100.0, "whatsapp": 80.0}
"""Messages (SMS: segments) a second per sender, by sender kind ([19], [12])."""


def sender_kind(sender: str) -> str:
    """``whatsapp``, ``alphanumeric``, ``short_code`` or ``long_code`` for a sender."""
    if sender.startswith("whatsapp:"):
        return "whatsapp"
    digits = sender.lstrip("+")
    if not digits.isdigit():
        return "alphanumeric"
    return "short_code" if len(digits) <= 6 else "long_code"


class SenderPacer:
    """Spaces sends from one sender at most ``per_second`` units a second.

    Args:
        per_second: Units (SMS segments, WhatsApp messages) a second.
        clock: Monotonic seconds.
        sleep: How to wait.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"a sender's rate must be above 0 a second, not {per_second}")
        self.interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()
        self.waited = 0.0

    def take(self, units: int = 1) -> None:
        """Wait for this send's turn; it holds the sender for ``units`` intervals."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval * max(units, 1)
        if start > now:
            self.waited += start - now
            self._sleep(start - now)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long reads and surely-unprocessed creates are retried.

    Attributes:
        attempts: Tries in all, the first included.
        initial_wait: Seconds before the second try; doubled each time, with jitter.
        max_wait: The longest single wait.
    """

    attempts: int = 4
    initial_wait: float = 1.0
    max_wait: float = 20.0

    def wait(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        base = min(self.max_wait, self.initial_wait * 2.0 ** (attempt - 1))
        return float(base / 2 + rng.random() * base / 2)


class Caller:
    """Runs SDK calls, translating their failures and retrying the safe ones.

    Args:
        retry: The retry policy.
        sleep: How to wait between tries.
        seed: Seed of the jitter.
    """

    def __init__(
        self,
        retry: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.retries = 0

    def run(self, call: Callable[[], T], *, operation: str, number: str, creating: bool) -> T:
        """Run ``call``; retry it while the failure is ``TransportUnavailable``.

        For a create, ``translate`` only says ``TransportUnavailable`` when Twilio surely
        did not process it; anything else uncertain is ``SendOutcomeUnknown``, raised at
        once.
        """
        attempt = 1
        while True:
            try:
                return call()
            except (TwilioException, requests.RequestException) as exc:
                # Only the SDK's and the HTTP library's failures: a bug of ours is no
                # reason to call Twilio again.
                error = translate(exc, operation=operation, number=number, creating=creating)
                if not isinstance(error, TransportUnavailable) or attempt >= self.retry.attempts:
                    raise error from exc
            with self._lock:  # one caller serves every thread of a channel
                wait = self.retry.wait(attempt, self._rng)
                self.retries += 1
            self._sleep(wait)
            attempt += 1

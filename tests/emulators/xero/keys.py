"""Xero's ``Idempotency-Key``: remembered for six minutes, for one request only.

Xero's idempotency guide
(https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/) is
not in our stored copies; what it says is taken from the public integrations that quote
it, which agree: Xero "caches keys for six minutes from the first call and compares the
actual URL, body and HTTP method"; within that time the same key "returns the cached
original response and the request is not reprocessed", "after expiry, the same key is
treated as a new key and may execute again"; "same key + a different request → 400";
"errors are cached too". The spec (xero_accounting.yaml, ``idempotencyKey``) adds
"128 character max". The body of the 400 is not documented: the emulator answers with
the usual validation error, strictly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

KEY_LIFETIME = 6 * 60.0
"""Seconds Xero keeps a key, from the first call."""

KEY_LENGTH = 128
"""Most characters in a key."""

Answer = tuple[int, str, bytes, dict[str, str]]


@dataclass(frozen=True)
class Stored:
    """The first request made with a key, and Xero's answer to it."""

    at: float
    method: str
    path: str
    body: bytes
    answer: Answer


class KeyReused(Exception):
    """The key was used within its lifetime for another request (Xero answers 400)."""


class IdempotencyKeys(dict[str, Stored]):
    """The keys an organisation remembers, by key; a test can let time pass."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock
        self.offset = 0.0
        self.reused = 0
        """Requests refused for reusing a key with another body."""

    def now(self) -> float:
        """Seconds on the clock keys age by."""
        return self.clock() + self.offset

    def pass_time(self, seconds: float) -> None:
        """Let ``seconds`` go by: keys older than KEY_LIFETIME are then forgotten."""
        self.offset += seconds

    def replay(self, key: str, method: str, path: str, body: bytes) -> Answer | None:
        """The stored answer for a repeat of the same request; None for a new one.

        Raises:
            KeyReused: The key is live and was first used for another request.
        """
        stored = self.get(key)
        if stored is None or self.now() - stored.at >= KEY_LIFETIME:
            return None
        if (stored.method, stored.path, stored.body) != (method, path, body):
            self.reused += 1
            raise KeyReused("The Idempotency-Key has already been used for a different request.")
        return stored.answer

    def keep(self, key: str, method: str, path: str, body: bytes, answer: Answer) -> None:
        """Remember the answer to the first request made with ``key`` (errors too)."""
        self[key] = Stored(self.now(), method, path, body, answer)

"""What a client asked an emulator: calls by route, requests by number, and exchanges."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass
class Exchange:
    """One request and its answer, kept when ``record`` is on (for spec checks)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    content_type: str
    body: bytes


class RequestLog:
    """Counts calls by route name, numbers API requests, and keeps exchanges if asked.

    Args:
        record: Whether the emulator keeps its exchanges (it reads this flag).

    Attributes:
        calls: Requests by route name (every route, API or not).
        requests: API requests numbered so far (the last number given).
        exchanges: The exchanges kept.
    """

    def __init__(self, *, record: bool = False) -> None:
        self.calls: Counter[str] = Counter()
        self.requests = 0
        self.record = record
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def count(self, route: str) -> None:
        """Count a call of ``route``."""
        with self._lock:
            self.calls[route] += 1

    def number(self, route: str) -> int:
        """Count an API call of ``route`` and return its request number (1-based)."""
        with self._lock:
            self.calls[route] += 1
            self.requests += 1
            return self.requests

    def keep(self, exchange: Exchange) -> None:
        """Keep ``exchange`` (the caller builds one only when ``record`` is on)."""
        with self._lock:
            self.exchanges.append(exchange)

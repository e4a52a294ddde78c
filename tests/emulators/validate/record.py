"""What the spec checks saw in this process: validations by service and operation, and
the violations found, for the test that caused them to fail on.

One ``Tally`` for the whole process (``TALLY``): the emulators' handler threads write
to it, ``tests/conftest.py`` reads it after each test. A test that sends a bad request
on purpose, or feeds a validator a known-bad answer, wraps that in ``expected()``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    """One request to an emulator and the answer it is about to write."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    content_type: str | None
    answer: bytes
    answer_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(frozen=True)
class Violation:
    """A request or answer that breaks the service's published specification."""

    service: str
    operation: str
    side: str  # "request" or "answer"
    problems: tuple[str, ...]
    call: Call

    def __str__(self) -> str:
        where = f"{self.call.method} {self.call.path}" + (
            f"?{self.call.query}" if self.call.query else ""
        )
        lines = "\n  ".join(self.problems)
        return (
            f"{self.service} {self.operation} ({where}, answer {self.call.status}): "
            f"the {self.side} breaks the spec:\n  {lines}"
        )


class Tally:
    """Validations counted by (service, operation) and the violations found."""

    def __init__(self) -> None:
        self.validated: Counter[tuple[str, str]] = Counter()
        self.seconds = 0.0
        self.violations: list[Violation] = []
        self.departures: list[str] = []
        self._lock = threading.Lock()

    def count(self, service: str, operation: str, seconds: float = 0.0) -> None:
        """Count one validated exchange and the time its check took."""
        with self._lock:
            self.validated[service, operation] += 1
            self.seconds += seconds

    @contextmanager
    def departing(self, reason: str) -> Iterator[list[Violation]]:
        """Let answers that break the spec through, as the real service sends them.

        For a test that serves data the vendor's spec leaves out but its service does
        send (a currency newer than the spec's list), or that a careless user's
        ledger may hold: the answer is written as it is, not replaced by a 599, and
        its violations are collected as ``expected`` ones. ``reason`` says why, with
        the source; it is kept for the length of the block.
        """
        with self._lock:
            self.departures.append(reason)
        try:
            with self.expected() as found:
                yield found
        finally:
            with self._lock:
                self.departures.remove(reason)

    def report(self, violation: Violation) -> None:
        """Keep a violation (tests fail on it unless it is ``expected``)."""
        with self._lock:
            self.violations.append(violation)

    @property
    def total(self) -> int:
        """Exchanges validated so far."""
        return sum(self.validated.values())

    def operations(self, service: str) -> set[str]:
        """The distinct operations of ``service`` validated so far."""
        return {op for (svc, op) in self.validated if svc == service}

    def since(self, mark: int) -> list[Violation]:
        """Violations reported after the first ``mark``."""
        with self._lock:
            return self.violations[mark:]

    @contextmanager
    def expected(self) -> Iterator[list[Violation]]:
        """Collect the violations raised inside, so they do not fail the test."""
        with self._lock:
            mark = len(self.violations)
        found: list[Violation] = []
        try:
            yield found
        finally:
            with self._lock:
                found.extend(self.violations[mark:])
                del self.violations[mark:]


TALLY = Tally()


#: Lists longer than this in one answer are checked on a sample (see ``thin``).
SAMPLE = 100


def thin(document: object) -> object:
    """``document`` with every list longer than ``SAMPLE`` cut to a fixed sample.

    Checking a 1,000-invoice page item by item costs about 1.8 s with jsonschema, and the
    large-ledger tests read a hundred such pages; every item of a page is written by the
    same emulator code, so the first 60 items and 40 spread over the rest stand for it.
    Answers of up to ``SAMPLE`` items, which is every answer of the contract tests but
    the paging ones, are checked whole.
    """
    if isinstance(document, dict):
        return {key: thin(value) for key, value in document.items()}
    if isinstance(document, list):
        rows = document
        if len(rows) > SAMPLE:
            step = (len(rows) - 60) / 40
            rows = rows[:60] + [rows[60 + int(i * step)] for i in range(40)]
        return [thin(row) for row in rows]
    return document

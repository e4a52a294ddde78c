"""Every exchange with a loopback emulator, checked against the vendor's published spec.

``xero`` checks against Xero's OpenAPI document, ``gmail`` against the Gmail discovery
document shipped in google-api-python-client, ``quickbooks`` against Intuit's XSDs. The
scaffold's ``Handler.send`` calls ``screen`` when the vendor's handler names a ``spec``:
the request and the answer are both checked; an answer that breaks the spec is replaced
by a loud ``599 spec violation`` naming the problems (a client must never learn a shape
the real service does not send), and every violation is kept in ``TALLY`` so that
``tests/conftest.py`` fails the test that caused it. A test that serves what the real
service sends beyond its spec says so with ``TALLY.departing(reason)``. Compiled schemas
are cached once per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.emulators.validate.record import TALLY, Call, Tally, Violation

__all__ = ["TALLY", "Call", "Tally", "Verdict", "Violation", "screen"]

SPEC_VIOLATION = 599


@dataclass(frozen=True)
class Verdict:
    """What a service's validator found in one exchange.

    Attributes:
        service: ``xero``, ``gmail`` or ``quickbooks``.
        operation: The spec's name for the operation (None when the path is outside
            the spec, such as OAuth endpoints: nothing is counted then).
        request: Problems with the request.
        answer: Problems with the answer.
    """

    service: str
    operation: str | None
    request: tuple[str, ...] = ()
    answer: tuple[str, ...] = ()


def screen(
    spec: Callable[[Call], Verdict],
    handler: Any,
    status: int,
    body: bytes,
    ctype: str | None,
    headers: dict[str, str],
) -> tuple[int, bytes, str | None]:
    """Check one exchange; return the answer to write (a 599 when the answer is bad)."""
    method, path, query, sent = getattr(handler, "request_seen", ("", "", "", b""))
    call = Call(method, path, query, dict(handler.headers), sent, status, ctype, body, headers)
    started = time.perf_counter()
    verdict = spec(call)
    if verdict.operation is None:
        return status, body, ctype
    TALLY.count(verdict.service, verdict.operation, time.perf_counter() - started)
    for side, problems in (("request", verdict.request), ("answer", verdict.answer)):
        if problems:
            TALLY.report(Violation(verdict.service, verdict.operation, side, problems, call))
    if verdict.answer and not TALLY.departures:
        text = f"spec violation in the emulator's {verdict.service} {verdict.operation} answer:\n"
        return SPEC_VIOLATION, (text + "\n".join(verdict.answer)).encode(), "text/plain"
    return status, body, ctype

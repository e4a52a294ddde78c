"""QuickBooks' error answers, as the API writes them, raised inside the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

THROTTLE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3">'
    b'<Fault type="SERVICE"><Error code="3001">'
    b"<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
    b"<Detail>The request limit was reached.  Try again later</Detail>"
    b"</Error></Fault></IntuitResponse>"
)
"""The 429 body: XML even when JSON was asked for."""

AUTH_FAILED = {
    "fault": {
        "error": [
            {
                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "detail": "Token expired or invalid",
                "code": "3200",
            }
        ],
        "type": "AUTHENTICATION",
    },
}
"""The 401 body, with lowercase keys as Intuit sends it."""


def now_text() -> str:
    """The ``time`` member every answer carries."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Fault(Exception):  # noqa: N818 - named after QuickBooks' own envelope
    """A JSON ``Fault`` answer: HTTP status, fault type and one error."""

    def __init__(
        self, status: int, kind: str, code: str, message: str, detail: str, element: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element

    def body(self) -> dict[str, Any]:
        """The ``Fault`` object (without ``time``), as batch items carry it."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        error["element"] = self.element
        return {"Error": [error], "type": self.kind}

    def payload(self) -> bytes:
        """The whole JSON answer."""
        return json.dumps({"Fault": self.body(), "time": now_text()}).encode()

    @classmethod
    def stale(cls) -> Fault:
        """Code 5010: the SyncToken sent is not the current one."""
        return cls(
            400,
            "ValidationFault",
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and Accountant were working on this at the same time. "
            "Accountant finished before you did, so your work was not saved.",
        )

    @classmethod
    def not_found(cls, entity: str, entity_id: str) -> Fault:
        """Code 610: the object does not exist (or was deleted)."""
        return cls(
            400,
            "ValidationFault",
            "610",
            "Object Not Found",
            f"Object Not Found : Something you're trying to use has been made inactive. "
            f"Check the fields with accounts, customers, items, vendors or employees. "
            f"({entity} {entity_id})",
        )

    @classmethod
    def validation(cls, code: str, message: str, element: str = "") -> Fault:
        """A business or request validation error (HTTP 400)."""
        return cls(400, "ValidationFault", code, message, message, element)

    @classmethod
    def query(cls, detail: str) -> Fault:
        """Code 4000: the query could not be parsed."""
        return cls(
            400, "ValidationFault", "4000", "Error parsing query", f"QueryParserError: {detail}"
        )

    @classmethod
    def server(cls) -> Fault:
        """An internal failure (HTTP 500)."""
        return cls(
            500,
            "SystemFault",
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing "
            "or saving your data.",
        )

"""The connectors' exceptions, each carrying what the caller should do about it."""

from __future__ import annotations

from typing import ClassVar, Literal

Disposition = Literal["retry", "skip", "abort", "reconcile"]


class LedgerError(Exception):
    """Root of every error a ledger raises.

    Messages name the provider, the operation and, where there is one, the HTTP
    status and request id; never tokens, query strings or customer data.
    """

    disposition: ClassVar[Disposition] = "abort"


class LedgerUnavailable(LedgerError):
    """Network trouble, a 5xx or a timeout: try again later."""

    disposition: ClassVar[Disposition] = "retry"


class LedgerRateLimited(LedgerUnavailable):
    """The ledger answered 429; ``retry_after`` is in seconds when it said."""

    disposition: ClassVar[Disposition] = "retry"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LedgerQuotaExceeded(LedgerError):
    """The ledger's daily call budget is spent: stop the run and leave the rest for the next."""

    disposition: ClassVar[Disposition] = "abort"


class LedgerAuthError(LedgerError):
    """The connection to the ledger is gone (token expired or revoked): a person reconnects."""

    disposition: ClassVar[Disposition] = "abort"


class LedgerRejected(LedgerError):
    """The ledger refused one request about one invoice or note: skip that item."""

    disposition: ClassVar[Disposition] = "skip"


class LedgerDataError(LedgerError):
    """The ledger's data cannot be read at all (missing file, wrong columns)."""

    disposition: ClassVar[Disposition] = "abort"


class LedgerNotInstalled(LedgerError):
    """The SDK a ledger kind needs is not installed; the message names the pip extra."""

    disposition: ClassVar[Disposition] = "abort"


class InvoiceNotFound(LedgerRejected):
    """The invoice no longer exists in the ledger."""

    disposition: ClassVar[Disposition] = "skip"

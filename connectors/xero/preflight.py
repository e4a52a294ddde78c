"""What only Xero can tell ``tahseel doctor``: token, scopes, organisation, calls left.

Reads only: the connections list and one invoice row. The one thing that may change
is the token file, when the access token has expired and is refreshed, as any run
would do (the rotated refresh token is stored before it is used).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from connectors.base import Finding
from connectors.errors import LedgerError
from connectors.tokens import TokenStore
from connectors.xero.client import REAUTH, REFRESH_AHEAD, XeroClient


class XeroLedger(Protocol):
    """What the checks use of ``connectors.xero.ledger.XeroLedger``."""

    tokens: TokenStore

    @property
    def client(self) -> XeroClient: ...  # noqa: D102

    @property
    def tenant_id(self) -> str: ...  # noqa: D102

    def calls_left_today(self) -> int | None: ...  # noqa: D102


TYPICAL_RUN = 100
"""Calls a run of a few dozen reminders needs: its reads, then a link and a note each."""

# Apps created before 2 March 2026 have the broad scopes; newer ones must use the
# granular ones (https://developer.xero.com/documentation/guides/oauth2/scopes/, the
# reference §1.7). Each need is met by any one of its scopes.
READ_INVOICES = (
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.transactions",
    "accounting.transactions.read",
)
WRITE_NOTES = ("accounting.invoices", "accounting.transactions")
READ_CONTACTS = ("accounting.contacts", "accounting.contacts.read")


def check(ledger: XeroLedger) -> Iterator[Finding]:
    """Yield the Xero checks in the order a person would fix them.

    Args:
        ledger: The configured ledger; its token store and client are used.
    """
    try:
        token = ledger.tokens.load()
    except LedgerError as exc:
        yield ("token", "fail", str(exc))
        return
    finding = _token(ledger)
    yield finding
    if finding[1] == "fail":
        return
    scopes = _scopes(ledger.tokens.load().get("scope") or token.get("scope"))
    yield _granted(scopes)
    try:
        finding = _organisation(ledger)
        yield finding
        if finding[1] == "fail":
            return
        yield _calls_left(ledger)
    except LedgerError as exc:
        yield ("connection", "fail", f"{exc}")
        return
    yield _notes(scopes)


def _token(ledger: XeroLedger) -> Finding:
    left = ledger.tokens.expires_in()
    if left > REFRESH_AHEAD:
        minutes = "no stated expiry" if left == float("inf") else f"{int(left // 60)} min left"
        return ("token", "ok", f"access token valid ({minutes})")
    try:
        ledger.client.refresh()
    except LedgerError as exc:
        return ("token", "fail", f"the access token expired and could not be refreshed: {exc}")
    return ("token", "ok", "access token expired and was refreshed; the new one is stored")


def _scopes(raw: object) -> set[str]:
    if isinstance(raw, str):
        return set(raw.split())
    if isinstance(raw, list | tuple):
        return {str(s) for s in raw}
    return set()


def _granted(scopes: set[str]) -> Finding:
    missing = []
    if not scopes & set(READ_INVOICES):
        missing.append(
            "accounting.invoices (or accounting.transactions on apps made before March 2026)"
        )
    if not scopes & set(READ_CONTACTS):
        missing.append("accounting.contacts.read")
    if "offline_access" not in scopes:
        missing.append("offline_access (without it the token cannot be refreshed)")
    if missing:
        return (
            "scopes",
            "fail",
            f"the token lacks {'; '.join(missing)}: add them to the scopes asked for and {REAUTH}",
        )
    return ("scopes", "ok", " ".join(sorted(scopes)))


def _organisation(ledger: XeroLedger) -> Finding:
    client = ledger.client
    tenant = ledger.tenant_id
    rows = client.call("connections.list", client.identity.get_connections)
    names = {str(row.tenant_id): row.tenant_name for row in rows or ()}
    if tenant not in names:
        return (
            "organisation",
            "fail",
            f"organisation {tenant} is not among those this token may reach ({len(names)});"
            f" it was disconnected or tenant_id is wrong: {REAUTH}",
        )
    return ("organisation", "ok", f"{names[tenant]} ({tenant})")


def _calls_left(ledger: XeroLedger) -> Finding:
    client = ledger.client
    # One invoice row: the cheapest answer that carries the X-*Limit-Remaining headers
    # (GET /Organisation would need the accounting.settings scope this app does not ask).
    client.call(
        "invoices.list",
        client.accounting.get_invoices,
        ledger.tenant_id,
        where='Type=="ACCREC"',
        page=1,
        page_size=1,
        summary_only=True,
    )
    day, minute = client.remaining.get("day"), client.remaining.get("minute")
    if day is None:
        left = ledger.calls_left_today()
        return ("calls left", "warn", f"Xero did not say; Tahseel counts {left} left today")
    said = f"{day} calls left today, {minute if minute is not None else '?'} this minute"
    if day < TYPICAL_RUN:
        return (
            "calls left",
            "warn",
            f"{said}: under the {TYPICAL_RUN} a typical run needs. Other apps connected to"
            " this organisation, or a Starter plan's 1,000 a day, use the rest; a run sends"
            " what the calls cover and the rest on the next run",
        )
    return ("calls left", "ok", said)


def _notes(scopes: set[str]) -> Finding:
    if scopes & set(WRITE_NOTES):
        return ("notes", "ok", "the token may write history notes on invoices")
    return (
        "notes",
        "fail",
        "the token may only read invoices (accounting.invoices.read): notes cannot be"
        f" written. Ask for accounting.invoices instead and {REAUTH}",
    )

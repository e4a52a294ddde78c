"""The checks only QuickBooks Online can answer, for ``tahseel doctor``; reads only.

In the order a person would fix them: the token (there, and valid or refreshable),
its scope, the keys' environment against ``ledger.environment``, the company (one
CompanyInfo read), whether notes can be written (from the scope: nothing is written),
and the call limits. A refresh, when the access token has expired, is the one thing
that changes anything: the new token set is saved, as a run would save it.

Intuit's token response does not say the scope granted; ``tahseel auth quickbooks``
records the one it asked for. A token imported without one is judged by the
CompanyInfo read, which QuickBooks refuses (403, fault 3100) without the scope.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from connectors.base import Finding
from connectors.errors import LedgerAuthError, LedgerError
from connectors.quickbooks.client import REFRESH_AHEAD, QuickBooksClient
from connectors.tokens import TokenStore

ACCOUNTING = "com.intuit.quickbooks.accounting"
REAUTH = "run `tahseel auth quickbooks`"
PER_MINUTE = 500
CONCURRENT = 10


class QuickBooksLedger(Protocol):
    """What the checks read of ``connectors.quickbooks.ledger.QuickBooksLedger``."""

    tokens: TokenStore
    environment: str
    api_url: str

    @property
    def client(self) -> QuickBooksClient:
        """The SDK connection."""
        ...

    @property
    def realm_id(self) -> str:
        """The company id."""
        ...


def check(ledger: QuickBooksLedger, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Yield the QuickBooks checks of ``ledger`` (see the module's docstring).

    Args:
        ledger: The ledger to check.
        limits: Its limiter's ``per_minute`` and ``concurrent``.
    """
    try:
        token = ledger.tokens.load()
    except LedgerError as exc:
        yield "token", "fail", str(exc)
        return
    if not token.get("refresh_token"):
        yield "token", "fail", f"the token file holds no refresh token; {REAUTH}"
        return
    token_line = _token(ledger, token)
    yield token_line
    if token_line[1] == "fail":
        return
    scopes = _recorded_scopes(token)
    if scopes is not None and ACCOUNTING not in scopes:
        granted = ", ".join(sorted(scopes)) or "none"
        yield (
            "scopes",
            "fail",
            f"granted: {granted}; missing {ACCOUNTING}, needed to read invoices and write"
            f" notes; {REAUTH} (it asks for that scope)",
        )
        return
    keys = token.get("environment")
    if keys and keys != ledger.environment:
        yield (
            "environment",
            "fail",
            f"the token was made with the {keys} keys but ledger.environment is"
            f" {ledger.environment}; set ledger.environment: {keys}, or {REAUTH} with the"
            f" {ledger.environment} keys",
        )
        return
    company = _company(ledger)
    if company[1] == "fail":
        yield company
        return
    if scopes is None:
        yield "scopes", "ok", f"{ACCOUNTING} (not recorded; the company read shows it granted)"
    else:
        yield "scopes", "ok", ", ".join(sorted(scopes))
    host = urlsplit(ledger.api_url).netloc
    said = f"{keys} keys" if keys else "keys not recorded; the company read shows they fit"
    yield "environment", "ok", f"{ledger.environment} ({host}); {said}"
    yield company
    yield "notes", "ok", f"can be written: {ACCOUNTING} covers invoice updates (none written)"
    yield (
        "calls",
        "ok",
        f"no daily limit; QuickBooks allows {PER_MINUTE} calls a minute and {CONCURRENT} at"
        f" once per company, Tahseel keeps to {limits.get('per_minute', PER_MINUTE)} a"
        f" minute and {limits.get('concurrent', CONCURRENT)} at once",
    )


def _token(ledger: QuickBooksLedger, token: dict[str, Any]) -> Finding:
    left = ledger.tokens.expires_in(token)
    if left > REFRESH_AHEAD:
        minutes = "no expiry recorded" if left == float("inf") else f"{left / 60:.0f} more minutes"
        return "token", "ok", f"access token valid ({minutes}); refresh token stored"
    try:
        ledger.client.refresh()
    except LedgerAuthError as exc:
        return (
            "token",
            "fail",
            f"the access token has expired and Intuit refused the refresh: {_fix(exc)}",
        )
    except LedgerError as exc:
        return "token", "fail", f"the access token has expired and could not be refreshed: {exc}"
    return "token", "ok", f"refreshed; the new token set is saved in {ledger.tokens.path}"


def _recorded_scopes(token: dict[str, Any]) -> set[str] | None:
    scope = token.get("scope")
    if scope is None:
        return None
    return set(scope.split() if isinstance(scope, str) else scope)


def _company(ledger: QuickBooksLedger) -> Finding:
    try:
        client = ledger.client
        realm = ledger.realm_id
        answer = client.call("company.read", client.qb.get_single_object, "CompanyInfo", realm)
    except LedgerAuthError as exc:
        if "HTTP 403" in str(exc):
            return (
                "company",
                "fail",
                f"QuickBooks refused to read the company ({_cause(exc)}): the token lacks"
                f" {ACCOUNTING}, or the keys are not {ledger.environment} keys as"
                " ledger.environment says (development keys go with sandbox); check"
                f" ledger.environment, then {REAUTH}",
            )
        return "company", "fail", f"QuickBooks refused the token: {_fix(exc)}"
    except LedgerError as exc:
        return "company", "fail", f"could not read the company: {exc}"
    info = answer.get("CompanyInfo", {}) if isinstance(answer, dict) else {}
    name = info.get("CompanyName") or "(no name)"
    return "company", "ok", f"{name} (realm {realm}, {ledger.environment})"


def _cause(exc: Exception) -> str:
    """The error's words without the advice to sign in again (given after them)."""
    return str(exc).split("; run `tahseel auth", 1)[0]


def _fix(exc: Exception) -> str:
    """The error's words, ending with the advice to sign in again."""
    return str(exc) if REAUTH in str(exc) else f"{exc}; {REAUTH}"

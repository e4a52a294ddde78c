"""The python-quickbooks SDK, set up once: tokens, limits, retries and error translation.

``QuickBooksClient.call`` is the one way the ledger reaches QuickBooks Online. Each
attempt takes a slot from the company's ``RateLimiter`` (500 calls a minute and 10 in
flight per realm); unavailability and 429s are retried by ``call_with_retries``; a 401
refreshes the token once; and every SDK, intuit-oauth or requests exception leaves as a
``LedgerError`` made by ``_translate``, the only code here that knows them.

Tokens: python-quickbooks never refreshes on its own, and Intuit may hand out a new
refresh token on any refresh. The client refreshes ahead of expiry (and once after a
401) through ``TokenStore.refresh``, which persists the whole new set, refresh token
included, before the new access token is used.

The SDK drops the HTTP response when it raises, so a response hook on the session
keeps the status, ``intuit_tid`` and ``Retry-After`` of the last answer per thread.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.exceptions import (
    AuthorizationException,
    ObjectNotFoundException,
    QuickbooksException,
)
from requests_oauthlib import OAuth2Session

from connectors.errors import (
    InvoiceNotFound,
    LedgerAuthError,
    LedgerDataError,
    LedgerError,
    LedgerRateLimited,
    LedgerRejected,
    LedgerUnavailable,
)
from connectors.limits import RateLimiter, call_with_retries, shared_limiter
from connectors.tokens import TokenSet, TokenStore

log = logging.getLogger(__name__)

T = TypeVar("T")

API_URLS = {
    "production": "https://quickbooks.api.intuit.com/v3",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
}
MINOR_VERSION = 75
REAUTH = "run `tahseel auth quickbooks` again"
REFRESH_AHEAD = 300.0
"""Refresh this many seconds before the access token (valid an hour) expires."""

STALE_OBJECT = 5010
NOT_FOUND = 610
THROTTLED = 3001
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class StaleSyncToken(LedgerRejected):
    """QuickBooks refused an update: another writer changed the invoice (Fault 5010)."""


class QuickBooksClient:
    """One authorised connection to QuickBooks Online for one company (realm).

    Args:
        client_id: The Intuit app's client id.
        client_secret: The Intuit app's client secret.
        realm_id: The company id.
        tokens: Where the token set lives.
        limiter: The company's call budget.
        api_url: API base ending in ``/v3``, e.g. ``http://127.0.0.1:8123/v3`` in tests.
        batch_limiter: The company's budget of batch requests (QuickBooks allows 120 a
            minute), taken by calls given ``batch_items``.
        discovery: ``sandbox``, ``production`` or the URL of an OpenID discovery
            document, as intuit-oauth takes it; it names the token endpoint.
        timeout: Seconds before a request is given up as unavailable.
        max_retry_wait: Most seconds spent waiting between retries of one call.
        sleep: Sleeps seconds of the limiter's clock.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        realm_id: str,
        tokens: TokenStore,
        limiter: RateLimiter,
        api_url: str,
        batch_limiter: RateLimiter | None = None,
        discovery: str,
        timeout: float = 30.0,
        max_retry_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(api_url)
        if parts.scheme != "https" and parts.hostname not in _LOOPBACK:
            raise LedgerDataError("quickbooks: api_url must use https (http only on loopback)")
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm_id = realm_id
        self.tokens = tokens
        self.limiter = limiter
        self.batch_limiter = batch_limiter
        self.discovery = discovery
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self.sleep = sleep
        self.calls: dict[str, int] = {}
        self._calls_lock = threading.Lock()
        self._seen = threading.local()
        # No auth_client: the SDK would refresh at construction, outside the token store.
        self.qb = QuickBooks(company_id=realm_id, minorversion=MINOR_VERSION, use_decimal=True)
        # An instance attribute: the class attribute stays pointed at Intuit.
        self.qb.api_url_v3 = api_url.rstrip("/")
        self._token: TokenSet | None = None
        self._auth_client: AuthClient | None = None

    def call(self, operation: str, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call one SDK method within limits, with retries, translating its errors.

        Args:
            operation: Name for counts and messages, e.g. ``invoices.query``.
            method: A bound SDK method, e.g. ``self.qb.query``.
            *args: Its positional arguments.
            **kwargs: Its keyword arguments; ``subject=`` (an invoice number) is taken
                out and named in messages about a rejected request, and
                ``batch_items=`` (a batch request's item count) out and counted.

        Raises:
            LedgerError: What went wrong, by kind.
        """
        subject = kwargs.pop("subject", None)
        items: int | None = kwargs.pop("batch_items", None)
        refreshed = False

        def attempt() -> T:
            nonlocal refreshed
            self._ensure_session()
            self._seen.status = self._seen.request_id = self._seen.retry_after = None
            with contextlib.ExitStack() as slots:
                if items is not None and self.batch_limiter is not None:
                    slots.enter_context(self.batch_limiter.slot())
                # QuickBooks counts each item of a batch against the minute's limit.
                slots.enter_context(self.limiter.slot(items or 1))
                self._count(operation)
                try:
                    return method(*args, **kwargs)
                except Exception as exc:
                    failure = exc
            if self._last("status") == 401 and not refreshed:
                refreshed = True
                self.refresh(force=True)
                return attempt()
            if isinstance(failure, LedgerError):
                raise failure
            raise _translate(failure, operation, subject, self._facts()) from failure

        return call_with_retries(
            attempt, limiter=self.limiter, max_wait=self.max_retry_wait, sleep=self.sleep
        )

    def refresh(self, *, force: bool = False) -> TokenSet:
        """Refresh the token set now (``force``) or only when it is about to expire."""

        def still_good(token: TokenSet) -> bool:
            return self.tokens.expires_in(token) > REFRESH_AHEAD

        fresh = self.tokens.refresh(
            self._exchange, still_good=still_good, used=self._token if force else None
        )
        self._use(fresh)
        return fresh

    def _ensure_session(self) -> None:
        token = self.tokens.load()
        if self.tokens.expires_in(token) <= REFRESH_AHEAD:
            self.refresh()
        elif self._token is None or token.get("access_token") != self._token.get("access_token"):
            self._use(token)

    def _use(self, token: TokenSet) -> None:
        if not token.get("access_token"):
            raise LedgerAuthError(f"quickbooks: no access token stored; {REAUTH}")
        self._token = token
        session = _Session(self.client_id, token={**token, "token_type": "Bearer"})
        session.timeout = self.timeout
        session.hooks["response"].append(self._remember)
        self.qb.session = session

    def _exchange(self, token: TokenSet) -> TokenSet:
        refresh_token = token.get("refresh_token")
        if not refresh_token:
            raise LedgerAuthError(f"quickbooks: token.refresh: no refresh token stored; {REAUTH}")
        try:
            auth = self._authorisation()
            self._count("token.refresh")
            auth.refresh(refresh_token=refresh_token)
        except LedgerError:
            raise
        except Exception as exc:
            raise _translate(exc, "token.refresh", None, {}) from exc
        valid_from = time.time()
        fresh = {
            **token,
            "access_token": auth.access_token,
            # Intuit may rotate the refresh token on any refresh: keep whichever it sent.
            "refresh_token": auth.refresh_token or refresh_token,
            "expires_in": auth.expires_in,
            "x_refresh_token_expires_in": auth.x_refresh_token_expires_in,
        }
        fresh["expires_at"] = valid_from + float(auth.expires_in or 3600)
        log.info("quickbooks: access token refreshed")
        return fresh

    def _authorisation(self) -> AuthClient:
        if self._auth_client is None:
            self._count("token.discovery")
            # intuit-oauth reads the discovery document in its constructor.
            self._auth_client = _AuthClient(
                self.client_id,
                self.client_secret,
                "http://localhost/callback",
                self.discovery,
                timeout=self.timeout,
            )
        return self._auth_client

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._seen.status = response.status_code
        self._seen.request_id = response.headers.get("intuit_tid")
        self._seen.retry_after = response.headers.get("Retry-After")

    def _last(self, name: str) -> Any:
        return getattr(self._seen, name, None)

    def _facts(self) -> dict[str, Any]:
        return {name: self._last(name) for name in ("status", "request_id", "retry_after")}

    def _count(self, operation: str) -> None:
        with self._calls_lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1


class _Session(OAuth2Session):  # type: ignore[misc]
    """The SDK's session, with a timeout on every request.

    The SDK sets the ``Authorization`` header itself; requests-oauthlib would only add
    the same header again and refuse loopback emulators, so it is bypassed.
    """

    timeout: float = 30.0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs.pop("withhold_token", None)
        return requests.Session.request(self, method, url, *args, **kwargs)


class _AuthClient(AuthClient):  # type: ignore[misc]
    """intuit-oauth's client, with a timeout on its discovery and token requests."""

    _timeout: float = 30.0

    def __init__(self, *args: Any, timeout: float, **kwargs: Any) -> None:
        self._timeout = timeout
        super().__init__(*args, **kwargs)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)  # type: ignore[no-any-return]


def company_limiter(realm_id: str, limits: Mapping[str, Any], *, kind: str = "") -> RateLimiter:
    """The limiter of one company's calls, or with ``kind="batch"`` of its batch requests.

    Args:
        realm_id: The company.
        limits: ``per_minute``, ``per_day``, ``concurrent``, ``clock`` and ``sleep``;
            with a clock other than ``time.monotonic`` (tests), the limiter is a new
            one rather than the process's shared one.
        kind: ``batch`` for the batch requests' own limiter.
    """
    key = f"quickbooks:{realm_id}" + (f" {kind}" if kind else "")
    if limits["clock"] is time.monotonic:
        return shared_limiter(key, **limits)
    return RateLimiter(key, **limits)


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "error_code", None)
    try:
        return int(code) if code not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _translate(
    exc: BaseException, operation: str, subject: str | None, facts: dict[str, Any]
) -> LedgerError:
    """Turn an SDK, intuit-oauth or requests exception into the matching ``LedgerError``.

    Messages name QuickBooks, the operation, the HTTP status, Intuit's ``intuit_tid``
    and the fault code, and the invoice number for a rejected request; never tokens,
    bodies or query text (they may hold customer data).
    """
    where = f"quickbooks: {operation}" + (f" (invoice {subject})" if subject else "")
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return LedgerUnavailable(f"{where}: no answer ({type(exc).__name__})")
    if isinstance(exc, AuthClientError):
        return _token_error(exc, where)
    status = facts.get("status")
    code = _code(exc)
    said = ", ".join(
        part
        for part in (
            f"HTTP {status}" if status else "",
            f"intuit_tid {facts['request_id']}" if facts.get("request_id") else "",
            f"fault {code}" if code and code != 10000 else "",
        )
        if part
    )
    said = f" ({said})" if said else ""
    if isinstance(exc, QuickbooksException):
        throttled = "ThrottleExceeded" in str(getattr(exc, "message", ""))
        if status == 429 or code == THROTTLED or throttled:
            retry_after = _seconds(facts.get("retry_after"))
            return LedgerRateLimited(f"{where}: rate limited{said}", retry_after=retry_after)
        if status in (401, 403) or (isinstance(exc, AuthorizationException) and status is None):
            return LedgerAuthError(f"{where}: not authorised{said}; {REAUTH}")
        if isinstance(exc, ObjectNotFoundException) or code == NOT_FOUND or status == 404:
            return InvoiceNotFound(f"{where}: not found{said}")
        if code == STALE_OBJECT:
            return StaleSyncToken(f"{where}: changed by someone else meanwhile{said}")
        if status is None or status >= 500:
            return LedgerUnavailable(f"{where}: QuickBooks failed{said}")
        if status == 200:
            return LedgerDataError(f"{where}: could not read the answer{said}")
        return LedgerRejected(f"{where}: refused{said}")
    if isinstance(exc, ValueError | TypeError | KeyError | AttributeError):
        return LedgerDataError(f"{where}: could not read the answer ({type(exc).__name__})")
    return LedgerUnavailable(f"{where}: {type(exc).__name__}")


def _token_error(exc: AuthClientError, where: str) -> LedgerError:
    status = getattr(exc, "status_code", None)
    tid = getattr(exc, "intuit_tid", None)
    said = f"HTTP {status}" + (f", intuit_tid {tid}" if tid else "")
    if isinstance(status, int) and (status >= 500 or status == 429):
        return LedgerUnavailable(f"{where}: Intuit's token service failed ({said})")
    content = getattr(exc, "content", b"") or b""
    if b"invalid_grant" in content:
        return LedgerAuthError(f"{where}: the refresh token is no longer valid ({said}); {REAUTH}")
    return LedgerAuthError(f"{where}: refused ({said}); {REAUTH}")


def _seconds(value: str | None) -> float | None:
    if value is None or not re.fullmatch(r"\d+(\.\d+)?", value.strip()):
        return None
    return float(value)

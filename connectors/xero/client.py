"""The xero-python SDK, set up once: tokens, limits, retries and error translation.

``XeroClient.call`` is the one way the ledger reaches Xero. Each attempt takes a slot
from the organisation's ``RateLimiter``, which learns from every answer's
``X-DayLimit-Remaining``/``X-MinLimit-Remaining`` what other apps and the plan leave
(``remaining``); unavailability and 429s are retried by
``call_with_retries``; a 401 refreshes the token once; and every SDK or urllib3
exception leaves as a ``LedgerError`` made by ``_translate``, the only code here
that knows the SDK's exceptions.

Tokens: the SDK is handed the access token without its expiry, so it never refreshes
on its own (it would do so outside our cross-process lock). The client refreshes
ahead of expiry through ``TokenStore.refresh``, which persists the rotated refresh
token before the new access token is used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import (
    ApiException,
    HTTPStatusException,
    NotFoundException,
    OAuth2Error,
    RateLimitException,
)
from xero_python.identity import IdentityApi

from connectors.errors import (
    InvoiceNotFound,
    LedgerAuthError,
    LedgerDataError,
    LedgerError,
    LedgerQuotaExceeded,
    LedgerRateLimited,
    LedgerRejected,
    LedgerUnavailable,
)
from connectors.limits import RateLimiter, call_with_retries, shared_limiter
from connectors.tokens import TokenSet, TokenStore

log = logging.getLogger(__name__)

T = TypeVar("T")

API_URL = "https://api.xero.com/api.xro/2.0"
IDENTITY_URL = "https://identity.xero.com"
CONNECTIONS_URL = "https://api.xero.com"
REAUTH = "run `tahseel auth xero` again"
APP_PER_MINUTE = 10_000
"""Calls a minute one Xero app may make across all its organisations."""
IDS_PER_CALL = 50
"""Ids per ``IDs`` filter: Xero's URL length tops out near 52 GUIDs."""
REFRESH_AHEAD = 120.0
"""Refresh this many seconds before the access token expires (the SDK's own margin is 60)."""

REMAINING_HEADERS = {
    "day": "X-DayLimit-Remaining",
    "minute": "X-MinLimit-Remaining",
    "app_minute": "X-AppMinLimit-Remaining",
}
"""Headers on every Xero answer with the calls left against each limit
(https://developer.xero.com/faq/limits: "Each API response you receive will include the
X-DayLimit-Remaining, X-MinLimit-Remaining and X-AppMinLimit-Remaining headers")."""

_SDK_TOKEN_KEYS = ("access_token", "scope", "expires_in", "token_type", "refresh_token", "id_token")


class XeroClient:
    """One authorised connection to Xero for one organisation (tenant).

    Args:
        client_id: The Xero app's client id.
        client_secret: The Xero app's client secret.
        tokens: Where the token set lives.
        limiter: The organisation's call budget.
        api_url: Accounting API base, e.g. ``http://127.0.0.1:8123/api.xro/2.0`` in tests.
        identity_url: Token endpoint host (``/connect/token`` is appended).
        connections_url: Host of ``/connections``.
        timeout: Seconds before a request is given up as unavailable.
        max_retry_wait: Most seconds spent waiting between retries of one call.
        clock: Monotonic seconds, as the limiter's.
        sleep: Sleeps seconds of ``clock``.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tokens: TokenStore,
        limiter: RateLimiter,
        api_url: str = API_URL,
        identity_url: str = IDENTITY_URL,
        connections_url: str = CONNECTIONS_URL,
        timeout: float = 30.0,
        max_retry_wait: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tokens = tokens
        self.limiter = limiter
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self.clock = clock
        self.sleep = sleep
        self.calls: dict[str, int] = {}
        self.remaining: dict[str, int] = {}
        """The calls Xero last said are left, by limit (``day``, ``minute``, ``app_minute``)."""
        self._calls_lock = threading.Lock()
        configuration = Configuration(
            oauth2_token=OAuth2Token(client_id=client_id, client_secret=client_secret)
        )
        self.api_client = ApiClient(
            configuration,
            pool_threads=1,
            oauth2_token_getter=self._sdk_token,
            oauth2_token_saver=self._sdk_saved,
        )
        # urllib3 would otherwise retry dropped connections on its own, unseen by the
        # limiter and the retry budget.
        self.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        self.accounting = AccountingApi(self.api_client, base_url=api_url.rstrip("/"))
        self.identity = IdentityApi(self.api_client, base_url=connections_url.rstrip("/"))
        self.token_api = TokenApi(self.api_client, client_id, client_secret)
        # An instance attribute: the class attribute stays pointed at Xero.
        self.token_api.refresh_token_url = identity_url.rstrip("/") + "/connect/token"
        self._used: TokenSet | None = None

    def call(self, operation: str, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call one SDK method within limits, with retries, translating its errors.

        Args:
            operation: Name for counts and messages, e.g. ``invoices.list``.
            method: A bound SDK method, e.g. ``self.accounting.get_invoices``.
            *args: Its positional arguments.
            **kwargs: Its keyword arguments; ``subject=`` (an invoice number) is taken
                out and named in messages about a rejected request.

        Raises:
            LedgerError: What went wrong, by kind.
        """
        subject = kwargs.pop("subject", None)
        kwargs.setdefault("_request_timeout", (self.timeout, self.timeout))
        # The SDK then answers (data, status, headers): the headers say the calls left.
        with_headers = kwargs.setdefault("_return_http_data_only", False) is False
        refreshed = False

        def attempt() -> T:
            nonlocal refreshed
            with self.limiter.slot():
                self._count(operation)
                try:
                    answer: Any = method(*args, **kwargs)
                except Exception as exc:
                    failure = exc
                    self._learn(_headers(exc))
                else:
                    if not with_headers:
                        return cast(T, answer)
                    data, _, headers = answer
                    self._learn(headers)
                    return cast(T, data)
            if _status(failure) == 401 and not refreshed:
                refreshed = True
                self.refresh(force=True)
                return attempt()
            if isinstance(failure, LedgerError):
                raise failure
            raise _translate(failure, operation, subject) from failure

        return call_with_retries(
            attempt,
            limiter=self.limiter,
            max_wait=self.max_retry_wait,
            sleep=self.sleep,
        )

    def refresh(self, *, force: bool = False) -> TokenSet:
        """Refresh the token set now (``force``) or only when it is about to expire."""

        def still_good(token: TokenSet) -> bool:
            return self.tokens.expires_in(token) > REFRESH_AHEAD

        return self.tokens.refresh(
            self._exchange, still_good=still_good, used=self._used if force else None
        )

    def _exchange(self, token: TokenSet) -> TokenSet:
        refresh_token = token.get("refresh_token")
        if not refresh_token:
            raise LedgerAuthError(f"xero: token.refresh: no refresh token stored; {REAUTH}")
        scope = token.get("scope") or []
        scope = scope.split() if isinstance(scope, str) else list(scope)
        self._count("token.refresh")
        try:
            fresh = self.token_api.refresh_token(refresh_token, scope)
        except Exception as exc:
            raise _translate(exc, "token.refresh", None) from exc
        valid_from = time.time()
        extras = {key: value for key, value in token.items() if key not in fresh}
        fresh = {**extras, **fresh}
        fresh["expires_at"] = valid_from + float(fresh.get("expires_in") or 1800)
        log.info("xero: access token refreshed")
        return fresh

    def _sdk_token(self) -> dict[str, Any]:
        token = self.tokens.load()
        if self.tokens.expires_in(token) <= REFRESH_AHEAD:
            token = self.refresh()
        self._used = token
        view = {key: token[key] for key in _SDK_TOKEN_KEYS if key in token}
        view.setdefault("token_type", "Bearer")
        view.setdefault("expires_in", 1800)
        view.setdefault("scope", [])
        return view

    def _sdk_saved(self, token: dict[str, Any]) -> None:
        # Not reached: the SDK sees no expiry and so never refreshes by itself.
        raise LedgerError("xero: the SDK tried to refresh the token outside the token store")

    def _learn(self, headers: Any) -> None:
        """Tell the limiter what Xero says is left (inside the call's slot: see ``learn``)."""
        seen = {}
        for limit, name in REMAINING_HEADERS.items():
            try:
                value = headers.get(name) if headers is not None else None
            except Exception:  # not a mapping
                value = None
            if value is not None and str(value).strip().isdigit():
                seen[limit] = int(str(value).strip())
        if not seen:
            return
        with self._calls_lock:
            self.remaining.update(seen)
        self.limiter.learn(day_left=seen.get("day"), minute_left=seen.get("minute"))
        if self.limiter.within is not None and "app_minute" in seen:
            self.limiter.within.learn(minute_left=seen["app_minute"])

    def _count(self, operation: str) -> None:
        with self._calls_lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1


def organisation_limiter(client_id: str, tenant_id: str, limits: Mapping[str, Any]) -> RateLimiter:
    """The limiter of one organisation, within the limiter of the app that calls it.

    Every organisation of one app shares the app's minute limit; an organisation's own
    limits are per app too. The app is known by a digest of its client id.

    Args:
        client_id: The Xero app's client id.
        tenant_id: The organisation's id.
        limits: ``per_minute``, ``per_day``, ``concurrent``, ``clock`` and ``sleep``;
            with a clock other than ``time.monotonic`` (tests), the limiters are new
            ones rather than the process's shared ones.
    """
    app_key = f"xero app {hashlib.sha256(client_id.encode()).hexdigest()[:8]}"
    key = f"xero:{tenant_id} ({app_key})"
    if limits["clock"] is time.monotonic:
        app = shared_limiter(app_key, per_minute=APP_PER_MINUTE, per_day=10**9, concurrent=10**6)
        return shared_limiter(key, **limits, within=app)
    app = RateLimiter(
        app_key,
        per_minute=APP_PER_MINUTE,
        per_day=10**9,
        concurrent=10**6,
        clock=limits["clock"],
        sleep=limits["sleep"],
    )
    return RateLimiter(key, **limits, within=app)


def _status(exc: BaseException) -> int | None:
    # The response's own status first: the SDK's 400 class computes ``status`` from
    # the body and fails on a body that is not JSON.
    status = getattr(getattr(exc, "http_resp", None), "status", None)
    if not isinstance(status, int):
        try:
            status = getattr(exc, "status", None)
        except Exception:  # the SDK's property parses the body
            status = None
    return status if isinstance(status, int) else None


def _headers(exc: BaseException) -> Any:
    try:
        return getattr(exc, "headers", None) if isinstance(exc, ApiException) else None
    except Exception:  # the SDK's headers accessor fails without a response
        return None


def _header(exc: BaseException, name: str) -> str | None:
    headers = _headers(exc)
    try:
        value = headers.get(name) if headers is not None else None
    except Exception:  # the SDK's headers accessor fails without a response
        value = None
    return str(value) if value is not None else None


def _body_json(exc: BaseException) -> Any:
    body = getattr(exc, "body", None) if isinstance(exc, ApiException) else None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        return json.loads(body) if isinstance(body, str) and body else None
    except ValueError:
        return None


def _translate(exc: BaseException, operation: str, subject: str | None) -> LedgerError:
    """Turn an SDK, urllib3 or parsing exception into the matching ``LedgerError``.

    Messages name Xero, the operation, the HTTP status and Xero's correlation id, and
    the invoice number for a rejected request; never tokens, bodies or query strings.
    """
    status = _status(exc)
    request_id = _header(exc, "Xero-Correlation-Id")
    where = f"xero: {operation}" + (f" (invoice {subject})" if subject else "")
    said = f"HTTP {status}" + (f", request {request_id}" if request_id else "")
    if isinstance(exc, RateLimitException) or status == 429:
        problem = _header(exc, "X-Rate-Limit-Problem") or "unknown"
        retry_after = _seconds(_header(exc, "Retry-After"))
        if problem.lower() == "day":
            return LedgerQuotaExceeded(f"{where}: daily call limit reached ({said}); stop")
        message = f"{where}: rate limited, {problem} limit ({said})"
        return LedgerRateLimited(message, retry_after=retry_after)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return LedgerUnavailable(f"{where}: no answer ({type(exc).__name__})")
    if isinstance(exc, OAuth2Error):
        return LedgerAuthError(f"{where}: {type(exc).__name__}; {REAUTH}")
    if isinstance(exc, HTTPStatusException | ApiException) and status is not None:
        return _by_status(exc, status, where, said)
    if isinstance(exc, ValueError | TypeError | KeyError | AttributeError):
        return LedgerDataError(f"{where}: could not read Xero's answer ({type(exc).__name__})")
    return LedgerUnavailable(f"{where}: {type(exc).__name__}")


def _by_status(exc: BaseException, status: int, where: str, said: str) -> LedgerError:
    body = _body_json(exc)
    if isinstance(body, dict) and body.get("error") == "invalid_grant":
        return LedgerAuthError(f"{where}: the refresh token is no longer valid ({said}); {REAUTH}")
    if status in (401, 403):
        return LedgerAuthError(f"{where}: not authorised ({said}); {REAUTH}")
    if isinstance(exc, NotFoundException) or status == 404:
        return InvoiceNotFound(f"{where}: not found ({said})")
    if status == 0 or status >= 500:
        return LedgerUnavailable(f"{where}: Xero failed ({said})")
    if isinstance(body, dict) and body.get("Type"):
        # The type and number only: validation messages may quote customer data.
        said += f", {body['Type']} {body.get('ErrorNumber', '')}".rstrip()
    return LedgerRejected(f"{where}: refused ({said})")


def _seconds(value: str | None) -> float | None:
    if value is None or not re.fullmatch(r"\d+(\.\d+)?", value.strip()):
        return None
    return float(value)

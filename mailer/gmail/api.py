"""The Gmail API under ``GmailTransport``: the client, the quota budget, retries, errors.

The service is built offline from the discovery document google-api-python-client
ships, and pointed at ``base_url`` (the real API by default, a loopback emulator in
tests). ``_translate`` is the only code in Tahseel that knows the exceptions of
googleapiclient, httplib2 and google-auth.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mailer.errors import (
    MailAuthError,
    MailError,
    MailQuotaExceeded,
    SendOutcomeUnknown,
    SendRejected,
    TransportUnavailable,
)
from mailer.gmail.auth import REAUTH_HINT

log = logging.getLogger(__name__)

#: Gmail quota units per method (per user), from Google's per-method table
#: (https://developers.google.com/gmail/api/reference/quota): a batchModify is 50 units,
#: ten times a single messages.modify, whatever the number of ids.
UNITS = {
    "messages.send": 100,
    "drafts.send": 100,
    "messages.get": 5,
    "messages.list": 5,
    "messages.modify": 5,
    "messages.batchModify": 50,
    "drafts.create": 10,
    "drafts.delete": 10,
    "drafts.get": 5,
    "threads.get": 10,
    "history.list": 2,
    "getProfile": 1,
    "labels.list": 1,
    "labels.create": 5,
    "settings.sendAs.list": 1,
}
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GmailNotFound(MailError):
    """Gmail answered 404: the message, draft, thread or history id does not exist."""


class GmailForbidden(MailAuthError):
    """Gmail answered 403 (not a rate limit): the token's scopes or a policy forbid it."""


GMAIL_UNITS_PER_SECOND = 250.0
"""Gmail's per-user quota: units a second, as a moving average."""


class QuotaBudget:
    """Gmail quota units spent in a sliding window, shared by every thread of one mailbox.

    Gmail allows 15,000 units per user per minute (older pages: 250 a second, as a
    moving average). A token bucket that keeps every single second under 250 must keep
    rate + burst under it while a send costs 100 units, so it sustained only 150 units a
    second. This budget keeps a log of what was spent and lets a call go as soon as the
    last ``window`` seconds hold room for it: at most ``units_per_second`` × ``window``
    units in any window, so any minute holds no more than Gmail's 15,000 when six
    windows fit in it, and the rate is sustained up to the last unit.

    Args:
        units_per_second: The average rate allowed; the default leaves 2% for requests
            that reach Gmail bunched up by network jitter.
        window: The window's length, in seconds (a divisor of 60 keeps whole minutes).
        clock: A monotonic clock, in seconds.
        sleep: How to wait.
    """

    def __init__(
        self,
        units_per_second: float = 245.0,
        window: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = float(units_per_second)
        self.window = float(window)
        self.capacity = self.rate * self.window
        self._spent: deque[tuple[float, int]] = deque()
        self._used = 0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def take(self, units: int) -> None:
        """Wait until ``units`` fit in the window, then spend them."""
        units = min(units, int(self.capacity))  # a call dearer than a window goes alone
        while True:
            with self._lock:
                now = self._clock()
                while self._spent and now - self._spent[0][0] >= self.window:
                    self._used -= self._spent.popleft()[1]
                if self._used + units <= self.capacity:
                    self._spent.append((now, units))
                    self._used += units
                    return
                # The moment enough of the oldest spending leaves the window.
                room, wait = self.capacity - self._used, 0.0
                for stamp, spent in self._spent:
                    room += spent
                    wait = stamp + self.window - now
                    if room >= units:
                        break
            self._sleep(max(wait, 0.0005))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How 429, 5xx and connection errors are retried.

    Attributes:
        attempts: Tries in all, the first included.
        max_seconds: No retry starts later than this after the first try.
        initial_wait: The first backoff, doubled each time (with jitter).
        max_wait: The longest single backoff.
    """

    attempts: int = 5
    max_seconds: float = 60.0
    initial_wait: float = 1.0
    max_wait: float = 20.0


class _Users:
    """``service.users()`` whose collections (``drafts()``, ``messages()``...) are made once.

    The client builds a collection's methods from the discovery document each time it
    is asked for one; the built collection is reusable for any number of requests.
    """

    def __init__(self, users: Any) -> None:
        self._users = users
        self._made: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._users, name)
        if name not in _COLLECTIONS:
            return found
        return lambda: self._made.get(name) or self._made.setdefault(name, found())


_COLLECTIONS = frozenset({"drafts", "history", "labels", "messages", "threads"})


class GmailApi:
    """Calls Gmail methods through google-api-python-client with quota and retries.

    Args:
        credentials: google-auth credentials.
        base_url: The API's base URL; None for Google's.
        timeout: Socket timeout per request, in seconds.
        budget: The quota budget (share one between transports of one mailbox).
        retry: The retry policy.
        on_refresh: Called with the credentials after they were refreshed.
    """

    def __init__(
        self,
        credentials: Any,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        budget: QuotaBudget | None = None,
        retry: RetryPolicy | None = None,
        on_refresh: Callable[[Any], None] | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.timeout = timeout
        self.budget = budget or QuotaBudget()
        self.retry = retry or RetryPolicy()
        self.on_refresh = on_refresh
        self._token = getattr(credentials, "token", None)
        self._local = threading.local()

    def _service(self) -> Any:
        """One service per thread: httplib2 connections must not be shared."""
        service = getattr(self._local, "service", None)
        if service is None:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build

            authed = google_auth_httplib2.AuthorizedHttp(
                self.credentials, http=httplib2.Http(timeout=self.timeout)
            )
            options = {"api_endpoint": self.base_url} if self.base_url else None
            service = build(
                "gmail",
                "v1",
                http=authed,
                client_options=options,
                cache_discovery=False,
                static_discovery=True,
            )
            self._local.service = service
        return service

    def _users(self) -> _Users:
        """This thread's ``service.users()``, with its collections built once."""
        users = getattr(self._local, "users", None)
        if users is None:
            users = self._local.users = _Users(self._service().users())
        return users

    def call(self, method: str, make: Callable[[Any], Any], *, send: bool = False) -> Any:
        """Run one Gmail method, retrying what is safe to retry.

        Args:
            method: The method's name, such as ``drafts.send`` (for quota and messages).
            make: Given ``service.users()``, returns the request to execute.
            send: The call sends mail: when it fails after a try that may have reached
                Gmail, raise ``SendOutcomeUnknown`` rather than ``TransportUnavailable``.

        Returns:
            The decoded JSON answer ({} for an empty one).

        Raises:
            MailError: A subclass saying what to do, from ``_translate``.
        """
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

        may_have_left = False

        def once() -> Any:
            nonlocal may_have_left
            try:
                self.budget.take(UNITS.get(method, 5))
                return make(self._users()).execute(num_retries=0) or {}
            except Exception as exc:
                may_have_left = may_have_left or _may_have_left(exc)
                raise
            finally:
                self._notice_refresh()

        policy = self.retry
        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.max_seconds),
            wait=_Backoff(policy),
            retry=retry_if_exception(_retriable),
            reraise=True,
        )
        try:
            return retrying(once)
        except Exception as exc:
            error = _translate(exc, method)
            if send and may_have_left and isinstance(error, TransportUnavailable):
                raise SendOutcomeUnknown(
                    f"gmail {method}: the request may have been carried out "
                    f"({type(exc).__name__}); settle it with find_sent, never resend"
                ) from exc
            raise error from exc

    def _notice_refresh(self) -> None:
        token = getattr(self.credentials, "token", None)
        if token != self._token:
            self._token = token
            if self.on_refresh is not None and token:
                self.on_refresh(self.credentials)


class _Backoff:
    """Exponential backoff with full jitter, never shorter than a Retry-After."""

    def __init__(self, policy: RetryPolicy) -> None:
        from tenacity import wait_random_exponential

        self._wait = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, retry_state: Any) -> float:
        wait = float(self._wait(retry_state))
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        return max(wait, _retry_after(exc))


def _retry_after(exc: BaseException | None) -> float:
    resp = getattr(exc, "resp", None)
    value = resp.get("retry-after") if hasattr(resp, "get") else None
    try:
        return float(value) if value is not None else 0.0
    except ValueError:
        return 0.0


def _http_parts(exc: Any) -> tuple[int, str, str]:
    """(status, first error reason, error message) of a googleapiclient HttpError."""
    status = int(getattr(exc, "status_code", None) or getattr(exc.resp, "status", 0))
    details = getattr(exc, "error_details", None)
    reason = ""
    if isinstance(details, list) and details and isinstance(details[0], dict):
        reason = str(details[0].get("reason", ""))
    return status, reason, str(getattr(exc, "reason", "") or "")


def _is_sending_limit(status: int, message: str) -> bool:
    return status == 429 and "mail sending" in message.lower()


def _retriable(exc: BaseException) -> bool:
    from google.auth.exceptions import TransportError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        status, reason, message = _http_parts(exc)
        if _is_sending_limit(status, message):
            return False
        return status == 429 or status >= 500 or (status == 403 and reason in _RATE_REASONS)
    return isinstance(exc, TransportError | OSError | http.client.HTTPException) or (
        type(exc).__module__.startswith("httplib2")
    )


def _may_have_left(exc: BaseException) -> bool:
    """False only when Gmail surely did nothing: a refusal or a connection never made."""
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return _http_parts(exc)[0] >= 500
    return not isinstance(exc, ConnectionRefusedError)


def _translate(exc: BaseException, operation: str) -> MailError:
    """Turn a googleapiclient, httplib2 or google-auth exception into a ``MailError``.

    Messages name Gmail, the operation, the status and Gmail's reason code; never a
    token, a header, a query string or a message's content.

    Args:
        exc: What the client raised.
        operation: The Gmail method, such as ``drafts.send``.
    """
    from google.auth.exceptions import DefaultCredentialsError, RefreshError, TransportError
    from googleapiclient.errors import HttpError

    where = f"gmail {operation}"
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, RefreshError | DefaultCredentialsError):
        return MailAuthError(
            f"{where}: Google refused the credentials ({_oauth_code(exc)}); {REAUTH_HINT}"
        )
    if isinstance(exc, HttpError):
        return _from_http(exc, where)
    if isinstance(exc, TransportError | OSError | http.client.HTTPException) or (
        type(exc).__module__.startswith("httplib2")
    ):
        return TransportUnavailable(f"{where}: connection failed ({type(exc).__name__})")
    return MailError(f"{where}: unexpected {type(exc).__name__}")


def _from_http(exc: Any, where: str) -> MailError:
    status, reason, message = _http_parts(exc)
    request_id = exc.resp.get("x-goog-request-id") if hasattr(exc.resp, "get") else None
    said = f"{where}: HTTP {status} {reason or 'error'}" + (
        f" (request {request_id})" if request_id else ""
    )
    if status == 401:
        return MailAuthError(f"{said}; {REAUTH_HINT}")
    if _is_sending_limit(status, message) or reason == "dailyLimitExceeded":
        return MailQuotaExceeded(f"{said}: Gmail's sending limit is reached; the next run resumes")
    if status == 429 or status >= 500 or (status == 403 and reason in _RATE_REASONS):
        return TransportUnavailable(said)
    if status == 403:
        return GmailForbidden(f"{said}: not allowed (scope or admin policy); {REAUTH_HINT}")
    if status == 404:
        return GmailNotFound(said)
    if status in (400, 413):
        return SendRejected(said)
    return MailError(said)


def _oauth_code(exc: BaseException) -> str:
    """The OAuth error code (such as ``invalid_grant``), never the rest of the answer."""
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict) and isinstance(arg.get("error"), str):
            return str(arg["error"])
    text = str(exc.args[0]) if getattr(exc, "args", None) else ""
    code = text.split(":", 1)[0].strip()
    return code if code.replace("_", "").isalpha() and len(code) < 40 else type(exc).__name__

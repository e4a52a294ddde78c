"""A loopback Xero: Accounting API, identity and connections, with Xero's limits.

``XeroEmulator`` runs on the shared loopback server (``tests.emulators.scaffold``). The
real xero-python client talks to it over HTTP through its base-URL settings. Per
organisation it enforces 60 calls a minute, a daily budget and 5 calls in flight,
answering 429 with ``Retry-After`` and ``X-Rate-Limit-Problem`` as Xero does, and it
sends ``X-DayLimit-Remaining``/``X-MinLimit-Remaining`` on every accounting answer.
Faults (429, 500, 503, timeouts, dropped connections) are injected by request number
or with a seeded probability. Counters tell a test what the client did.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.emulators.crash import CrashHook
from tests.emulators.scaffold import (
    ApiEmulator,
    Exchange,
    Handler,
    Limit,
    RateWindows,
    Rule,
    act,
    first_values,
)
from tests.emulators.validate import xero as xero_spec
from tests.emulators.xero import routes
from tests.emulators.xero.identity import GrantError, Identity
from tests.emulators.xero.org import Org

API_PREFIX = "/api.xro/2.0"
APP_PER_MINUTE = 10_000
"""Calls a minute one app may make across its organisations (https://developer.xero.com/faq/limits)."""


@dataclass
class Fault(Rule):
    """A failure to inject into accounting requests (see ``Rule`` for the rest).

    Attributes:
        retry_after: Seconds in ``Retry-After`` for an injected 429.
        problem: ``X-Rate-Limit-Problem`` for an injected 429.
    """

    retry_after: int = 1
    problem: str = "minute"


def xero_limits(per_minute: int, per_day: int, concurrent: int) -> list[Limit]:
    """Xero's limits per organisation, in the order the emulator checks them.

    Xero allows 60 calls a minute, 5,000 a day and 5 in flight per organisation, and on
    429 names the limit in ``X-Rate-Limit-Problem`` (``minute``, ``day``, ``concurrent``)
    with ``Retry-After`` in seconds; every answer carries the ``X-*Limit-Remaining``
    headers (https://developer.xero.com/documentation/guides/oauth2/limits/ and
    https://developer.xero.com/faq/limits: "Each API response you receive will include
    the X-DayLimit-Remaining, X-MinLimit-Remaining and X-AppMinLimit-Remaining
    headers"). The daily figure depends on the plan: since Xero's tiers of 2 March
    2026, the Starter tier is reported at 1,000 calls a day
    (https://www.maesn.com/blog/how-to-integrate-with-xero-api: "5,000 calls per day
    (1,000 for starter tier apps)"; Xero's own page was not reachable to confirm it, so
    ``per_day`` is the test's to set).
    """
    return [
        Limit("day", per_day, 86_400),
        Limit("concurrent", concurrent),
        Limit("minute", per_minute, 60),
    ]


class XeroEmulator(ApiEmulator[Fault]):
    """A stateful Xero on loopback; use as a context manager.

    Args:
        per_minute: Calls a minute per organisation.
        per_day: Calls a day per organisation.
        concurrent: Calls in flight per organisation.
        clock: Monotonic seconds for the limit windows (share a ``ScaledClock``).
        client_id: The app's client id.
        client_secret: The app's client secret.
        seed: Seed of the generator behind probabilistic faults.
        record: Keep every accounting exchange in ``exchanges``.
        timeout_delay: Real seconds a ``timeout`` fault holds the connection.
    """

    def __init__(
        self,
        *,
        per_minute: int = 60,
        per_day: int = 5000,
        concurrent: int = 5,
        clock: Callable[[], float] = time.monotonic,
        client_id: str = "emulator-client",
        client_secret: str = "emulator-secret",
        seed: int = 0,
        record: bool = False,
        timeout_delay: float = 0.5,
    ) -> None:
        limits = xero_limits(per_minute, per_day, concurrent)
        super().__init__(
            _Handler,
            limits,
            clock=clock,
            seed=seed,
            record=record,
            timeout_delay=timeout_delay,
        )
        self.per_minute, self.per_day, self.concurrent = per_minute, per_day, concurrent
        # The app-wide minute, counted for X-AppMinLimit-Remaining only: 10,000 calls a
        # minute is beyond what any test makes, so it is never enforced here.
        self.app_rate = RateWindows([Limit("appminute", APP_PER_MINUTE, 60)], clock)
        self.offset = 0.0
        self.identity = Identity(client_id, client_secret, self.wall)
        self.orgs: dict[str, Org] = {}
        self.org = self.add_org("Demo Company (Global)")
        # Kills the client once a note is stored (see crash.py).
        self.crash = CrashHook()

    # -- addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: host of connections and identity."""
        return self.origin

    @property
    def api_url(self) -> str:
        """The Accounting API base, for ``XeroLedger(api_url=...)``."""
        return self.base_url + API_PREFIX

    @property
    def authorize_url(self) -> str:
        """Where the consent flow sends the user."""
        return self.base_url + "/identity/connect/authorize"

    # -- test API -------------------------------------------------------------------------

    def add_org(self, name: str) -> Org:
        """Add an organisation (tenant) and return it."""
        org = Org(str(uuid.uuid4()), name)
        self.orgs[org.tenant_id] = org
        return org

    def issue_token(
        self,
        tenants: list[str] | None = None,
        *,
        expires_in: float | None = None,
        scope: str | None = None,
    ) -> dict[str, Any]:
        """A token set as ``tahseel auth xero`` stores it (with ``expires_at`` and tenants).

        ``scope`` is what the consent granted (space-separated, as the token endpoint
        answers it); the identity's default when not given.
        """
        tenants = tenants or [self.org.tenant_id]
        token = self.identity.issue(tenants, scope) if scope else self.identity.issue(tenants)
        token["expires_at"] = time.time() + (expires_in or token["expires_in"])
        token["tenants"] = [{"tenantId": t, "tenantName": self.orgs[t].name} for t in tenants]
        return token

    def spend_elsewhere(self, calls: int, tenant: str | None = None) -> None:
        """Count ``calls`` against the organisation's day as made elsewhere.

        Xero's limits are per connection (app and organisation): "each connection would
        have 5000 API calls available in a given 24 hour period"
        (https://developer.xero.com/faq/limits), so what another run of the same app
        spent (a second runner, `tahseel doctor`, a person's manual run) is gone for
        this one too, and the answers' ``X-DayLimit-Remaining`` says so.
        """
        self.rate.charge(tenant or self.org.tenant_id, "day", calls)

    def new_day(self) -> None:
        """Start a new day: every organisation's daily window is empty again.

        Xero: "Requests are counted against a fixed window which will reset at different
        times for each tenant" (the API limits page, as quoted at
        https://blog.featherbear.cc/post/using-xero-from-a-developer-s-perspective); the
        emulator's window otherwise slides over 24 hours of its clock. The minute's
        window, a day later, is empty too.
        """
        self.rate.clear("day")
        self.rate.clear("minute")

    def advance(self, seconds: float) -> None:
        """Move the identity clock forward (token expiry and refresh grace)."""
        self.offset += seconds

    def wall(self) -> float:
        """Seconds since the epoch as the identity service sees them."""
        return time.time() + self.offset

    def fail(self, kind: str, **options: Any) -> Fault:
        """Inject a fault (see ``Fault``) and return it."""
        return self.script.add(Fault(kind, **{**options, "at": frozenset(options.get("at", ()))}))

    def remaining(self, tenant: str) -> dict[str, str]:
        """The X-*Limit-Remaining headers Xero sends on every accounting answer."""
        return {
            "X-DayLimit-Remaining": str(max(0, self.per_day - self.rate.used(tenant, "day"))),
            "X-MinLimit-Remaining": str(max(0, self.per_minute - self.rate.used(tenant, "minute"))),
            "X-AppMinLimit-Remaining": str(
                max(0, APP_PER_MINUTE - self.app_rate.used("app", "appminute"))
            ),
        }


class _Handler(Handler):
    methods = ("GET", "PUT", "POST")
    spec = staticmethod(xero_spec.check)

    @property
    def emulator(self) -> XeroEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def stamp(self) -> dict[str, str]:
        return {"Xero-Correlation-Id": str(uuid.uuid4())}

    def dispatch(self, method: str, path: str, query: str, body: bytes) -> None:
        values = first_values(query)
        if path.startswith(API_PREFIX):
            self._accounting(method, path[len(API_PREFIX) :], values, body)
        elif path == "/connect/token" and method == "POST":
            self._token(body)
        elif path == "/identity/connect/authorize":
            self._authorize(values)
        elif path.lower() == "/connections" and method == "GET":
            self._connections()
        else:
            self.send(404, b"", "text/plain")

    def _accounting(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        emulator = self.emulator
        route = routes.route_name(method, path)
        number = emulator.log.number(route)
        detail, tenants = emulator.identity.tenants_for(self.headers.get("Authorization"))
        if detail:
            return self._problem(401, "Unauthorized", detail)
        tenant = self.headers.get("xero-tenant-id", "")
        if tenant not in tenants or tenant not in emulator.orgs:
            return self._problem(403, "Forbidden", "AuthorizationUnsuccessful")
        refused = emulator.rate.admit(tenant)
        emulator.app_rate.charge("app", "appminute", 1)
        if refused:
            return self._too_many(refused.name, refused.retry_after, emulator.remaining(tenant))
        fault = emulator.script.draw(number, path)
        try:
            answer = act(fault, lambda: self._answer(method, path, query, body, tenant))
        finally:
            emulator.rate.release(tenant)
        if fault and self.lose(fault.kind, emulator.timeout_delay):
            return None
        if answer is not None:
            status, ctype, payload, extra = answer
        if fault and fault.kind == "429":
            status, ctype, payload = 429, "text/plain", b""
        elif fault and fault.kind == "400":  # the spec's 400 is a ValidationException JSON
            status, ctype, payload, _ = routes._bad_request("Injected validation error")
        elif fault:
            status, ctype, payload = int(fault.kind), "text/plain", b"Internal Server Error"
        wrote = method in ("PUT", "POST") and route.endswith("/History")
        if not fault and status == 200 and wrote and emulator.crash.acted("noted"):
            return self.drop()
        headers = emulator.remaining(tenant)
        if fault and fault.kind == "429":
            return self._too_many(fault.problem, fault.retry_after, headers)
        if not fault:
            headers.update(extra)
        if emulator.record:
            exchange = Exchange(method, path, query, dict(self.headers), status, ctype, payload)
            emulator.log.keep(exchange)
        return self.send(status, payload, ctype, headers)

    def _answer(
        self, method: str, path: str, query: dict[str, str], body: bytes, tenant: str
    ) -> tuple[int, str, bytes, dict[str, str]]:
        since = _since(self.headers.get("If-Modified-Since"))
        accept = self.headers.get("Accept", "")
        key = self.headers.get("Idempotency-Key")
        return routes.answer(
            self.emulator.orgs[tenant],
            method,
            path,
            query,
            body,
            since=since,
            accept=accept,
            key=key,
        )

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            form.update(client_id=client_id, client_secret=secret)
        self.emulator.log.count("POST /connect/token")
        try:
            token = self.emulator.identity.token(form)
        except GrantError as exc:
            return self.send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
        return self.send(200, json.dumps(token).encode(), "application/json")

    def _authorize(self, query: dict[str, str]) -> None:
        self.emulator.log.count("GET /identity/connect/authorize")
        tenants = list(self.emulator.orgs)
        code = self.emulator.identity.code(
            query.get("redirect_uri", ""), tenants, query.get("scope", "")
        )
        target = (
            query.get("redirect_uri", "")
            + "?"
            + urlencode({"code": code, "state": query.get("state", "")})
        )
        self.send(302, b"", "text/plain", {"Location": target})

    def _connections(self) -> None:
        emulator = self.emulator
        emulator.log.count("GET /connections")
        detail, tenants = emulator.identity.tenants_for(self.headers.get("Authorization"))
        if detail:
            return self._problem(401, "Unauthorized", detail)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        rows = [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, tenant)),
                "authEventId": str(uuid.uuid4()),
                "tenantId": tenant,
                "tenantType": "ORGANISATION",
                "tenantName": emulator.orgs[tenant].name,
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
            }
            for tenant in tenants
        ]
        return self.send(200, json.dumps(rows).encode(), "application/json")

    def _problem(self, status: int, title: str, detail: str) -> None:
        body = {
            "Type": None,
            "Title": title,
            "Status": status,
            "Detail": detail,
            "Instance": str(uuid.uuid4()),
            "Extensions": {},
        }
        self.send(status, json.dumps(body).encode(), "application/json")

    def _too_many(self, problem: str, retry_after: float, headers: dict[str, str]) -> None:
        headers = {**headers, "Retry-After": str(int(retry_after)), "X-Rate-Limit-Problem": problem}
        self.send(429, b"", "text/plain", headers)


def _since(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        moment = datetime.fromisoformat(header)
    except ValueError:
        moment = parsedate_to_datetime(header)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

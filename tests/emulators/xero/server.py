"""A loopback Xero: Accounting API, identity and connections, with Xero's limits.

``XeroEmulator`` runs ``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a thread. The
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
import math
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.emulators.crash import CrashHook
from tests.emulators.xero import routes
from tests.emulators.xero.identity import GrantError, Identity
from tests.emulators.xero.org import Org

API_PREFIX = "/api.xro/2.0"


@dataclass
class Fault:
    """A failure to inject into accounting requests.

    Attributes:
        kind: ``429``, ``500``, ``503``, ``timeout`` or ``drop``.
        at: Accounting request numbers (1-based, across tenants) that fail.
        probability: Chance each other request fails, drawn from the seeded generator.
        retry_after: Seconds in ``Retry-After`` for an injected 429.
        problem: ``X-Rate-Limit-Problem`` for an injected 429.
        path: Only requests whose path contains this fail.
        act_first: Carry the request out before failing it, as when a server wrote
            the note and then the connection dropped or the answer was a 5xx.
    """

    kind: str
    at: frozenset[int] = frozenset()
    probability: float = 0.0
    retry_after: int = 1
    problem: str = "minute"
    path: str | None = None
    act_first: bool = False


@dataclass
class _Window:
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    in_flight: int = 0


@dataclass
class Exchange:
    """One request and its answer, kept when ``record`` is on (for spec checks)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    content_type: str
    body: bytes


class XeroEmulator:
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
        self.per_minute, self.per_day, self.concurrent = per_minute, per_day, concurrent
        self.clock = clock
        self.offset = 0.0
        self.identity = Identity(client_id, client_secret, self.wall)
        self.orgs: dict[str, Org] = {}
        self.org = self.add_org("Demo Company (Global)")
        self.faults: list[Fault] = []
        self.random = random.Random(seed)
        self.record = record
        self.timeout_delay = timeout_delay
        self.exchanges: list[Exchange] = []
        self.calls: Counter[str] = Counter()
        self.limit_429s: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.max_in_flight = 0
        self.max_per_minute = 0
        self.requests = 0
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        # Kills the client once a note is stored (see crash.py).
        self.crash = CrashHook()

    # -- lifecycle and addresses --------------------------------------------------------

    def __enter__(self) -> XeroEmulator:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.emulator = self  # type: ignore[attr-defined]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: host of connections and identity."""
        assert self._server is not None, "start the emulator with `with`"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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
        self, tenants: list[str] | None = None, *, expires_in: float | None = None
    ) -> dict[str, Any]:
        """A token set as ``tahseel auth xero`` stores it (with ``expires_at`` and tenants)."""
        tenants = tenants or [self.org.tenant_id]
        token = self.identity.issue(tenants)
        token["expires_at"] = time.time() + (expires_in or token["expires_in"])
        token["tenants"] = [{"tenantId": t, "tenantName": self.orgs[t].name} for t in tenants]
        return token

    def advance(self, seconds: float) -> None:
        """Move the identity clock forward (token expiry and refresh grace)."""
        self.offset += seconds

    def wall(self) -> float:
        """Seconds since the epoch as the identity service sees them."""
        return time.time() + self.offset

    def fail(self, kind: str, **options: Any) -> Fault:
        """Inject a fault (see ``Fault``) and return it."""
        fault = Fault(kind, **{**options, "at": frozenset(options.get("at", ()))})
        self.faults.append(fault)
        return fault

    # -- request handling ---------------------------------------------------------------------

    def admit(self, tenant: str) -> tuple[str, float] | None:
        """Take a slot for a call, or say which limit refuses it and for how long."""
        now = self.clock()
        with self._lock:
            window = self._windows.setdefault(tenant, _Window())
            while window.minute and window.minute[0] <= now - 60:
                window.minute.popleft()
            while window.day and window.day[0] <= now - 86_400:
                window.day.popleft()
            if len(window.day) >= self.per_day:
                return "day", math.ceil(window.day[0] + 86_400 - now)
            if window.in_flight >= self.concurrent:
                return "concurrent", 1
            if len(window.minute) >= self.per_minute:
                return "minute", max(1, math.ceil(window.minute[0] + 60 - now))
            window.in_flight += 1
            window.minute.append(now)
            window.day.append(now)
            self.max_in_flight = max(self.max_in_flight, window.in_flight)
            self.max_per_minute = max(self.max_per_minute, len(window.minute))
            return None

    def release(self, tenant: str) -> None:
        """Free a call's slot (before its answer is written, as a server finishes)."""
        with self._lock:
            self._windows[tenant].in_flight -= 1

    def remaining(self, tenant: str) -> dict[str, str]:
        """The X-*Limit-Remaining headers for a tenant."""
        with self._lock:
            window = self._windows.setdefault(tenant, _Window())
            return {
                "X-DayLimit-Remaining": str(max(0, self.per_day - len(window.day))),
                "X-MinLimit-Remaining": str(max(0, self.per_minute - len(window.minute))),
                "X-AppMinLimit-Remaining": "9999",
            }

    def draw_fault(self, number: int, path: str) -> Fault | None:
        """The fault for accounting request ``number``, if any."""
        with self._lock:
            for fault in self.faults:
                if fault.path and fault.path not in path:
                    continue
                if number in fault.at or (
                    fault.probability and self.random.random() < fault.probability
                ):
                    self.injected[fault.kind] += 1
                    return fault
        return None

    def next_number(self) -> int:
        """Count an accounting request and return its number."""
        with self._lock:
            self.requests += 1
            return self.requests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle's algorithm and the
    # client's delayed ACK hold every answer back about 40 ms on loopback.
    disable_nagle_algorithm = True
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Stay quiet: tests read counters, not logs."""

    @property
    def emulator(self) -> XeroEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("PUT")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if parts.path.startswith(API_PREFIX):
            self._accounting(method, parts.path[len(API_PREFIX) :], query, body)
        elif parts.path == "/connect/token" and method == "POST":
            self._token(body)
        elif parts.path == "/identity/connect/authorize":
            self._authorize(query)
        elif parts.path.lower() == "/connections" and method == "GET":
            self._connections()
        else:
            self._send(404, b"", "text/plain")

    def _accounting(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        emulator = self.emulator
        route = routes.route_name(method, path)
        emulator.calls[route] += 1
        number = emulator.next_number()
        detail, tenants = emulator.identity.tenants_for(self.headers.get("Authorization"))
        if detail:
            return self._problem(401, "Unauthorized", detail)
        tenant = self.headers.get("xero-tenant-id", "")
        if tenant not in tenants or tenant not in emulator.orgs:
            return self._problem(403, "Forbidden", "AuthorizationUnsuccessful")
        refused = emulator.admit(tenant)
        if refused:
            problem, retry_after = refused
            emulator.limit_429s[problem] += 1
            return self._too_many(problem, retry_after, emulator.remaining(tenant))
        fault = emulator.draw_fault(number, path)
        try:
            if fault is None or fault.act_first:
                status, ctype, payload, extra = self._answer(method, path, query, body, tenant)
        finally:
            emulator.release(tenant)
        if fault and fault.kind in ("timeout", "drop"):
            if fault.kind == "timeout":
                time.sleep(emulator.timeout_delay)
            self.close_connection = True
            return None
        if fault and fault.kind == "429":
            status, ctype, payload = 429, "text/plain", b""
        elif fault:
            status, ctype, payload = int(fault.kind), "text/plain", b"Internal Server Error"
        wrote = method in ("PUT", "POST") and route.endswith("/History")
        if not fault and status == 200 and wrote and emulator.crash.acted("noted"):
            self.close_connection = True
            return None
        headers = emulator.remaining(tenant)
        if fault and fault.kind == "429":
            return self._too_many(fault.problem, fault.retry_after, headers)
        if not fault:
            headers.update(extra)
        if emulator.record:
            emulator.exchanges.append(
                _exchange(method, path, query, dict(self.headers), status, ctype, payload)
            )
        return self._send(status, payload, ctype, headers)

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
        self.emulator.calls["POST /connect/token"] += 1
        try:
            token = self.emulator.identity.token(form)
        except GrantError as exc:
            return self._send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
        return self._send(200, json.dumps(token).encode(), "application/json")

    def _authorize(self, query: dict[str, str]) -> None:
        self.emulator.calls["GET /identity/connect/authorize"] += 1
        tenants = list(self.emulator.orgs)
        code = self.emulator.identity.code(
            query.get("redirect_uri", ""), tenants, query.get("scope", "")
        )
        target = (
            query.get("redirect_uri", "")
            + "?"
            + urlencode({"code": code, "state": query.get("state", "")})
        )
        self._send(302, b"", "text/plain", {"Location": target})

    def _connections(self) -> None:
        emulator = self.emulator
        emulator.calls["GET /connections"] += 1
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
        return self._send(200, json.dumps(rows).encode(), "application/json")

    def _problem(self, status: int, title: str, detail: str) -> None:
        body = {
            "Type": None,
            "Title": title,
            "Status": status,
            "Detail": detail,
            "Instance": str(uuid.uuid4()),
            "Extensions": {},
        }
        self._send(status, json.dumps(body).encode(), "application/json")

    def _too_many(self, problem: str, retry_after: float, headers: dict[str, str]) -> None:
        headers = {**headers, "Retry-After": str(int(retry_after)), "X-Rate-Limit-Problem": problem}
        self._send(429, b"", "text/plain", headers)

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Xero-Correlation-Id", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _since(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        moment = datetime.fromisoformat(header)
    except ValueError:
        moment = parsedate_to_datetime(header)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _exchange(
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    status: int,
    ctype: str,
    body: bytes,
) -> Exchange:
    return Exchange(method, path, query, headers, status, ctype, body)

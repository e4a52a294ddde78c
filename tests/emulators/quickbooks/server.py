"""A loopback QuickBooks Online: Accounting API v3, OAuth and discovery, with Intuit's limits.

``QuickBooksEmulator`` runs ``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a thread.
The real python-quickbooks and intuit-oauth clients talk to it over HTTP through
their base-URL settings (``api_url_v3`` and a discovery document URL). Per realm it
enforces 500 calls a minute and 10 in flight, answering 429 with Intuit's XML throttle
body. Faults (429, 500, 503, timeouts, dropped connections) are injected by request
number or with a seeded probability. Counters tell a test what the client did.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.emulators.crash import CrashHook
from tests.emulators.quickbooks import routes
from tests.emulators.quickbooks.company import Company
from tests.emulators.quickbooks.faults import AUTH_FAILED, THROTTLE_XML, Fault
from tests.emulators.quickbooks.oauth import GrantError, Identity

API_PREFIX = "/v3/company/"
DISCOVERY_PATH = "/.well-known/openid_configuration"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
AUTHORIZE_PATH = "/connect/oauth2"


@dataclass
class Injected:
    """A failure to inject into API requests.

    Attributes:
        kind: ``429``, ``500``, ``503``, ``timeout`` or ``drop``.
        at: API request numbers (1-based, across realms) that fail.
        probability: Chance each other request fails, drawn from the seeded generator.
        path: Only requests whose path contains this fail.
        act_first: Carry the request out before failing it, as when a server wrote
            the note and then the connection dropped or the answer was a 5xx.
    """

    kind: str
    at: frozenset[int] = frozenset()
    probability: float = 0.0
    path: str | None = None
    act_first: bool = False


@dataclass
class _Window:
    minute: deque[float] = field(default_factory=deque)
    batches: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class QuickBooksEmulator:
    """A stateful QuickBooks Online on loopback; use as a context manager.

    Args:
        per_minute: Calls a minute per realm; each item of a batch counts as one.
        concurrent: Calls in flight per realm.
        batches_per_minute: Batch requests a minute per realm.
        clock: Monotonic seconds for the limit windows (share a ``ScaledClock``).
        client_id: The app's client id.
        client_secret: The app's client secret.
        payments: Whether the first company takes online payments.
        grace: Seconds a spent refresh token keeps working.
        seed: Seed of the generator behind probabilistic faults.
        timeout_delay: Real seconds a ``timeout`` fault holds the connection.
        cdc_days: Change data capture's look-back window.
    """

    def __init__(
        self,
        *,
        per_minute: int = 500,
        concurrent: int = 10,
        batches_per_minute: int = 120,
        clock: Callable[[], float] = time.monotonic,
        client_id: str = "emulator-client",
        client_secret: str = "emulator-secret",
        payments: bool = True,
        grace: float = 86_400.0,
        seed: int = 0,
        timeout_delay: float = 0.5,
        cdc_days: int = 30,
    ) -> None:
        self.per_minute, self.concurrent = per_minute, concurrent
        self.batches_per_minute = batches_per_minute
        self.clock = clock
        self.offset = 0.0
        self.cdc_days = cdc_days
        self.identity = Identity(client_id, client_secret, self.wall_seconds, grace=grace)
        self.companies: dict[str, Company] = {}
        self._realms = 4620816365
        self.company = self.add_company("Sandbox Company_US_1", payments=payments)
        self.faults: list[Injected] = []
        self.random = random.Random(seed)
        self.timeout_delay = timeout_delay
        self.calls: Counter[str] = Counter()
        self.limit_429s: Counter[str] = Counter()
        self.units = 0  # calls admitted as the minute's limit counts them (batch items)
        self.injected: Counter[str] = Counter()
        self.max_in_flight = 0
        self.max_per_minute = 0
        self.requests = 0
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        # Kills the client once an invoice update (a note) is applied (see crash.py).
        self.crash = CrashHook()

    def __enter__(self) -> QuickBooksEmulator:
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
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start the emulator with `with`"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The API base, for ``QuickBooksLedger(api_url=...)``."""
        return self.base_url + "/v3"

    @property
    def discovery_url(self) -> str:
        """The OpenID discovery document, for ``discovery_url=``."""
        return self.base_url + DISCOVERY_PATH

    def add_company(self, name: str, *, payments: bool = True) -> Company:
        """Add a company (realm) and return it."""
        self._realms += 1
        company = Company(str(self._realms), name, payments=payments, wall=self.wall)
        self.companies[company.realm_id] = company
        return company

    def issue_token(
        self, realm_id: str | None = None, *, expires_in: float | None = None
    ) -> dict[str, Any]:
        """A token set as ``tahseel auth quickbooks`` stores it (with expiry and realm)."""
        realm = realm_id or self.company.realm_id
        token = self.identity.issue(realm)
        token["expires_at"] = time.time() + (expires_in or token["expires_in"])
        token["realm_id"] = realm
        return token

    def advance(self, seconds: float) -> None:
        """Move the service's wall clock forward (token expiry, grace, CDC window)."""
        self.offset += seconds

    def wall_seconds(self) -> float:
        """Seconds since the epoch as the service sees them."""
        return time.time() + self.offset

    def wall(self) -> datetime:
        """The current moment as the service sees it."""
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def fail(self, kind: str, **options: Any) -> Injected:
        """Inject a fault (see ``Injected``) and return it."""
        fault = Injected(kind, **{**options, "at": frozenset(options.get("at", ()))})
        self.faults.append(fault)
        return fault

    def admit(self, realm: str, *, items: int | None = None) -> bool:
        """Take a slot for a call, or refuse it (counted in ``limit_429s``).

        ``items`` is a batch request's item count: each counts against the minute's
        limit, and the batch against the batch requests' own.
        """
        now = self.clock()
        weight = 1 if items is None else max(1, items)
        with self._lock:
            window = self._windows.setdefault(realm, _Window())
            for seen in (window.minute, window.batches):
                while seen and seen[0] <= now - 60:
                    seen.popleft()
            if window.in_flight >= self.concurrent:
                self.limit_429s["concurrent"] += 1
                return False
            if len(window.minute) + weight > self.per_minute:
                self.limit_429s["minute"] += 1
                return False
            if items is not None and len(window.batches) >= self.batches_per_minute:
                self.limit_429s["batch"] += 1
                return False
            window.in_flight += 1
            self.units += weight
            window.minute.extend([now] * weight)
            if items is not None:
                window.batches.append(now)
            self.max_in_flight = max(self.max_in_flight, window.in_flight)
            self.max_per_minute = max(self.max_per_minute, len(window.minute))
            return True

    def release(self, realm: str) -> None:
        """Free a call's slot (before its answer is written, as a server finishes)."""
        with self._lock:
            self._windows[realm].in_flight -= 1

    def draw_fault(self, number: int, path: str) -> Injected | None:
        """The fault for API request ``number``, if any."""
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
        """Count an API request and return its number."""
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
    def emulator(self) -> QuickBooksEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if parts.path.startswith(API_PREFIX):
            self._api(method, parts.path[len(API_PREFIX) :], query, body)
        elif parts.path.rstrip("/") == DISCOVERY_PATH:
            self._discovery()
        elif parts.path == TOKEN_PATH and method == "POST":
            self._token(body)
        elif parts.path == AUTHORIZE_PATH:
            self._authorize(query)
        else:
            self._send(404, b"", "text/plain")

    def _api(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        emulator = self.emulator
        realm, _, rest = path.partition("/")
        emulator.calls[routes.route_name(method, rest)] += 1
        number = emulator.next_number()
        if emulator.identity.realm_for(self.headers.get("Authorization")) != realm:
            return self._send(401, json.dumps(AUTH_FAILED).encode(), "application/json")
        company = emulator.companies.get(realm)
        if company is None:
            return self._send(
                403,
                Fault.validation("3100", "ApplicationAuthorizationFailed").payload(),
                "application/json",
            )
        if not emulator.admit(realm, items=_batch_items(method, rest, body)):
            return self._send(429, THROTTLE_XML, "application/xml")
        fault = emulator.draw_fault(number, rest)
        try:
            if fault is None or fault.act_first:
                status, ctype, payload = routes.answer(emulator, company, method, rest, query, body)
        finally:
            emulator.release(realm)
        if fault and fault.kind in ("timeout", "drop"):
            if fault.kind == "timeout":
                time.sleep(emulator.timeout_delay)
            self.close_connection = True
            return None
        if fault and fault.kind == "429":
            status, ctype, payload = 429, "application/xml", THROTTLE_XML
        elif fault:
            status, ctype, payload = int(fault.kind), "application/json", Fault.server().payload()
        wrote = method == "POST" and rest in ("invoice", "batch")
        if not fault and status == 200 and wrote and emulator.crash.acted("noted"):
            self.close_connection = True
            return None
        return self._send(status, payload, ctype)

    def _discovery(self) -> None:
        self.emulator.calls["GET discovery"] += 1
        base = self.emulator.base_url
        document = {
            "issuer": base,
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "userinfo_endpoint": base + "/v1/openid_connect/userinfo",
            "revocation_endpoint": base + "/oauth2/v1/tokens/revoke",
            "jwks_uri": base + "/oauth2/v1/keys",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        }
        self._send(200, json.dumps(document).encode(), "application/json")

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        basic = self.headers.get("Authorization", "")
        client = ("", "")
        if basic.startswith("Basic "):
            user, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client = (user, secret)
        self.emulator.calls["POST token"] += 1
        try:
            token = self.emulator.identity.token(form, client)
        except GrantError as exc:
            status = 401 if str(exc) == "invalid_client" else 400
            return self._send(status, json.dumps({"error": str(exc)}).encode(), "application/json")
        return self._send(200, json.dumps(token).encode(), "application/json")

    def _authorize(self, query: dict[str, str]) -> None:
        self.emulator.calls["GET authorize"] += 1
        realm = self.emulator.company.realm_id
        redirect = query.get("redirect_uri", "")
        code = self.emulator.identity.code(redirect, realm)
        answer = {"code": code, "state": query.get("state", ""), "realmId": realm}
        self._send(302, b"", "text/plain", {"Location": f"{redirect}?{urlencode(answer)}"})

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("intuit_tid", "1-" + uuid.uuid4().hex[:24])
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _batch_items(method: str, rest: str, body: bytes) -> int | None:
    """The item count of a batch request; None for any other request."""
    if method != "POST" or rest != "batch":
        return None
    try:
        items = json.loads(body).get("BatchItemRequest")
    except (ValueError, AttributeError):
        return 1
    return len(items) if isinstance(items, list) else 1

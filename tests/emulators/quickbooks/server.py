"""A loopback QuickBooks Online: Accounting API v3, OAuth and discovery, with Intuit's limits.

``QuickBooksEmulator`` runs on the shared loopback server (``tests.emulators.scaffold``).
The real python-quickbooks and intuit-oauth clients talk to it over HTTP through
their base-URL settings (``api_url_v3`` and a discovery document URL). Per realm it
enforces 500 calls a minute and 10 in flight, answering 429 with Intuit's XML throttle
body. Faults (429, 500, 503, timeouts, dropped connections) are injected by request
number or with a seeded probability. Counters tell a test what the client did.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.emulators.crash import CrashHook
from tests.emulators.quickbooks import companyinfo, routes
from tests.emulators.quickbooks.company import Company
from tests.emulators.quickbooks.faults import THROTTLE_XML, Fault
from tests.emulators.quickbooks.oauth import ACCOUNTING, GrantError, Identity
from tests.emulators.scaffold import (
    ApiEmulator,
    Handler,
    Limit,
    Rule,
    act,
    first_values,
)
from tests.emulators.validate import quickbooks as quickbooks_spec

API_PREFIX = "/v3/company/"
DISCOVERY_PATH = "/.well-known/openid_configuration"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
AUTHORIZE_PATH = "/connect/oauth2"


@dataclass
class Injected(Rule):
    """A failure to inject into API requests (see ``Rule``; numbers count across realms)."""


def quickbooks_limits(per_minute: int, concurrent: int, batches_per_minute: int) -> list[Limit]:
    """Intuit's limits per realm (app and company), in the order they are checked.

    Production allows 500 requests a minute and 10 in flight per realm, batch requests
    included, and answers 429 past either (Intuit developer blog, 8 Aug 2016:
    https://blogs.intuit.com/2016/08/08/idg-concurrent-api-use-changes-coming-soon/).
    Each item of a batch counts as one request, and batch requests have their own 120 a
    minute (Intuit developer blog, in production from 31 Oct 2025). A throttled call
    gets the XML ``ThrottleExceeded`` body (``faults.THROTTLE_XML``).
    """
    return [
        Limit("concurrent", concurrent),
        Limit("minute", per_minute, 60),
        Limit("batch", batches_per_minute, 60),
    ]


class QuickBooksEmulator(ApiEmulator[Injected]):
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
        keys: ``development`` or ``production``: the kind of the app's keys (see
            ``oauth``: production keys take https redirect URIs only).
        redirect_uris: The redirect URIs registered for the keys (``oauth.Identity``).
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
        keys: str = "development",
        redirect_uris: Iterable[str] | None = None,
    ) -> None:
        limits = quickbooks_limits(per_minute, concurrent, batches_per_minute)
        super().__init__(
            _Handler, limits, clock=clock, seed=seed, record=False, timeout_delay=timeout_delay
        )
        self.per_minute, self.concurrent = per_minute, concurrent
        self.batches_per_minute = batches_per_minute
        self.offset = 0.0
        self.cdc_days = cdc_days
        self.identity = Identity(
            client_id,
            client_secret,
            self.wall_seconds,
            grace=grace,
            keys=keys,
            redirect_uris=redirect_uris,
        )
        self.companies: dict[str, Company] = {}
        self._realms = 4620816365
        self.company = self.add_company("Sandbox Company_US_1", payments=payments)
        # Kills the client once an invoice update (a note) is applied (see crash.py).
        self.crash = CrashHook()

    @property
    def units(self) -> int:
        """Calls admitted as the minute's limit counts them (batch items)."""
        return self.rate.admitted["minute"]

    # -- addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.origin

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
        self,
        realm_id: str | None = None,
        *,
        expires_in: float | None = None,
        scopes: Iterable[str] = (ACCOUNTING,),
    ) -> dict[str, Any]:
        """A token set as ``tahseel auth quickbooks`` stores it (with expiry and realm)."""
        realm = realm_id or self.company.realm_id
        token = self.identity.issue(realm, scopes)
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
        return self.script.add(
            Injected(kind, **{**options, "at": frozenset(options.get("at", ()))})
        )


class _Handler(Handler):
    methods = ("GET", "POST")
    spec = staticmethod(quickbooks_spec.check)

    @property
    def emulator(self) -> QuickBooksEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def stamp(self) -> dict[str, str]:
        return {"intuit_tid": "1-" + uuid.uuid4().hex[:24]}

    def dispatch(self, method: str, path: str, query: str, body: bytes) -> None:
        values = first_values(query)
        if path.startswith(API_PREFIX):
            self._api(method, path[len(API_PREFIX) :], values, body)
        elif path.rstrip("/") == DISCOVERY_PATH:
            self._discovery()
        elif path == TOKEN_PATH and method == "POST":
            self._token(body)
        elif path == AUTHORIZE_PATH:
            self._authorize(values)
        else:
            self.send(404, b"", "text/plain")

    def _api(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        emulator = self.emulator
        realm, _, rest = path.partition("/")
        number = emulator.log.number(routes.route_name(method, rest))
        refused = emulator.identity.refusal(self.headers.get("Authorization"), realm)
        if refused:
            return self.send(*refused, "application/json")
        company = emulator.companies.get(realm)
        if company is None:
            return self.send(
                403,
                Fault.validation("3100", "ApplicationAuthorizationFailed").payload(),
                "application/json",
            )
        items = _batch_items(method, rest, body)
        weights = {"minute": 1 if items is None else max(1, items), "batch": int(items is not None)}
        if emulator.rate.admit(realm, **weights):
            return self.send(429, THROTTLE_XML, "application/xml")
        fault = emulator.script.draw(number, rest)
        try:
            route = companyinfo.answer if rest.startswith("companyinfo/") else routes.answer
            answer = act(fault, lambda: route(emulator, company, method, rest, query, body))
        finally:
            emulator.rate.release(realm)
        if fault and self.lose(fault.kind, emulator.timeout_delay):
            return None
        if answer is not None:
            status, ctype, payload = answer
        if fault and fault.kind == "429":
            status, ctype, payload = 429, "application/xml", THROTTLE_XML
        elif fault:
            status, ctype, payload = int(fault.kind), "application/json", Fault.server().payload()
        wrote = method == "POST" and rest in ("invoice", "batch")
        if not fault and status == 200 and wrote and emulator.crash.acted("noted"):
            return self.drop()
        return self.send(status, payload, ctype)

    def _discovery(self) -> None:
        self.emulator.log.count("GET discovery")
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
        self.send(200, json.dumps(document).encode(), "application/json")

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        basic = self.headers.get("Authorization", "")
        client = ("", "")
        if basic.startswith("Basic "):
            user, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client = (user, secret)
        self.emulator.log.count("POST token")
        try:
            token = self.emulator.identity.token(form, client)
        except GrantError as exc:
            status = 401 if str(exc) == "invalid_client" else 400
            return self.send(status, json.dumps({"error": str(exc)}).encode(), "application/json")
        return self.send(200, json.dumps(token).encode(), "application/json")

    def _authorize(self, query: dict[str, str]) -> None:
        self.emulator.log.count("GET authorize")
        consent = self.emulator.identity.authorize(query, self.emulator.company.realm_id)
        if consent.location:
            return self.send(302, b"", "text/plain", {"Location": consent.location})
        return self.send(consent.status, consent.page, "text/html")


def _batch_items(method: str, rest: str, body: bytes) -> int | None:
    """The item count of a batch request; None for any other request."""
    if method != "POST" or rest != "batch":
        return None
    try:
        items = json.loads(body).get("BatchItemRequest")
    except (ValueError, AttributeError):
        return 1
    return len(items) if isinstance(items, list) else 1

"""A loopback Twilio: the Messages API and the Content API, for the real ``twilio`` SDK.

``TwilioEmulator`` runs on the shared loopback server (``tests.emulators.scaffold``).
The SDK reaches it through ``mailer.twilio.http.ApiUrlHttpClient``, which sends both
``api.twilio.com`` and ``content.twilio.com`` to its one port; routes tell them apart
by path (``/2010-04-01/...`` and ``/v1/Content...``).

Basic auth is checked (the account SID and auth token, or an API key and its secret).
Faults use the shared rules: ``429`` (code 20429, "not processed" [3]), any 5xx, a
``timeout`` held until the client gives up, a ``drop``; ``act_first`` carries the
request out before failing it (a message created, then the answer lost). Tests add
inbound messages with ``receive`` and templates with ``add_template``; the clock is the
emulator's own (``advance``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.emulators.scaffold import ApiEmulator, Handler, Limit, Rule, act, first_values
from tests.emulators.twilio.state import Account, ApiError, Message, Template, fixture

ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "emulated-auth-token"
API_KEY = "SK" + "b" * 32
API_SECRET = "emulated-api-secret"
MAX_PAGE_SIZE = 1000
"""Twilio's largest page [1]; larger ones are refused (the SDK may send them, trap 4)."""

_API = r"/2010-04-01/Accounts/(?P<account>AC\w+)"
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", _API + r"\.json", "accounts.fetch"),
    ("POST", _API + r"/Messages\.json", "messages.create"),
    ("GET", _API + r"/Messages\.json", "messages.list"),
    ("GET", _API + r"/Messages/(?P<sid>\w+)\.json", "messages.fetch"),
    ("GET", _API + r"/IncomingPhoneNumbers\.json", "numbers.list"),
    ("GET", r"/v1/Content/(?P<sid>\w+)", "content.fetch"),
    ("GET", r"/v1/Content/(?P<sid>\w+)/ApprovalRequests", "approval.fetch"),
    ("POST", r"/v1/Content/(?P<sid>\w+)/ApprovalRequests/whatsapp", "approval.create"),
)


@dataclass
class Fault(Rule):
    """A failure to inject (see ``Rule``): 429, 5xx, ``timeout`` or ``drop``."""


class TwilioEmulator(ApiEmulator[Fault]):
    """A stateful Twilio on loopback; use as a context manager.

    Args:
        senders: The account's senders (``+E164``, an alphanumeric id, ``whatsapp:+E164``).
        concurrent: Requests in flight before a 429 (Twilio's value is "not verified" in
            the reference); None for no limit.
        start: The emulator's clock at start (aware); the wall clock's now by default.
        seed: Seed of probabilistic faults.
        record: Keep every exchange.
        timeout_delay: Real seconds a ``timeout`` fault holds the connection.
    """

    def __init__(
        self,
        senders: tuple[str, ...] = ("+15005550006",),
        *,
        concurrent: int | None = None,
        start: datetime | None = None,
        seed: int = 0,
        record: bool = False,
        timeout_delay: float = 1.0,
    ) -> None:
        limits = [Limit("concurrent", concurrent)] if concurrent else []
        super().__init__(
            _Handler,
            limits,
            clock=time.monotonic,
            seed=seed,
            record=record,
            timeout_delay=timeout_delay,
        )
        self._start_wall = start or datetime.now(UTC)
        self._start_mono = time.monotonic()
        self.offset = timedelta()
        self.account = Account(ACCOUNT_SID, self.now, set(senders))
        self.created_at: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    # -- test API ----------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """What to give ``build_client(api_url=...)``."""
        return self.origin

    def environ(self, *, api_key: bool = False) -> dict[str, str]:
        """Environment variables holding this account's credentials."""
        if api_key:
            return {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_API_KEY": API_KEY,
                "TWILIO_API_SECRET": API_SECRET,
            }
        return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}

    def now(self) -> datetime:
        """The emulator's clock: real time since start, plus ``advance``."""
        return (
            self._start_wall + timedelta(seconds=time.monotonic() - self._start_mono) + self.offset
        )

    def advance(self, delta: timedelta) -> None:
        """Move the clock on (the WhatsApp window, DateSent filters)."""
        self.offset += delta

    def receive(self, customer: str, text: str, *, sender: str | None = None) -> Message:
        """A customer's message to ``sender`` (the first sender by default)."""
        sender = sender or next(iter(sorted(self.account.senders)))
        if sender.startswith("whatsapp:") and not customer.startswith("whatsapp:"):
            customer = "whatsapp:" + customer
        with self.account.lock:
            return self.account.receive(sender, customer, text)

    def add_template(
        self,
        body: str,
        *,
        language: str = "en",
        name: str = "payment_reminder",
        approval: str | None = "approved",
        variables: dict[str, str] | None = None,
        sid: str | None = None,
    ) -> Template:
        """A Content template (approved unless ``approval`` says otherwise)."""
        sid = sid or self.account.new_sid("HX")
        template = Template(sid, name, language, body, variables or {}, approval)
        with self.account.lock:
            self.account.templates[sid] = template
        return template

    def sent(self) -> list[Message]:
        """Outbound messages, oldest first."""
        with self.account.lock:
            return [m for m in self.account.messages if m.direction != "inbound"]

    # -- requests ----------------------------------------------------------------------

    def authorised(self, header: str | None) -> bool:
        """Whether Basic auth names this account's token or its API key."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (user, password) in ((ACCOUNT_SID, AUTH_TOKEN), (API_KEY, API_SECRET))

    def handle(
        self, name: str, match: dict[str, str], query: dict[str, str], form: dict[str, str]
    ) -> Any:
        """Run one route and return its status and JSON."""
        account = self.account
        if match.get("account", ACCOUNT_SID) != ACCOUNT_SID:
            raise ApiError(404, 20404, "The requested resource was not found")
        with account.lock:
            account.progress()
            if name == "accounts.fetch":
                data = fixture("account")
                data.update(sid=ACCOUNT_SID, owner_account_sid=ACCOUNT_SID, status="active")
                return 200, data
            if name == "messages.create":
                message = account.create(form)
                self.created_at.setdefault(message.from_, []).append(time.monotonic())
                return 201, message.resource(ACCOUNT_SID)
            if name == "messages.list":
                return 200, self._page(account.select(query), query)
            if name == "messages.fetch":
                found = [m for m in account.messages if m.sid == match["sid"]]
                if not found:
                    raise ApiError(404, 20404, "The requested resource was not found")
                return 200, found[0].resource(ACCOUNT_SID)
            if name == "numbers.list":
                wanted = query.get("PhoneNumber")
                numbers = [s for s in sorted(account.senders) if s.startswith("+")]
                rows = [{"phone_number": n, "sid": "PN" + n[1:].ljust(32, "0")} for n in numbers]
                rows = [r for r in rows if wanted in (None, r["phone_number"])]
                return 200, {"incoming_phone_numbers": rows, "next_page_uri": None}
            return self._content(name, match["sid"], form)

    def _page(self, rows: list[Message], query: dict[str, str]) -> dict[str, Any]:
        size = int(query.get("PageSize", 50))
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ApiError(400, 20001, f"PageSize must be 1 to {MAX_PAGE_SIZE}, not {size}")
        page = int(query.get("Page", 0))
        start = int(query.get("PageToken", "PA0")[2:] or 0) if "PageToken" in query else 0
        chunk = rows[start : start + size]
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        keep = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
        data = fixture("messages_page")
        data.update(
            messages=[m.resource(ACCOUNT_SID) for m in chunk],
            page=page,
            page_size=size,
            start=start,
            end=start + max(len(chunk) - 1, 0),
            uri=f"{base}?{urlencode(query)}",
            first_page_uri=f"{base}?{urlencode({**keep, 'Page': 0})}",
            previous_page_uri=None,
            next_page_uri=(
                f"{base}?{urlencode({**keep, 'Page': page + 1, 'PageToken': f'PA{start + size}'})}"
                if start + size < len(rows)
                else None
            ),
        )
        return data

    def _content(self, name: str, sid: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        template = self.account.templates.get(sid)
        if template is None:
            raise ApiError(404, 20404, f"The requested resource /Content/{sid} was not found")
        url = f"https://content.twilio.com/v1/Content/{sid}"
        if name == "approval.create":
            fields = form
            template.approval, template.category = "received", fields.get("category", "UTILITY")
            template.name = fields.get("name", template.name)
            name = "approval.fetch"
        if name == "approval.fetch":
            data = fixture("approval")
            whatsapp = data["whatsapp"]
            whatsapp.update(
                name=template.name, category=template.category, content_type="twilio/text"
            )
            whatsapp.update(status=template.approval or "unsubmitted")
            whatsapp.update(rejection_reason=template.rejection_reason)
            data.update(sid=sid, account_sid=ACCOUNT_SID, url=url + "/ApprovalRequests")
            if template.approval is None:
                data["whatsapp"] = {}
            return 200, data
        data = fixture("content")
        data.update(
            sid=sid,
            account_sid=ACCOUNT_SID,
            friendly_name=template.name,
            language=template.language,
            variables=template.variables,
            types={"twilio/text": {"body": template.body}},
            url=url,
        )
        return 200, data


class _Handler(Handler):
    @property
    def emulator(self) -> TwilioEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def stamp(self) -> dict[str, str]:
        return {"Twilio-Request-Id": "RQ" + format(time.monotonic_ns(), "032x")[-32:]}

    def dispatch(self, method: str, path: str, query: str, body: bytes) -> None:
        emulator = self.emulator
        route = next(
            (
                (name, found)
                for verb, pattern, name in ROUTES
                if verb == method and (found := re.fullmatch(pattern, path))
            ),
            None,
        )
        if route is None:
            self._json(404, ApiError(404, 20404, f"{path} was not found").body())
            return
        name, found = route
        number = emulator.log.number(name)
        if not emulator.authorised(self.headers.get("Authorization")):
            self._json(401, ApiError(401, 20003, "Authenticate").body())
            return
        if emulator.rate.admit(ACCOUNT_SID):
            self._json(429, ApiError(429, 20429, "Too Many Requests").body())
            return
        try:
            self._serve_api(emulator, name, number, path, found.groupdict(), query, body)
        finally:
            if emulator.rate.limits:
                emulator.rate.release(ACCOUNT_SID)

    def _serve_api(
        self,
        emulator: TwilioEmulator,
        name: str,
        number: int,
        path: str,
        match: dict[str, str],
        query: str,
        body: bytes,
    ) -> None:
        fault = emulator.script.draw(number, path, name)
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            # The Content API takes JSON (the SDK's approval_create sends it so).
            loaded = json.loads(body or b"{}")
            form = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        else:
            parsed = parse_qs(body.decode(), keep_blank_values=True)
            form = {key: values[0] for key, values in parsed.items()}

        def work() -> Any:
            return emulator.handle(name, match, first_values(query), form)

        try:
            answer = act(fault, work)
        except ApiError as exc:
            if fault is None:
                self._json(exc.status, exc.body())
                return
            answer = None
        if fault is not None:
            if self.lose(fault.kind, emulator.timeout_delay):
                return
            status = int(fault.kind)
            code = 20429 if status == 429 else 20500
            self._json(status, ApiError(status, code, "Injected failure").body())
            return
        status, data = answer
        self._json(status, data)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self.send(status, json.dumps(data).encode(), "application/json; charset=utf-8")

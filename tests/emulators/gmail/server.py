"""A loopback Gmail API server that the real google-api-python-client talks to.

Use it as a context manager (or through a pytest fixture) and point the client at
``emulator.base_url``; the OAuth token endpoint is ``emulator.token_uri``.

Faults are scripted per method and taken in order: ``429`` and ``500`` answer with
Gmail's error body, ``400`` with a refusal, ``drop`` closes the socket without an answer,
``hang`` holds the request until the client gives up. With ``act_first`` the server does
the work before failing, as in "delivered, then the connection dropped".

Messages also arrive on the media upload paths (``uploads.py``), and a JSON body over
the size Gmail is reported to refuse is answered 413.
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tests.emulators.crash import CrashHook
from tests.emulators.gmail import payload
from tests.emulators.gmail.mailbox import ApiError, Mailbox
from tests.emulators.gmail.routes import ROUTES, SEND_METHODS, UNITS, check_scope, gmail_limits
from tests.emulators.gmail.search import search
from tests.emulators.gmail.uploads import (
    JSON_BODY_LIMIT,
    TOO_LARGE_PAGE,
    UPLOADABLE,
    TooLarge,
    Uploads,
    check_media,
    json_body,
    upload_body,
)
from tests.emulators.scaffold import (
    Handler,
    LoopbackEmulator,
    RateWindows,
    RequestLog,
    first_values,
)
from tests.emulators.validate import gmail as gmail_spec


@dataclass
class Fault:
    """One scripted failure for ``method`` (``"*"`` for any)."""

    method: str
    kind: str  # "400", "429", "500", "drop" or "hang"
    act_first: bool = False


class _Drop(Exception):
    pass


class GmailEmulator(LoopbackEmulator):
    """A stateful Gmail API on 127.0.0.1, in a thread.

    Args:
        address: The mailbox owner's address.
        units_per_second: The per-user quota, in units a second; None for none.
        quota_window: The sliding window it is enforced over, in seconds: 1 for the
            strictest reading, 60 for Gmail's current page (15,000 units a minute).
        daily_send_limit: Messages the user may send in 24 hours; None for no limit.
        clock: Returns epoch seconds (internalDate, ``newer_than:``, the sending cap).
        rewrite_message_ids: Replace the Message-ID of sent mail, as Gmail does.
        hang_seconds: How long a ``hang`` fault holds a request.
    """

    def __init__(
        self,
        address: str = "huda@nakheel.example",
        *,
        units_per_second: int | None = None,
        quota_window: float = 1.0,
        daily_send_limit: int | None = None,
        clock: Callable[[], float] = time.time,
        rewrite_message_ids: bool = True,
        hang_seconds: float = 5.0,
    ) -> None:
        super().__init__(_Handler)
        self.mailbox = Mailbox(address, clock, rewrite_message_ids)
        self.units_per_second = units_per_second
        self.quota_window = quota_window
        self.daily_send_limit = daily_send_limit
        self.hang_seconds = hang_seconds
        self.faults: list[Fault] = []
        self.uploads = Uploads()
        self.uploaded: Counter[str] = Counter()  # messages taken by upload, by uploadType
        self.injected: Counter[str] = Counter()
        self._chaos: tuple[float, tuple[str, ...], random.Random] | None = None
        self.log = RequestLog()
        # In flight is counted, never limited: Gmail refuses by quota units.
        self.rate = RateWindows(gmail_limits(units_per_second, quota_window))
        self.token_error: str | None = None
        self.revoked = False
        # The scopes of the grant (None: all); enforced per method (routes.check_scope).
        self.granted_scopes: tuple[str, ...] | None = None
        self.rejected_tokens: set[str] = set()
        self.issued_tokens = 0
        self._lock = threading.Lock()
        # Kills the sending process once a message is stored as sent (see crash.py).
        self.crash = CrashHook()

    # -- what a test reads -------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        """Requests by API method, such as ``drafts.send``."""
        return self.log.calls

    @property
    def quota_rejections(self) -> int:
        """Calls refused for the per-user quota."""
        return self.rate.refusals["quota"]

    @property
    def max_concurrency(self) -> int:
        """The most requests in flight at once."""
        return self.rate.peak_in_flight

    # -- addresses ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to give the client as ``api_endpoint``."""
        return self.origin + "/"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint."""
        return self.base_url + "token"

    # -- test hooks ---------------------------------------------------------------------

    def inject(self, method: str, kind: str, *, times: int = 1, act_first: bool = False) -> None:
        """Script ``times`` faults of ``kind`` for the next calls of ``method``."""
        self.faults += [Fault(method, kind, act_first) for _ in range(times)]

    def chaos(
        self,
        probability: float,
        *,
        seed: int,
        kinds: tuple[str, ...] = ("429", "500", "drop", "hang"),
    ) -> None:
        """Fail each call that has no scripted fault with ``probability``, drawn from ``seed``.

        The kind is drawn from ``kinds``; half the faults other than 429 act first (the
        method is carried out, then the answer is lost or replaced by a 500).
        ``probability=0`` stops it.
        """
        self._chaos = (probability, kinds, random.Random(seed)) if probability else None

    def deliver(self, raw: bytes, *, labels: tuple[str, ...] = ("INBOX", "UNREAD")) -> str:
        """Deliver a message from outside into the inbox (threaded) and return its id.

        A reply that refers to a message the user sent by the Message-ID the client
        composed is made to refer to the one Gmail gave it instead, since that is the
        one its recipient received.
        """
        raw = self.mailbox.as_received(raw)
        return self.mailbox.store(raw, set(labels), thread=None, outgoing=False).id

    def sent(self) -> list[Any]:
        """Every message the user sent, oldest first."""
        with self.mailbox.lock:
            return [m for m in self.mailbox.messages.values() if "SENT" in m.labels]

    # -- request pipeline ---------------------------------------------------------------

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method in (method, "*"):
                    self.faults.remove(fault)
                    return fault
            if self._chaos is not None:
                probability, kinds, rng = self._chaos
                if rng.random() < probability:
                    kind = rng.choice(kinds)
                    self.injected[kind] += 1
                    acted = kind != "429" and rng.random() < 0.5
                    return Fault(method, kind, act_first=acted)
        return None

    def _charge(self, method: str) -> None:
        """Enforce the per-user units in any window of ``quota_window`` seconds."""
        if self.rate.admit(self.mailbox.address, quota=UNITS.get(method, 1)):
            raise ApiError(429, "rateLimitExceeded", "User-rate limit exceeded")

    def _check_daily_cap(self) -> None:
        if self.daily_send_limit is None:
            return
        now = self.mailbox.clock()
        recent = [t for t in self.mailbox.sent_at if now - t < 86400]
        if len(recent) >= self.daily_send_limit:
            retry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(recent[0] + 86400))
            raise ApiError(
                429,
                "rateLimitExceeded",
                f"User-rate limit exceeded.  Retry after {retry} (Mail sending)",
            )

    def handle(self, method: str, match: dict[str, str], query: dict[str, list[str]], body: Any):
        """Run one API method (after faults, auth and quota) and return its JSON answer."""
        box = self.mailbox
        one = {k: v[0] for k, v in query.items()}
        check_scope(method, self.granted_scopes)
        if method == "settings.sendAs.list":
            return {"sendAs": list(box.send_as.values())}
        if method == "getProfile":
            return {"emailAddress": box.address, "historyId": str(box.history_id)}
        if method in SEND_METHODS:
            self._check_daily_cap()
        if method == "messages.send":
            raw = base64.urlsafe_b64decode(body.get("raw", "") + "==")
            return _sent_answer(box.send(raw, body.get("threadId")))
        if method == "drafts.create":
            message = body.get("message", {})
            raw = base64.urlsafe_b64decode(message.get("raw", "") + "==")
            draft_id, stored = box.create_draft(raw, message.get("threadId"))
            return {"id": draft_id, "message": stored.resource()}
        if method == "drafts.send":
            return _sent_answer(box.send_draft(str(body.get("id", ""))))
        if method == "drafts.get":
            stored = box.draft(match["id"])
            fmt = one.get("format", "full")
            return {"id": match["id"], "message": payload.render(stored, fmt, [])}
        if method == "drafts.delete":
            box.delete_draft(match["id"])
            return None
        if method == "messages.get":
            stored = box.get(match["id"])
            return payload.render(
                stored, one.get("format", "full"), query.get("metadataHeaders", [])
            )
        if method == "messages.attachments.get":
            return payload.attachment(box.get(match["mid"]), match["id"])
        if method == "messages.modify":
            stored = box.modify(
                match["id"], body.get("addLabelIds", []), body.get("removeLabelIds", [])
            )
            return stored.resource()
        if method == "messages.batchModify":
            ids = [str(i) for i in body.get("ids", [])]
            if not 1 <= len(ids) <= 1000:
                raise ApiError(400, "invalidArgument", "ids must hold 1 to 1000 message ids")
            for message_id in ids:
                box.modify(message_id, body.get("addLabelIds", []), body.get("removeLabelIds", []))
            return None
        if method == "messages.list":
            return self._list(one, query)
        if method == "threads.get":
            return self._thread(match["id"], one.get("format", "full"), query)
        if method == "history.list":
            return self._history(one, query)
        if method == "labels.list":
            return {"labels": list(box.labels.values())}
        if method == "labels.create":
            return box.create_label(str(body.get("name", "")))
        raise ApiError(404, "notFound", "Not Found")

    def _page(self, items: list[Any], one: dict[str, str], key: str) -> dict[str, Any]:
        size = min(int(one.get("maxResults", 100)), 500)
        start = int(one.get("pageToken", 0) or 0)
        result: dict[str, Any] = {key: items[start : start + size]} if items else {}
        if start + size < len(items):
            result["nextPageToken"] = str(start + size)
        return result

    def _list(self, one: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        spam_trash = one.get("includeSpamTrash", "false") == "true"
        found = search(self.mailbox, one.get("q", ""), query.get("labelIds", []), spam_trash)
        items = [{"id": m.id, "threadId": m.thread_id} for m in found]
        return {**self._page(items, one, "messages"), "resultSizeEstimate": len(items)}

    def _thread(self, thread_id: str, fmt: str, query: dict[str, list[str]]) -> dict[str, Any]:
        with self.mailbox.lock:
            ids = list(self.mailbox.threads.get(thread_id, []))
            if not ids:
                raise ApiError(404, "notFound", "Requested entity was not found.")
            messages = [self.mailbox.messages[i] for i in ids]
        headers = query.get("metadataHeaders", [])
        rendered = [payload.render(m, fmt, headers) for m in messages]
        return {"id": thread_id, "historyId": str(self.mailbox.history_id), "messages": rendered}

    def _history(self, one: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        if "startHistoryId" not in one:
            raise ApiError(400, "invalidArgument", "Missing startHistoryId")
        records = self.mailbox.history_since(int(one["startHistoryId"]))
        types = query.get("historyTypes")
        if types:
            keys = {t.replace("message", "messages").replace("label", "labels") for t in types}
            records = [r for r in records if keys & r.keys()]
        result = self._page(records, one, "history")
        result["historyId"] = str(self.mailbox.history_id)
        return result

    def token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The OAuth token endpoint: refresh grants and JWT bearer grants."""
        if self.token_error:
            return 400, {
                "error": self.token_error,
                "error_description": "Token has been expired or revoked.",
            }
        self.issued_tokens += 1
        return 200, {
            "access_token": f"emulated-access-{self.issued_tokens}",
            "expires_in": 3599,
            "token_type": "Bearer",
            # What was granted, which may be less than asked (RFC 6749 3.3 and 5.1).
            "scope": " ".join(self.granted_scopes)
            if self.granted_scopes is not None
            else form.get("scope", ["https://www.googleapis.com/auth/gmail.modify"])[0],
        }

    def enter(self) -> None:
        """Count a request in flight."""
        self.rate.enter(self.mailbox.address)

    def leave(self) -> None:
        """Count a request done."""
        self.rate.release(self.mailbox.address)


def _sent_answer(stored: Any) -> dict[str, Any]:
    """What messages.send and drafts.send answer: the new message's ids and labels only."""
    return {"id": stored.id, "threadId": stored.thread_id, "labelIds": sorted(stored.labels)}


class _Handler(Handler):
    methods = ("GET", "POST", "PUT", "DELETE")
    held = ("hang",)
    spec = staticmethod(gmail_spec.check)

    @property
    def emulator(self) -> GmailEmulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def dispatch(self, verb: str, path: str, query: str, data: bytes) -> None:
        emulator = self.emulator
        # An upload URI is the method's URI with an /upload prefix (Uploads guide); a
        # resumable session's chunks are PUT to it.
        upload = path.startswith("/upload/")
        route_path, route_verb = (path.removeprefix("/upload"), "POST") if upload else (path, verb)
        for pattern_verb, pattern, name in ROUTES:
            found = re.fullmatch(pattern, route_path)
            if pattern_verb == route_verb and found and (not upload or name in UPLOADABLE):
                method = name
                break
        else:
            self._reply(404, ApiError(404, "notFound", "Not Found").body())
            return
        emulator.log.count(method)
        emulator.enter()
        try:
            if not upload and len(data) > JSON_BODY_LIMIT:
                raise TooLarge
            body = self._upload(method, path, query, data) if upload else data
            if body is not None:
                self._run(method, found.groupdict(), parse_qs(query), body)
        except TooLarge:
            self.send(413, TOO_LARGE_PAGE, "text/html; charset=UTF-8")
        except ApiError as exc:
            self._reply(exc.code, exc.body())
        except _Drop:
            self.drop()
        finally:
            emulator.leave()

    def _upload(self, method: str, path: str, query: str, data: bytes) -> bytes | None:
        """The JSON body an upload stands for; None when it only moved a session on."""
        emulator, one = self.emulator, first_values(query)
        kind = one.get("uploadType", "")
        if kind == "resumable" and not self._authorised():
            raise ApiError(401, "authError", "Invalid Credentials")
        if kind == "resumable" and "upload_id" not in one:
            size = int(self.headers.get("X-Upload-Content-Length") or 0)
            ctype = self.headers.get("X-Upload-Content-Type", "")
            upload_id = emulator.uploads.open(data, ctype, size)
            session = f"{emulator.origin}{path}?uploadType=resumable&upload_id={upload_id}"
            self.send(200, b"", None, {"Location": session})
            return None
        if kind == "resumable":
            chunk_range = self.headers.get("Content-Range", "")
            done = emulator.uploads.put(one["upload_id"], chunk_range, data)
            if isinstance(done, int):
                self.send(308, b"", None, {"Range": f"bytes=0-{done - 1}"} if done else {})
                return None
            metadata, ctype, media = done
        else:
            metadata, ctype, media = upload_body(
                method, kind, self.headers.get("Content-Type", ""), data
            )
        check_media(ctype, len(media))
        emulator.uploaded[kind] += 1
        return json.dumps(json_body(method, metadata, media)).encode()

    def _authorised(self) -> bool:
        emulator = self.emulator
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        return not (emulator.revoked or token == auth or token in emulator.rejected_tokens)

    def _run(self, method: str, match: dict[str, str], query: dict[str, list[str]], data: bytes):
        emulator = self.emulator
        if method == "token":
            self._reply(*emulator.token(parse_qs(data.decode())))
            return
        if not self._authorised():
            self._reply(401, ApiError(401, "authError", "Invalid Credentials").body())
            return
        fault = emulator._take_fault(method)
        try:
            if fault is not None and not fault.act_first:
                self._fail(fault)
            emulator._charge(method)
            answer = emulator.handle(method, match, query, json.loads(data or b"{}"))
            if method in SEND_METHODS and emulator.crash.acted("sent"):
                raise _Drop
            if fault is not None:
                self._fail(fault)
        except ApiError as exc:
            self._reply(exc.code, exc.body())
            return
        self._reply(200 if answer is not None else 204, answer)

    def _fail(self, fault: Fault) -> None:
        if self.lose(fault.kind, self.emulator.hang_seconds):
            raise _Drop
        if fault.kind == "429":
            raise ApiError(429, "rateLimitExceeded", "Too many concurrent requests for user")
        if fault.kind == "400":
            # What Gmail answers a drafts.send whose draft was already sent is not
            # documented: the drafts guide says only that a sent draft "is automatically
            # deleted" (https://developers.google.com/gmail/api/guides/drafts), so the
            # emulator answers 404 by itself. This fault stands for any other refusal of
            # such a retry, with the 400 "Invalid id value" Gmail gives an id it cannot
            # use (LeoIannacone/goopg#34), so that nothing may rely on the 404.
            raise ApiError(400, "invalidArgument", "Invalid id value")
        raise ApiError(500, "backendError", "Backend Error")

    def _reply(self, status: int, body: Any) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send(status, data, "application/json; charset=UTF-8" if data else None)

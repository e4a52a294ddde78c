"""``FileChannel``: WhatsApp or SMS into a local file, for the demo, tests and offline runs.

Like the Maildir for email, it needs no account: every message sent is appended to an
outbox file as one JSON object a line, and messages customers sent are read from an
inbox file in the same form. One outbox and one inbox can serve both channels; each
line says which channel it is on.

An outbox line: ``{"ref", "channel", "from", "to", "tag", "sent_at"}`` and either
``"body"`` (a text) or ``"template"`` with ``"variables"`` (a WhatsApp template). An
inbox line: ``{"ref", "channel", "from", "text", "received_at"}`` (``ref`` optional).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailer.channel import (
    ChannelKind,
    InboundText,
    Outgoing,
    Preflight,
    SentText,
    TemplateMessage,
)
from mailer.errors import TransportUnavailable
from mailer.segments import count_segments

log = logging.getLogger(__name__)


class FileChannel:
    """A ``Channel`` whose outbox and inbox are local JSON-lines files.

    Args:
        kind: ``sms`` or ``whatsapp``.
        sender: The number messages say they come from.
        outbox: The file sent messages are appended to (created with its folder).
        inbox: The file customers' messages are read from (absent: none yet).
        clock: What tells the time of a send (tests pass a fixed one).
    """

    def __init__(
        self,
        *,
        kind: ChannelKind,
        sender: str,
        outbox: Path,
        inbox: Path,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.kind: ChannelKind = kind
        self.sender = sender
        self.outbox = outbox
        self.inbox = inbox
        self.clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"FileChannel(kind={self.kind!r}, outbox={str(self.outbox)!r})"

    def send(self, message: Outgoing) -> SentText:
        """Append ``message`` to the outbox file; see ``Channel.send``.

        Raises:
            ValueError: The tag is not in the visible text, or a template on SMS.
            TransportUnavailable: The file cannot be written.
        """
        line: dict[str, Any] = {"channel": self.kind, "from": self.sender, "to": message.to}
        if isinstance(message, TemplateMessage):
            if self.kind != "whatsapp":
                raise ValueError("templates are sent on WhatsApp only; SMS sends text")
            if not any(message.tag in value for value in message.variables.values()):
                raise ValueError(f"tag {message.tag!r} is in none of the template's variables")
            line |= {"template": message.template, "variables": dict(message.variables)}
            body, segments = " | ".join(message.variables.values()), 1
        else:
            if message.tag not in message.body:
                raise ValueError(f"tag {message.tag!r} is not in the text")
            body = message.body
            segments = count_segments(body).count if self.kind == "sms" else 1
            line["body"] = body
        sent_at = self.clock()
        ref = (
            "FM"
            + hashlib.sha256(
                f"{self.kind}{message.to}{message.tag}{sent_at.isoformat()}".encode()
            ).hexdigest()[:32]
        )
        line = {"ref": ref, **line, "tag": message.tag, "sent_at": sent_at.isoformat()}
        try:
            self.outbox.parent.mkdir(parents=True, exist_ok=True)
            with self.outbox.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise TransportUnavailable(f"cannot write {self.outbox}: {exc.strerror}") from exc
        log.info("%s to %s appended to %s (%s)", self.kind, message.to, self.outbox, message.tag)
        return SentText(ref, message.to, "sent", sent_at, segments, None, body)

    def sent(self) -> list[dict[str, Any]]:
        """Every message of this channel in the outbox file, oldest first."""
        return [m for m in _lines(self.outbox) if m.get("channel", "whatsapp") == self.kind]

    def find_sent(self, to: str, tag: str, since: datetime) -> SentText | None:
        """The message carrying ``tag`` sent to ``to``; see ``Channel.find_sent``."""
        for m in self.sent():
            texts = [m.get("body", ""), *m.get("variables", {}).values()]
            if m.get("to") == to and any(tag in t for t in texts):
                at = datetime.fromisoformat(m["sent_at"])
                body = m.get("body") or " | ".join(m.get("variables", {}).values())
                return SentText(m["ref"], to, "sent", at, 1, None, body)
        return None

    def inbound_since(self, since: datetime) -> list[InboundText]:
        """The inbox file's messages on this channel at or after ``since``, oldest first."""
        found = []
        for number, m in enumerate(_lines(self.inbox), start=1):
            if m.get("channel", "whatsapp") != self.kind:
                continue
            try:
                received = datetime.fromisoformat(str(m["received_at"]))
                m["from"]
            except (KeyError, ValueError) as exc:
                raise TransportUnavailable(
                    f'{self.inbox}: message {number}: needs "from" and "received_at"'
                    f" (an ISO 8601 moment) ({exc!r}): correct the line"
                ) from exc
            if received.tzinfo is None:
                received = received.replace(tzinfo=UTC)
            if received < since:
                continue
            sender, text = str(m["from"]).removeprefix("whatsapp:"), str(m.get("text", ""))
            ref = (
                m.get("ref")
                or "FI"
                + hashlib.sha256(f"{sender}{received.isoformat()}{text}".encode()).hexdigest()[:32]
            )
            found.append(InboundText(ref, sender, text, received.astimezone(UTC), self.kind))
        return sorted(found, key=lambda m: (m.received_at, m.ref))

    def preflight(self, templates: Mapping[str, str] | None = None) -> Preflight:
        """Nothing to check but the folder: a file channel accepts any template id."""
        checked = (f"{self.kind} outbox {self.outbox}",)
        return Preflight(checked=checked + tuple(f"template {k}" for k in templates or {}))


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise TransportUnavailable(f"cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue  # not a message: the numbering of messages counts only the others
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise TransportUnavailable(
                f"{path}:{number}: not a JSON object ({exc.msg}): correct or remove the line"
            ) from exc

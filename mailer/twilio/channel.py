"""``TwilioChannel``: SMS or WhatsApp through Twilio's Messages API and the official SDK.

One channel is one sender (a number, an alphanumeric sender id, or ``whatsapp:+...``).
Reminders on WhatsApp always go as approved Content templates (``content_sid`` and
``content_variables`` as a JSON string: a dict would be sent as its keys, trap 2);
free-form text on WhatsApp only answers a customer inside the 24-hour window [6].

Twilio has no idempotency key ([2], [5]), so each message carries a tag in its visible
text and an uncertain send is settled by ``find_sent``: list what went to the number
since a day before the attempt (``DateSent>`` is documented as a GMT date, and the SDK
sends local time with a ``Z``, trap 3, so times go as UTC and the overlap is a day),
plus the newest 20 to that number (queued messages have no ``date_sent`` yet), and
match the tag in the body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from twilio.rest import Client

from mailer.channel import (
    ChannelKind,
    InboundText,
    Outgoing,
    Preflight,
    SentText,
    TemplateMessage,
)
from mailer.segments import count_segments
from mailer.twilio.calls import RATES, Caller, RetryPolicy, SenderPacer, sender_kind
from mailer.twilio.preflight import Sender, run_preflight

log = logging.getLogger(__name__)

OVERLAP = timedelta(days=1)
"""How far before ``since`` a listing starts (``DateSent>`` is read as a date)."""
RECENT = 20
"""Newest messages to a number also read when settling (queued ones lack date_sent)."""
PAGE_SIZE = 100
"""Rows a page; Twilio allows at most 1,000 (trap 4: ``limit`` alone sends PageSize)."""


class TwilioChannel:
    """A ``Channel`` over one Twilio sender.

    Args:
        client: A ``twilio.rest.Client`` (see ``mailer.twilio.http.build_client``).
        kind: ``sms`` or ``whatsapp``.
        sender: The sender: ``+E164`` or an alphanumeric id for SMS, ``+E164`` for
            WhatsApp (the ``whatsapp:`` prefix is added here).
        per_second: The sender's rate; by default from its kind (``calls.RATES``).
        retry: Retries of reads and of creates that surely were not processed.
        pacer: A pacer to share (tests pass one with a fake clock).
        caller: What runs the calls (tests pass one that does not sleep).
    """

    def __init__(
        self,
        client: Client,
        *,
        kind: ChannelKind,
        sender: str,
        per_second: float | None = None,
        retry: RetryPolicy | None = None,
        pacer: SenderPacer | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.client = client
        self.kind: ChannelKind = kind
        self.sender = sender.removeprefix("whatsapp:")
        self._from = self._address(self.sender)
        rate = per_second if per_second is not None else RATES[sender_kind(self._from)]
        self.pacer = pacer or SenderPacer(rate)
        self.caller = caller or Caller(retry)

    def __repr__(self) -> str:
        return f"TwilioChannel(kind={self.kind!r}, sender={self.sender!r})"

    def _address(self, number: str) -> str:
        return f"whatsapp:{number}" if self.kind == "whatsapp" else number

    # -- sending -----------------------------------------------------------------------

    def send(self, message: Outgoing) -> SentText:
        """Send one message; see ``Channel.send``.

        Raises:
            ValueError: The tag is not in the visible text, or a template on SMS.
        """
        to = self._address(message.to)
        fields: dict[str, Any] = {"to": to, "from_": self._from}
        if isinstance(message, TemplateMessage):
            if self.kind != "whatsapp":
                raise ValueError("Content templates are sent on WhatsApp only; SMS sends text")
            if not any(message.tag in value for value in message.variables.values()):
                raise ValueError(
                    f"tag {message.tag!r} is in none of the variables of {message.template}: "
                    "an uncertain send could not be settled"
                )
            fields["content_sid"] = message.template
            fields["content_variables"] = json.dumps(dict(message.variables), ensure_ascii=False)
            units = 1
        else:
            if message.tag not in message.body:
                raise ValueError(
                    f"tag {message.tag!r} is not in the text: an uncertain send could not "
                    "be settled"
                )
            fields["body"] = message.body
            units = count_segments(message.body).count if self.kind == "sms" else 1
        self.pacer.take(units)
        created = self.caller.run(
            lambda: self.client.messages.create(**fields),
            operation="messages.create",
            number=message.to,
            creating=True,
        )
        sent = _sent(created)
        log.info("twilio %s sent %s to %s (%s)", self.kind, sent.ref, message.to, message.tag)
        return sent

    # -- settling and reading ----------------------------------------------------------

    def _list(self, operation: str, **filters: Any) -> list[Any]:
        return self.caller.run(
            lambda: list(self.client.messages.list(**filters)),
            operation=operation,
            number=str(filters.get("to", self.sender)),
            creating=False,
        )

    def find_sent(self, to: str, tag: str, since: datetime) -> SentText | None:
        """The message carrying ``tag`` sent to ``to`` since ``since``; see ``Channel``.

        Lists are newest first, so the pages are read only until the tag is found.
        """
        address = self._address(to)
        dated = {
            "to": address,
            "from_": self._from,
            "date_sent_after": _utc(since) - OVERLAP,
            "page_size": PAGE_SIZE,
        }
        recent = {"to": address, "limit": RECENT, "page_size": RECENT}
        for filters in (dated, recent):
            found = self.caller.run(
                partial(self._first_tagged, filters, tag),
                operation="messages.list",
                number=to,
                creating=False,
            )
            if found is not None:
                return found
        return None

    def _first_tagged(self, filters: dict[str, Any], tag: str) -> SentText | None:
        for row in self.client.messages.stream(**filters):
            if row.direction != "inbound" and tag in (row.body or ""):
                return _sent(row)
        return None

    def fetch(self, ref: str) -> SentText:
        """The message ``ref`` as Twilio holds it now (its status and error code)."""
        row = self.caller.run(
            lambda: self.client.messages(ref).fetch(),
            operation="messages.fetch",
            number=ref,
            creating=False,
        )
        return _sent(row)

    def inbound_since(self, since: datetime) -> list[InboundText]:
        """What customers sent to the sender since ``since``; see ``Channel``."""
        # Twilio's dates are whole seconds (RFC 2822): compare at that precision.
        start = _utc(since).replace(microsecond=0)
        rows = self._list(
            "messages.list",
            to=self._from,
            date_sent_after=start - OVERLAP,
            page_size=PAGE_SIZE,
        )
        found = []
        for row in _unique(rows):
            received = row.date_sent or row.date_created
            if row.direction != "inbound" or received is None or received < start:
                continue
            found.append(
                InboundText(
                    ref=row.sid,
                    sender=(row.from_ or "").removeprefix("whatsapp:"),
                    text=row.body or "",
                    received_at=received.astimezone(UTC),
                    channel=self.kind,
                )
            )
        return sorted(found, key=lambda m: (m.received_at, m.ref))

    def preflight(self, templates: Mapping[str, str] | None = None) -> Preflight:
        """Check credentials, sender and templates; see ``Channel.preflight``."""
        checked = Sender(self.client, self.caller, self.kind, self.sender)
        return run_preflight(checked, templates or {})


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: pass an aware datetime")
    return moment.astimezone(UTC)


def _unique(rows: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.sid not in seen:
            seen.add(row.sid)
            unique.append(row)
    return unique


def _sent(row: Any) -> SentText:
    segments = row.num_segments
    return SentText(
        ref=row.sid,
        to=(row.to or "").removeprefix("whatsapp:"),
        status=str(row.status),
        sent_at=row.date_sent.astimezone(UTC) if row.date_sent else None,
        segments=int(segments) if segments not in (None, "") else None,
        error_code=row.error_code,
        body=row.body or "",
    )

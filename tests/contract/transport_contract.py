"""The Transport contract, written once and subclassed once per implementation.

A subclass named ``Test...`` provides two hooks:

- ``make_transport(self, tmp_path)`` returns a fresh, empty transport;
- ``deliver_reply(self, transport, message_bytes)`` puts a raw message into that
  transport's inbox, as the customer's mail server would.

This class has no ``Test`` prefix, so pytest does not collect it on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from mailer.compose import Attachment, compose, make_message_id
from mailer.render import Rendered
from mailer.transport import Incoming, Sent, Transport

SENDER = "huda@nakheel.example"
CUSTOMER = "ap@alwaha.example"
WHEN = datetime(2025, 3, 31, 9, 0, tzinfo=UTC)


def reminder(
    stage: str = "overdue",
    *,
    cycle: int = 0,
    parent: Sent | None = None,
    invoice: str = "INV-0042",
    attach: bool = False,
) -> EmailMessage:
    """Compose a reminder, as the first of a thread or as a reply into ``parent``'s."""
    message_id = make_message_id(
        tenant="contract",
        invoice_id=f"id-{invoice}",
        invoice_number=invoice,
        stage=stage,
        cycle=cycle,
        domain="nakheel.example",
    )
    threading: dict[str, Any] = {}
    if parent is not None:
        threading = {
            "in_reply_to": parent.message_id,
            "references": [*_root(parent), parent.message_id],
        }
    return compose(
        rendered=Rendered(
            subject=f"Invoice {invoice}",
            text=f"Invoice {invoice} is due.\n",
            html=f"<p>Invoice {invoice} is due.</p>",
            language="en",
        ),
        sender_name="Huda Saleh",
        sender_email=SENDER,
        to=[CUSTOMER],
        subject=f"{'Re: ' if parent else ''}Invoice {invoice}",
        message_id=message_id,
        date=WHEN,
        headers={"X-Tahseel-Invoice": invoice, "X-Tahseel-Stage": stage},
        attachments=[Attachment(f"{invoice}.pdf", b"%PDF-1.4 test")] if attach else (),
        **threading,
    )


def _root(sent: Sent) -> list[str]:
    """The thread's first Message-ID when the transport names threads by it (Maildir)."""
    named = sent.thread.startswith("<") and sent.thread != sent.message_id
    return [sent.thread] if named else []


def customer_reply(
    to: Sent | None,
    text: str,
    *,
    message_id: str,
    headers: dict[str, str] | None = None,
    earlier: tuple[Sent, ...] = (),
) -> bytes:
    """The raw bytes of a customer's answer to ``to`` (or of unrelated mail when None).

    ``earlier`` are the messages of the thread before ``to``, which its References name.
    """
    message = EmailMessage()
    message["From"] = f"Al Waha Cafe <{CUSTOMER}>"
    message["To"] = SENDER
    message["Subject"] = "Re: Invoice INV-0042" if to else "Lunch on Thursday?"
    message["Date"] = "Mon, 31 Mar 2025 12:00:00 +0300"
    message["Message-ID"] = message_id
    if to is not None:
        message["In-Reply-To"] = to.message_id
        earlier_ids = [e.message_id for e in earlier] or _root(to)
        message["References"] = " ".join([*earlier_ids, to.message_id])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message.as_bytes()


class TransportContract:
    """What every Transport must do; subclass it once per implementation."""

    def make_transport(self, tmp_path: Path) -> Transport:
        """Return a fresh transport with an empty mailbox."""
        raise NotImplementedError

    def deliver_reply(self, transport: Transport, message_bytes: bytes) -> None:
        """Place ``message_bytes`` in the transport's inbox."""
        raise NotImplementedError

    def replies(self, transport: Transport, cursor: str | None = None) -> list[Incoming]:
        found, _ = transport.replies_since(cursor)
        return found

    def test_is_a_transport(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        assert isinstance(transport, Transport)
        assert isinstance(transport.name, str) and transport.name

    def test_has_sent_mail_once_something_was_sent(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        assert transport.has_sent_mail() is False
        self.deliver_reply(transport, customer_reply(None, "hello", message_id="<x@y.example>"))
        assert transport.has_sent_mail() is False, "mail received is not mail sent"
        sent = transport.send(reminder(), thread=None)
        assert transport.has_sent_mail() is True
        assert transport.find_sent(sent.message_id, recipient=CUSTOMER) == sent

    def test_send_then_find_sent(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        sent = transport.send(reminder(), thread=None)
        assert sent.message_id.startswith("<") and sent.message_id.endswith(">")
        assert sent.invoice == "INV-0042" and sent.stage == "overdue"
        assert sent.thread
        assert transport.find_sent(sent.message_id) == sent

    def test_find_sent_misses_unknown_ids(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        transport.send(reminder(), thread=None)
        assert transport.find_sent("<never-sent@nakheel.example>") is None

    def test_send_into_a_thread_keeps_the_thread(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        first = transport.send(reminder("courtesy"), thread=None)
        second = transport.send(reminder("due", parent=first), thread=first.thread)
        third = transport.send(reminder("overdue", parent=second), thread=first.thread)
        assert second.thread == first.thread == third.thread
        assert len({first.message_id, second.message_id, third.message_id}) == 3
        assert transport.find_sent(third.message_id) == third
        other = transport.send(reminder(invoice="INV-0043"), thread=None)
        assert other.thread != first.thread

    def test_replies_since_finds_a_reply_and_ignores_other_mail(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        first = transport.send(reminder("courtesy"), thread=None)
        second = transport.send(reminder("due", parent=first), thread=first.thread)
        self.deliver_reply(transport, customer_reply(None, "See you!", message_id="<l@x.example>"))
        self.deliver_reply(
            transport,
            customer_reply(
                second, "We paid yesterday.", message_id="<r1@x.example>", earlier=(first,)
            ),
        )
        found = self.replies(transport)
        assert [r.message_id for r in found] == ["<r1@x.example>"]
        reply = found[0]
        assert reply.refers_to[0] == second.message_id
        assert first.message_id in reply.refers_to
        assert reply.thread == first.thread
        assert reply.sender == CUSTOMER
        assert reply.subject == "Re: Invoice INV-0042"
        assert "We paid yesterday." in reply.text
        assert reply.received_at.tzinfo is not None
        assert reply.automatic is False

    def test_replies_since_with_the_cursor_loses_nothing(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        sent = transport.send(reminder(), thread=None)
        self.deliver_reply(transport, customer_reply(sent, "One", message_id="<r1@x.example>"))
        first, cursor = transport.replies_since(None)
        assert [r.message_id for r in first] == ["<r1@x.example>"]
        again, cursor = transport.replies_since(cursor)
        assert {r.message_id for r in again} <= {"<r1@x.example>"}
        self.deliver_reply(transport, customer_reply(sent, "Two", message_id="<r2@x.example>"))
        self.deliver_reply(transport, customer_reply(sent, "Three", message_id="<r3@x.example>"))
        later, _ = transport.replies_since(cursor)
        ids = [r.message_id for r in later]
        assert "<r2@x.example>" in ids and "<r3@x.example>" in ids
        assert ids.index("<r2@x.example>") < ids.index("<r3@x.example>")
        assert len({r.ref for r in first + later}) == 3

    def test_fetch_round_trips(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        sent = transport.send(reminder(attach=True), thread=None)
        fetched = transport.fetch(sent.ref)
        assert fetched["Subject"] == "Invoice INV-0042"
        assert fetched["X-Tahseel-Invoice"] == "INV-0042"
        assert [a.get_filename() for a in fetched.iter_attachments()] == ["INV-0042.pdf"]
        self.deliver_reply(transport, customer_reply(sent, "Thanks", message_id="<r@x.example>"))
        (reply,) = self.replies(transport)
        assert transport.fetch(reply.ref)["Message-ID"] == "<r@x.example>"

    def test_automatic_replies_are_marked(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        sent = transport.send(reminder(), thread=None)
        self.deliver_reply(
            transport,
            customer_reply(
                sent,
                "I am out of office.",
                message_id="<ooo@x.example>",
                headers={"Auto-Submitted": "auto-replied"},
            ),
        )
        self.deliver_reply(
            transport,
            customer_reply(
                sent, "Away.", message_id="<bulk@x.example>", headers={"Precedence": "bulk"}
            ),
        )
        self.deliver_reply(
            transport,
            customer_reply(
                sent, "Paid.", message_id="<human@x.example>", headers={"Auto-Submitted": "no"}
            ),
        )
        marks = {r.message_id: r.automatic for r in self.replies(transport)}
        assert marks == {
            "<ooo@x.example>": True,
            "<bulk@x.example>": True,
            "<human@x.example>": False,
        }

    def test_attachments_of_a_reply_are_listed(self, tmp_path: Path) -> None:
        transport = self.make_transport(tmp_path)
        sent = transport.send(reminder(), thread=None)
        raw = customer_reply(sent, "Receipt attached.", message_id="<att@x.example>")
        message = EmailMessage()
        for name, value in _headers_of(raw):
            message[name] = value
        message.set_content("Receipt attached.")
        message.add_attachment(
            b"%PDF receipt", maintype="application", subtype="pdf", filename="receipt.pdf"
        )
        self.deliver_reply(transport, message.as_bytes())
        (reply,) = self.replies(transport)
        assert reply.attachments == ("receipt.pdf",)
        assert "Receipt attached." in reply.text


def _headers_of(raw: bytes) -> list[tuple[str, str]]:
    from email import policy
    from email.parser import BytesParser

    parsed = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    skip = {"content-type", "content-transfer-encoding", "mime-version"}
    return [(k, str(v)) for k, v in parsed.items() if k.lower() not in skip]

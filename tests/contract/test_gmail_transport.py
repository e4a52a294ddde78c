"""GmailTransport: the Transport contract, over the real client and a loopback Gmail."""

from __future__ import annotations

import base64
import contextlib
import os
import quopri
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials

from mailer.compose import compose, make_message_id
from mailer.errors import SendOutcomeUnknown, SendRejected
from mailer.gmail.api import QuotaBudget, RetryPolicy
from mailer.gmail.mime import ORIGINAL_ID_HEADER
from mailer.gmail.transport import GmailTransport
from mailer.render import Rendered
from mailer.transport import FlushesBatches, Sent, Transport, UpdatesReplyCursor
from tests.contract.transport_contract import (
    CUSTOMER,
    SENDER,
    WHEN,
    TransportContract,
    customer_reply,
)
from tests.emulators.gmail import GmailEmulator
from tests.support import cassettes

FAST_RETRY = RetryPolicy(attempts=4, max_seconds=5.0, initial_wait=0.01, max_wait=0.05)


def gmail_transport(emulator: GmailEmulator, **options: object) -> GmailTransport:
    """A transport on simple credentials whose refresh goes to the emulator."""
    credentials = Credentials(
        token="emulated-start",
        refresh_token="emulated-refresh",
        token_uri=emulator.token_uri,
        client_id="tahseel-tests",
        client_secret="not-a-secret",
    )
    settings: dict[str, object] = {
        "credentials": credentials,
        "base_url": emulator.base_url,
        "timeout": 5.0,
        "retry": FAST_RETRY,
        "budget": QuotaBudget(10_000),
    }
    settings.update(options)
    return GmailTransport(**settings)  # type: ignore[arg-type]


class TestGmailTransport(TransportContract):
    @pytest.fixture(autouse=True)
    def _emulator(self) -> Iterator[None]:
        with GmailEmulator(SENDER) as emulator:
            self.emulator = emulator
            yield

    def make_transport(self, tmp_path: Path) -> Transport:
        return gmail_transport(self.emulator)

    def deliver_reply(self, transport: Transport, message_bytes: bytes) -> None:
        self.emulator.deliver(message_bytes)


@pytest.fixture
def emulator() -> Iterator[GmailEmulator]:
    with GmailEmulator(SENDER, hang_seconds=3.0) as running:
        yield running


def invoice_message(
    stage: str, earlier: list[Sent], *, invoice: str = "INV-0042", to: str = CUSTOMER
) -> EmailMessage:
    """A reminder as the job builds it: References from the Message-IDs Gmail stored."""
    ids = [s.message_id for s in earlier]
    return compose(
        rendered=Rendered(f"Invoice {invoice}", f"{stage}\n", f"<p>{stage}</p>", "en"),
        sender_name="Huda Saleh",
        sender_email=SENDER,
        to=[to],
        subject=f"{'Re: ' if earlier else ''}Invoice {invoice}",
        message_id=make_message_id(
            tenant="t",
            invoice_id=invoice,
            invoice_number=invoice,
            stage=stage,
            cycle=0,
            domain="nakheel.example",
        ),
        in_reply_to=ids[-1] if ids else None,
        references=ids,
        date=WHEN,
        headers={"X-Tahseel-Invoice": invoice, "X-Tahseel-Stage": stage, "X-Tahseel-Cycle": "0"},
    )


def send_chain(
    transport: GmailTransport, stages: list[str], invoice: str = "INV-0042", to: str = CUSTOMER
) -> list[Sent]:
    sent: list[Sent] = []
    for stage in stages:
        thread = sent[0].thread if sent else None
        message = invoice_message(stage, sent, invoice=invoice, to=to)
        sent.append(transport.send(message, thread=thread))
    return sent


def test_one_invoice_is_one_gmail_thread_and_one_references_chain(emulator):
    transport = gmail_transport(emulator)
    chain = send_chain(transport, ["courtesy", "due", "overdue"])
    other = send_chain(transport, ["courtesy"], invoice="INV-0043")
    stored = emulator.sent()
    assert len(stored) == 4
    ours = [m for m in stored if m.header("X-Tahseel-Invoice") == "INV-0042"]
    assert len({m.thread_id for m in ours}) == 1
    assert ours[0].thread_id != next(m for m in stored if m not in ours).thread_id
    # A thread is named by Gmail's thread id, which drafts.send answers.
    assert {s.thread for s in chain} == {ours[0].thread_id} != {other[0].thread}
    for before, message in zip(ours, ours[1:], strict=False):
        # What the customer received refers to the Message-IDs Gmail gave, not the composed.
        assert message.header("In-Reply-To") == before.header("Message-ID")
    assert ours[2].header("References") == " ".join(m.header("Message-ID") for m in ours[:2])
    for sent, message in zip(chain, ours, strict=True):
        # Gmail replaced the composed Message-ID; Sent names the message by the composed one.
        assert sent.message_id == message.header(ORIGINAL_ID_HEADER) != message.header("Message-ID")
        assert sent.ref == message.id and sent.stage == message.header("X-Tahseel-Stage")
        assert transport.find_sent(message.header("Message-ID")) == sent
    transport.flush()
    for message in ours:
        assert "Tahseel" in {emulator.mailbox.labels[x]["name"] for x in message.labels}
    # Sending cost two calls a message, one batch of labels, and one thread read for
    # each message that continued a thread (for Gmail's Message-IDs).
    assert emulator.calls["drafts.send"] == emulator.calls["drafts.create"] == 4
    assert emulator.calls["threads.get"] == 2 and emulator.calls["messages.batchModify"] == 1


def test_a_message_whose_subject_does_not_fit_starts_a_new_gmail_thread(emulator):
    transport = gmail_transport(emulator)
    (first,) = send_chain(transport, ["courtesy"])
    stray = invoice_message("due", [first])
    stray.replace_header("Subject", "Something else")
    second = transport.send(stray, thread=first.thread)
    assert second.thread != first.thread
    assert len({m.thread_id for m in emulator.sent()}) == 2


def test_composed_message_ids_are_found_after_gmail_replaced_them(emulator):
    transport = gmail_transport(emulator)
    message = invoice_message("courtesy", [])
    sent = transport.send(message, thread=None)
    assert sent.message_id == message["Message-ID"] != emulator.sent()[0].header("Message-ID")
    assert transport.find_sent(message["Message-ID"]) == sent
    assert gmail_transport(emulator).find_sent(message["Message-ID"]) == sent


@pytest.mark.parametrize(
    ("kind", "act_first"),
    [
        ("drop", True),
        ("hang", True),
        ("500", True),
        ("500", False),
        ("429", False),
        ("drop", False),
    ],
)
def test_a_send_that_fails_midway_goes_out_exactly_once(emulator, kind, act_first):
    transport = gmail_transport(emulator, timeout=0.5)
    emulator.inject("drafts.send", kind, act_first=act_first)
    refs: list[str] = []
    sent = transport.send(invoice_message("courtesy", []), thread=None, prepared=refs.append)
    assert len(emulator.sent()) == 1
    assert emulator.mailbox.drafts == {}
    assert sent == transport.find_sent(sent.message_id)
    assert refs and refs[0].startswith("draft:")


def test_delivered_then_dropped_settles_through_the_draft_reference(emulator):
    transport = gmail_transport(emulator, timeout=0.5)
    emulator.inject("drafts.send", "drop", act_first=True)
    emulator.inject("drafts.send", "500", times=20)  # every later try fails, acting on nothing
    message = invoice_message("courtesy", [])
    refs: list[str] = []
    with pytest.raises(SendOutcomeUnknown):
        transport.send(message, thread=None, prepared=refs.append)
    assert len(emulator.sent()) == 1
    emulator.faults.clear()
    later = gmail_transport(emulator)  # the next run
    found = later.find_sent(message["Message-ID"], prepared=refs[0])
    assert found is not None and found.ref == emulator.sent()[0].id
    assert later.find_sent(message["Message-ID"]) == found
    assert len(emulator.sent()) == 1


def test_an_unsent_draft_is_deleted_when_settled_and_the_send_can_be_repeated(emulator):
    transport = gmail_transport(emulator)
    emulator.inject("drafts.send", "500", times=20)
    message = invoice_message("courtesy", [])
    refs: list[str] = []
    with pytest.raises(SendOutcomeUnknown):
        transport.send(message, thread=None, prepared=refs.append)
    emulator.faults.clear()
    assert len(emulator.mailbox.drafts) == 1 and emulator.sent() == []
    assert transport.find_sent(message["Message-ID"], prepared=refs[0]) is None
    assert emulator.mailbox.drafts == {}
    transport.send(message, thread=None)
    assert len(emulator.sent()) == 1


def test_a_draft_gone_without_a_sent_message_stays_unknown(emulator):
    transport = gmail_transport(emulator)
    draft_id, _ = emulator.mailbox.create_draft(invoice_message("courtesy", []).as_bytes(), None)
    emulator.mailbox.delete_draft(draft_id)  # someone deleted it by hand
    with pytest.raises(SendOutcomeUnknown):
        transport.find_sent(
            "<tahseel.INV-0042.courtesy.0.x@nakheel.example>", prepared=f"draft:{draft_id}:"
        )


def test_prepared_that_fails_sends_nothing(emulator):
    transport = gmail_transport(emulator)

    def refuse(ref: str) -> None:
        raise RuntimeError("state store is down")

    with pytest.raises(RuntimeError):
        transport.send(invoice_message("courtesy", []), thread=None, prepared=refuse)
    assert emulator.sent() == [] and emulator.mailbox.drafts == {}


def test_history_expiry_falls_back_to_a_search(emulator):
    transport = gmail_transport(emulator)
    (sent,) = send_chain(transport, ["courtesy"])
    emulator.deliver(customer_reply(sent, "One", message_id="<r1@x.example>"))
    first, cursor = transport.replies_since(None)
    assert [r.message_id for r in first] == ["<r1@x.example>"]
    emulator.deliver(customer_reply(sent, "Two", message_id="<r2@x.example>"))
    emulator.mailbox.expire_history()
    history_calls = emulator.calls["history.list"]
    found, cursor = transport.replies_since(cursor)
    assert emulator.calls["history.list"] == history_calls + 1  # it tried, got 404
    assert "<r2@x.example>" in [r.message_id for r in found]
    emulator.deliver(customer_reply(sent, "Three", message_id="<r3@x.example>"))
    searches = emulator.calls["messages.list"]
    found, _ = transport.replies_since(cursor)
    assert [r.message_id for r in found] == ["<r3@x.example>"]
    assert emulator.calls["messages.list"] == searches  # the fresh cursor reads history again


def labelled(emulator: GmailEmulator, name: str = "Tahseel") -> set[str]:
    """Gmail ids of the sent messages that carry the label called ``name``."""
    (label_id,) = [k for k, v in emulator.mailbox.labels.items() if v["name"] == name]
    return {m.id for m in emulator.sent() if label_id in m.labels}


def test_gmail_declares_the_optional_capabilities_the_job_uses(emulator):
    # The job flushes the label batches and saves the updated cursor only for a
    # transport that is an instance of these protocols.
    transport = gmail_transport(emulator)
    assert isinstance(transport, FlushesBatches)
    assert isinstance(transport, UpdatesReplyCursor)


def test_the_cursor_carries_the_label_id_so_a_rerun_does_not_look_it_up(emulator):
    first = gmail_transport(emulator)
    _, cursor = first.replies_since(None)
    send_chain(first, ["courtesy"])
    first.flush()
    assert emulator.calls["labels.create"] == 1
    cursor = first.updated_cursor(cursor)  # the job saves it when the run ends
    lookups = emulator.calls["labels.list"]
    again = gmail_transport(emulator)
    _, after = again.replies_since(cursor)
    assert after.endswith(cursor[cursor.index(":Label_") :])  # handed on to the next run
    (sent,) = send_chain(again, ["due"], invoice="INV-0043")
    again.flush()
    assert emulator.calls["labels.list"] == lookups  # the cursor said which label
    assert sent.ref in labelled(emulator)
    assert emulator.calls["messages.batchModify"] == 2


def test_a_label_deleted_since_the_last_run_is_made_again(emulator):
    first = gmail_transport(emulator)
    _, cursor = first.replies_since(None)
    send_chain(first, ["courtesy"])
    first.flush()
    cursor = first.updated_cursor(cursor)
    (old,) = [k for k, v in emulator.mailbox.labels.items() if v["name"] == "Tahseel"]
    emulator.mailbox.delete_label(old)
    again = gmail_transport(emulator)
    _, cursor = again.replies_since(cursor)
    (sent,) = send_chain(again, ["due"], invoice="INV-0043")
    again.flush()
    assert labelled(emulator) == {sent.ref}  # under a new label of the same name
    (new,) = [k for k, v in emulator.mailbox.labels.items() if v["name"] == "Tahseel"]
    assert cursor.split(":")[2] == old and again.updated_cursor(cursor).split(":")[2] == new


def test_a_label_found_under_another_name_is_not_used(emulator):
    transport = gmail_transport(emulator)
    _, cursor = transport.replies_since(None)
    send_chain(transport, ["courtesy"])
    transport.flush()
    cursor = transport.updated_cursor(cursor)
    assert cursor.endswith(":Tahseel")
    renamed = gmail_transport(emulator, label="Collections")
    renamed.replies_since(cursor)
    (sent,) = send_chain(renamed, ["due"], invoice="INV-0043")
    renamed.flush()
    assert labelled(emulator, "Collections") == {sent.ref}
    assert sent.ref not in labelled(emulator)


def test_bad_recipient_is_rejected_and_leaves_no_draft(emulator):
    transport = gmail_transport(emulator)
    message = invoice_message("courtesy", [])
    message.replace_header("To", "not-an-address")
    with pytest.raises(SendRejected):
        transport.send(message, thread=None)
    assert emulator.sent() == [] and emulator.mailbox.drafts == {}
    assert emulator.calls["drafts.send"] == 1


ARABIC = "دفعنا الفاتورة أمس، شكرا"


def _reply_raw(sent: Sent, content_type: str, cte: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"From: =?utf-8?b?2YXYrdmF2K8=?= <{CUSTOMER}>\r\nTo: {SENDER}\r\n"
        f"Subject: =?utf-8?b?2LHYrzo=?= Invoice INV-0042\r\nMessage-ID: <ar@x.example>\r\n"
        f"In-Reply-To: {sent.message_id}\r\nReferences: {sent.message_id}\r\n{extra}"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode() + body + b"\r\n"


@pytest.mark.parametrize(
    ("content_type", "cte", "body"),
    [
        ("text/plain; charset=utf-8", "base64", base64.encodebytes(ARABIC.encode())),
        ("text/plain; charset=utf-8", "quoted-printable", quopri.encodestring(ARABIC.encode())),
        (
            "text/plain; charset=windows-1256",
            "quoted-printable",
            quopri.encodestring(ARABIC.encode("cp1256")),
        ),
        ("text/plain; charset=windows-1256", "8bit", ARABIC.encode("cp1256")),
        (
            "text/plain; charset=iso-8859-6",
            "base64",
            base64.encodebytes(ARABIC.encode("iso-8859-6")),
        ),
        (
            "text/html; charset=utf-8",
            "base64",
            base64.encodebytes(f"<div dir=rtl><p>{ARABIC}</p></div>".encode()),
        ),
    ],
    ids=["utf8-b64", "utf8-qp", "cp1256-qp", "cp1256-8bit", "iso8859-6-b64", "html-utf8"],
)
def test_arabic_replies_decode_in_any_charset(emulator, content_type, cte, body):
    transport = gmail_transport(emulator)
    (sent,) = send_chain(transport, ["courtesy"])
    emulator.deliver(_reply_raw(sent, content_type, cte, body))
    (reply,) = transport.replies_since(None)[0]
    assert reply.text.strip() == ARABIC
    assert reply.subject == "رد: Invoice INV-0042"
    # Nearest first: the composed Message-ID, then the one Gmail gave the message.
    assert reply.thread == sent.thread and reply.refers_to[0] == sent.message_id
    assert reply.refers_to[1:] == (emulator.sent()[0].header("Message-ID"),)


def test_auto_replies_and_bounces_are_automatic(emulator):
    transport = gmail_transport(emulator)
    (sent,) = send_chain(transport, ["courtesy"])
    plain = "text/plain; charset=utf-8"
    for extra, mid in [
        ("X-Autoreply: yes\r\n", "a1"),
        ("Precedence: auto_reply\r\n", "a2"),
        ("Auto-Submitted: auto-replied\r\n", "a3"),
        ("", "human"),
    ]:
        raw = _reply_raw(sent, plain, "8bit", b"away", extra).replace(b"<ar@", f"<{mid}@".encode())
        emulator.deliver(raw)
    bounce = (
        f"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nTo: {SENDER}\r\n"
        f"Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <bounce@x.example>\r\n"
        f"References: {sent.message_id}\r\nIn-Reply-To: {sent.message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
        "--BB\r\nContent-Type: text/plain\r\n\r\nAddress not found.\r\n"
        "--BB\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--BB--\r\n"
    ).encode()
    emulator.deliver(bounce)
    marks = {r.message_id: r.automatic for r in transport.replies_since(None)[0]}
    assert marks == {
        "<a1@x.example>": True,
        "<a2@x.example>": True,
        "<a3@x.example>": True,
        "<human@x.example>": False,
        "<bounce@x.example>": True,
    }


# -- cassettes ----------------------------------------------------------------------------
#
# Replayed with record_mode="none". To re-record against the emulator:
#   TAHSEEL_RECORD_CASSETTES=1 .venv/bin/pytest tests/contract/test_gmail_transport.py -k cassette
# and against a real mailbox, `python -m tests.live.record gmail` with
# TAHSEEL_LIVE_GMAIL_TOKEN=<token file> and TAHSEEL_LIVE_GMAIL_TO=<an address you own>
# (it sends two real emails). tests.support.cassettes scrubs what is written.

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "test_gmail_transport"


@contextlib.contextmanager
def gmail_cassette(name: str) -> Iterator[tuple[GmailTransport, str]]:
    """A transport whose traffic replays from (or records into) the cassette ``name``."""
    recording = os.environ.get("TAHSEEL_RECORD_CASSETTES") == "1"
    live_token = os.environ.get("TAHSEEL_LIVE_GMAIL_TOKEN") if recording else None
    with contextlib.ExitStack() as stack:
        base_url: str | None = "http://127.0.0.1:9/"  # replay: nothing listens there
        if recording and live_token is None:
            base_url = stack.enter_context(GmailEmulator(SENDER)).base_url
        elif live_token is not None:
            base_url = None
        # Queries hold the time, and ports differ per run: match on method and path.
        match_on = ("method", "path")
        recorded = cassettes.cassette(CASSETTES, name, recording=recording, match_on=match_on)
        stack.enter_context(recorded)
        options: dict[str, object] = {"base_url": base_url, "retry": FAST_RETRY}
        if live_token is not None:
            options["token_file"] = Path(live_token)
        else:
            options["credentials"] = Credentials(token="cassette")
        yield GmailTransport(**options), os.environ.get("TAHSEEL_LIVE_GMAIL_TO", CUSTOMER)  # type: ignore[arg-type]


def test_cassette_send_a_thread_and_find_it():
    with gmail_cassette("test_cassette_send_a_thread_and_find_it") as (transport, to):
        chain = send_chain(transport, ["courtesy", "due"], to=to)
        assert chain[0].thread == chain[1].thread
        assert transport.find_sent(chain[1].message_id) == chain[1]
        fetched = transport.fetch(chain[1].ref)
        assert fetched["In-Reply-To"] == transport.fetch(chain[0].ref)["Message-ID"]
        assert fetched["X-Tahseel-Stage"] == "due"
        transport.flush()

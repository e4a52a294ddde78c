"""MaildirTransport: the Transport contract, plus what only a Maildir does."""

from __future__ import annotations

import mailbox
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.errors import MailError, SendRejected, TransportUnavailable
from mailer.maildir import MaildirTransport
from mailer.transport import FlushesBatches, Transport, UpdatesReplyCursor
from tests.contract.transport_contract import TransportContract, customer_reply, reminder


class TestMaildirTransport(TransportContract):
    def make_transport(self, tmp_path: Path) -> Transport:
        return MaildirTransport(tmp_path / "mail")

    def deliver_reply(self, transport: Transport, message_bytes: bytes) -> None:
        assert isinstance(transport, MaildirTransport)
        transport.deliver(message_bytes)


def test_layout_is_a_maildir_with_a_sent_folder(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    root = tmp_path / "mail"
    for sub in ("new", "cur", "tmp", ".Sent/new", ".Sent/cur", ".Sent/tmp"):
        assert (root / sub).is_dir()
    key = sent.ref.removeprefix("Sent/")
    (stored,) = os.listdir(root / ".Sent" / "cur")
    assert stored.startswith(key) and stored.endswith(":2,S")
    assert b"\r\n" not in (root / ".Sent" / "cur" / stored).read_bytes()
    assert transport.deliver(b"Subject: hi\n\nbody\n").startswith("INBOX/")
    assert len(os.listdir(root / "new")) == 1


def test_a_maildir_has_no_batched_work_and_no_cursor_to_update(tmp_path: Path) -> None:
    # A send is complete once stored, and the reply cursor holds nothing learnt later.
    transport = MaildirTransport(tmp_path / "mail")
    assert not isinstance(transport, FlushesBatches)
    assert not isinstance(transport, UpdatesReplyCursor)


def test_a_new_instance_finds_what_an_old_one_sent(tmp_path: Path) -> None:
    first = MaildirTransport(tmp_path / "mail")
    opener = first.send(reminder("courtesy"), thread=None)
    follow = first.send(reminder("due", parent=opener), thread=opener.thread)
    again = MaildirTransport(tmp_path / "mail", create=False)
    assert again.find_sent(opener.message_id) == opener
    assert again.find_sent(follow.message_id) == follow
    assert again.find_sent(follow.message_id).thread == opener.message_id  # type: ignore[union-attr]


def test_sent_by_another_process_is_found_after_the_index_was_built(tmp_path: Path) -> None:
    ours = MaildirTransport(tmp_path / "mail")
    assert ours.find_sent("<nothing@x.example>") is None  # builds the index
    theirs = MaildirTransport(tmp_path / "mail")
    sent = theirs.send(reminder(), thread=None)
    assert ours.find_sent(sent.message_id) == sent


def test_sending_the_same_message_id_twice_stores_it_once(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    first = transport.send(reminder(), thread=None)
    second = MaildirTransport(tmp_path / "mail").send(reminder(), thread=None)
    assert first == second
    assert len(os.listdir(tmp_path / "mail" / ".Sent" / "cur")) == 1


def test_a_message_without_message_id_is_rejected(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "no id"
    message.set_content("x")
    with pytest.raises(SendRejected):
        MaildirTransport(tmp_path / "mail").send(message, thread=None)


def test_missing_maildir_without_create_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(TransportUnavailable):
        MaildirTransport(tmp_path / "absent", create=False)


def test_unwritable_maildir_is_unavailable(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    (tmp_path / "mail" / ".Sent" / "tmp").rmdir()
    with pytest.raises(TransportUnavailable):
        transport.send(reminder(), thread=None)


def test_fetch_refuses_bad_refs(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    for ref in ("INBOX/nope", "Sent/nope", "Drafts/x", "nonsense", "INBOX/"):
        with pytest.raises(MailError):
            transport.fetch(ref)


def test_reply_to_a_later_message_resolves_to_the_thread_root(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    opener = transport.send(reminder("courtesy"), thread=None)
    follow = transport.send(reminder("due", parent=opener), thread=opener.thread)
    reply = EmailMessage()
    reply["From"] = "ap@alwaha.example"
    reply["Message-ID"] = "<short@x.example>"
    reply["In-Reply-To"] = follow.message_id  # a client that sends no References
    reply.set_content("ok")
    transport.deliver(reply)
    (found,) = transport.replies_since(None)[0]
    assert found.thread == opener.message_id
    assert found.refers_to == (follow.message_id,)


def test_reply_to_an_unknown_tahseel_id_is_still_a_reply(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    lost = "<tahseel.INV-9.final.0.abcdefabcdef@nakheel.example>"
    raw = (
        f"From: a@b.example\nMessage-ID: <z@b.example>\nIn-Reply-To: {lost}\n"
        f"References: <root@nakheel.example> {lost}\n\nhello\n"
    ).encode()
    transport.deliver(raw)
    (found,) = transport.replies_since(None)[0]
    assert found.refers_to == (lost, "<root@nakheel.example>")
    assert found.thread == "<root@nakheel.example>"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain; charset=x-no-such-charset", "caf\xe9 ok".encode("latin-1"), "caf\ufffd ok"),
        ("text/plain; charset=iso-8859-1", "caf\xe9".encode("latin-1"), "café"),
        ("text/plain; charset=windows-1256", "شكرا".encode("cp1256"), "شكرا"),
        ("text/plain; charset=utf-8", b"bad \xff\xfe bytes", "bad \ufffd\ufffd bytes"),
        ("text/plain", b"no charset", "no charset"),
        (
            "text/html; charset=utf-8",
            b"<html><head><style>p{}</style></head><body><p>Paid &amp; done</p>"
            b"<script>x()</script></body></html>",
            "Paid & done",
        ),
    ],
)
def test_any_charset_decodes(tmp_path: Path, content_type: str, body: bytes, expected: str) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    raw = (
        (
            f"From: a@b.example\nMessage-ID: <c@b.example>\nIn-Reply-To: {sent.message_id}\n"
            f"MIME-Version: 1.0\nContent-Type: {content_type}\n\n"
        ).encode()
        + body
        + b"\n"
    )
    transport.deliver(raw)
    (found,) = transport.replies_since(None)[0]
    assert found.text.strip() == expected


def test_received_at_falls_back_to_the_file_time(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    raw = customer_reply(sent, "hi", message_id="<d@x.example>").replace(
        b"Date: Mon, 31 Mar 2025 12:00:00 +0300", b"Date: someday soon"
    )
    ref = transport.deliver(raw)
    path = next((tmp_path / "mail" / "new").iterdir())
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    (found,) = transport.replies_since(None)[0]
    assert found.ref == ref
    assert found.received_at.timestamp() == 1_700_000_000
    assert found.received_at.tzinfo is not None


def test_cursor_skips_older_files_and_orders_by_time(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    refs = [
        transport.deliver(customer_reply(sent, str(i), message_id=f"<o{i}@x.example>"))
        for i in range(3)
    ]
    times = [3_000, 1_000, 2_000]
    for ref, seconds in zip(refs, times, strict=True):
        path = next(
            p
            for p in (tmp_path / "mail" / "new").iterdir()
            if p.name.startswith(ref.removeprefix("INBOX/"))
        )
        os.utime(path, ns=(seconds * 10**9, seconds * 10**9))
    found, cursor = transport.replies_since(None)
    assert [r.ref for r in found] == [refs[1], refs[2], refs[0]]
    assert cursor == str(3_000 * 10**9)
    later, _ = transport.replies_since(str(2_500 * 10**9))
    assert [r.ref for r in later] == [refs[0]]
    with pytest.raises(MailError):
        transport.replies_since("yesterday")


def test_bounces_and_autoreply_headers_are_automatic(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    transport.deliver(
        customer_reply(sent, "away", message_id="<a1@x.example>", headers={"X-Autoreply": "yes"})
    )
    transport.deliver(
        customer_reply(
            sent, "away", message_id="<a2@x.example>", headers={"Precedence": "auto_reply"}
        )
    )
    bounce = (
        f"From: MAILER-DAEMON@x.example\nMessage-ID: <b@x.example>\n"
        f"References: {sent.message_id}\nMIME-Version: 1.0\n"
        f"Content-Type: multipart/report; report-type=delivery-status; boundary=BB\n\n"
        f"--BB\nContent-Type: text/plain\n\nDelivery failed.\n--BB--\n"
    ).encode()
    transport.deliver(bounce)
    marks = {r.message_id: r.automatic for r in transport.replies_since(None)[0]}
    assert marks == {"<a1@x.example>": True, "<a2@x.example>": True, "<b@x.example>": True}


def test_a_copy_of_our_own_message_in_the_inbox_is_not_a_reply(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    opener = transport.send(reminder("courtesy"), thread=None)
    follow = reminder("due", parent=opener)
    transport.send(follow, thread=opener.thread)
    transport.deliver(follow)  # e.g. the business Bcc'd itself
    assert transport.replies_since(None)[0] == []


def test_a_reply_moved_to_cur_after_the_scan_is_still_read(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "mail")
    sent = transport.send(reminder(), thread=None)
    ref = transport.deliver(customer_reply(sent, "hi", message_id="<m@x.example>"))
    key = ref.removeprefix("INBOX/")
    found = transport._read_reply(key, tmp_path / "mail" / "new" / "gone", 0)
    assert found is not None and found.ref == ref


def test_a_maildir_made_elsewhere_gets_its_sent_folder(tmp_path: Path) -> None:
    mailbox.Maildir(tmp_path / "mail", create=True)  # as a mail fetcher leaves it
    transport = MaildirTransport(tmp_path / "mail", create=False)
    transport.send(reminder(), thread=None)
    assert (tmp_path / "mail" / ".Sent" / "new").is_dir()

"""FileChannel: the local WhatsApp and SMS channel of the demo keeps the Channel contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mailer.channel import Channel, TemplateMessage, TextMessage
from mailer.errors import TransportUnavailable
from mailer.textfile import FileChannel

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def pair(tmp_path):
    files = {"outbox": tmp_path / "t" / "outbox.jsonl", "inbox": tmp_path / "t" / "inbox.jsonl"}
    whatsapp = FileChannel(kind="whatsapp", sender="+966500000001", clock=lambda: AT, **files)
    sms = FileChannel(kind="sms", sender="Nakheel", clock=lambda: AT, **files)
    return whatsapp, sms


def test_it_is_a_channel(tmp_path):
    assert all(isinstance(c, Channel) for c in pair(tmp_path))


def test_sent_messages_are_appended_and_found_again_by_tag_on_their_own_channel(tmp_path):
    whatsapp, sms = pair(tmp_path)
    template = TemplateMessage(
        "+966501234567", "HX1", {"1": "Huda", "2": "INV-1/AB12"}, "INV-1/AB12"
    )
    sent = whatsapp.send(template)
    text = sms.send(TextMessage("+966501234567", "Invoice INV-1/CD34 is due", "INV-1/CD34"))
    assert (sent.segments, text.segments) == (1, 1) and sent.ref != text.ref
    lines = [json.loads(x) for x in whatsapp.outbox.read_text("utf-8").splitlines()]
    assert [(x["channel"], x["tag"]) for x in lines] == [
        ("whatsapp", "INV-1/AB12"),
        ("sms", "INV-1/CD34"),
    ]
    assert whatsapp.find_sent("+966501234567", "INV-1/AB12", AT).ref == sent.ref
    assert whatsapp.find_sent("+966501234567", "INV-1/CD34", AT) is None  # the SMS's
    assert sms.find_sent("+966501234567", "INV-1/CD34", AT).ref == text.ref
    assert sms.find_sent("+966509999999", "INV-1/CD34", AT) is None


def test_a_message_without_its_tag_is_refused_before_anything_is_written(tmp_path):
    whatsapp, sms = pair(tmp_path)
    with pytest.raises(ValueError, match="tag"):
        sms.send(TextMessage("+966501234567", "no tag here", "INV-1/AB12"))
    with pytest.raises(ValueError, match="WhatsApp only"):
        sms.send(TemplateMessage("+966501234567", "HX1", {"1": "INV-1/AB12"}, "INV-1/AB12"))
    assert not whatsapp.outbox.exists()


def test_inbound_is_read_per_channel_since_a_moment_oldest_first(tmp_path):
    whatsapp, sms = pair(tmp_path)
    whatsapp.inbox.parent.mkdir(parents=True)
    rows = [
        {"channel": "whatsapp", "from": "whatsapp:+966501234567", "text": "later",
         "received_at": (AT + timedelta(hours=2)).isoformat()},
        {"channel": "whatsapp", "from": "+966501234567", "text": "first",
         "received_at": (AT + timedelta(hours=1)).isoformat()},
        {"channel": "whatsapp", "from": "+966501234567", "text": "old",
         "received_at": (AT - timedelta(hours=1)).isoformat()},
        {"channel": "sms", "from": "+966501234567", "text": "by sms",
         "received_at": AT.isoformat()},
    ]  # fmt: skip
    whatsapp.inbox.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    found = whatsapp.inbound_since(AT)
    assert [(m.text, m.sender, m.channel) for m in found] == [
        ("first", "+966501234567", "whatsapp"),
        ("later", "+966501234567", "whatsapp"),
    ]
    assert found == whatsapp.inbound_since(AT)  # the same refs on every read
    assert [m.text for m in sms.inbound_since(AT)] == ["by sms"]


def test_a_broken_inbox_line_names_file_and_line(tmp_path):
    whatsapp, _ = pair(tmp_path)
    whatsapp.inbox.parent.mkdir(parents=True)
    whatsapp.inbox.write_text('{"channel": "sms"}\n{not json\n', "utf-8")
    with pytest.raises(TransportUnavailable, match=r"inbox.jsonl:2: not a JSON object"):
        whatsapp.inbound_since(AT)


def test_an_inbox_message_without_its_moment_is_named(tmp_path):
    whatsapp, _ = pair(tmp_path)
    whatsapp.inbox.parent.mkdir(parents=True)
    whatsapp.inbox.write_text('{"channel": "whatsapp", "from": "+966501234567"}\n', "utf-8")
    with pytest.raises(
        TransportUnavailable, match=r"message 1: needs \"from\" and \"received_at\""
    ):
        whatsapp.inbound_since(AT)

"""TwilioChannel reads through the real twilio SDK: inbound messages, paging, pacing and
the preflight of account, sender and WhatsApp Content templates."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from mailer.channel import TextMessage
from mailer.errors import MailAuthError
from mailer.twilio import RetryPolicy, TwilioChannel
from mailer.twilio.calls import RATES, sender_kind
from tests.contract.twilio_support import (
    ALPHA_SENDER,
    CUSTOMER,
    SMS_SENDER,
    START,
    WHATSAPP_SENDER,
    FakeClock,
    channel,
    running_emulator,
)
from tests.emulators.twilio import Fault, TwilioEmulator

UK = "+447911123456"


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    yield from running_emulator()


def test_inbound_since_a_moment_oldest_first_and_only_inbound(emulator):
    sms = channel(emulator)
    emulator.receive(UK, "old")
    emulator.advance(timedelta(hours=2))
    since = emulator.now()
    sms.send(TextMessage(UK, "Ref R-1", "R-1"))
    emulator.receive(UK, "I will pay on Sunday")
    emulator.advance(timedelta(minutes=5))
    emulator.receive("+447911123457", "Which invoice?")
    found = sms.inbound_since(since)
    assert [(m.sender, m.text) for m in found] == [
        (UK, "I will pay on Sunday"),
        ("+447911123457", "Which invoice?"),
    ]
    assert all(m.channel == "sms" and m.received_at >= since.replace(microsecond=0) for m in found)
    # The same listing again gives the same refs: a caller dedupes across runs by ref.
    assert [m.ref for m in sms.inbound_since(since)] == [m.ref for m in found]


def test_whatsapp_inbound_comes_without_the_prefix(emulator):
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    emulator.receive(CUSTOMER, "لم تصلني الفاتورة", sender=WHATSAPP_SENDER)
    emulator.receive(UK, "sms, not whatsapp")
    found = whatsapp.inbound_since(START)
    assert [(m.sender, m.text, m.channel) for m in found] == [
        (CUSTOMER, "لم تصلني الفاتورة", "whatsapp")
    ]


def test_a_listing_follows_next_pages_and_a_failed_page_is_read_again(emulator):
    sms = channel(emulator)
    for n in range(130):
        emulator.receive(UK, f"message {n}")
    emulator.faults.append(Fault("503", at=frozenset({2})))  # the second page
    found = sms.inbound_since(START)
    assert len(found) == 130 and len({m.ref for m in found}) == 130
    # Page 1, page 2 refused, then both pages again.
    assert emulator.calls["messages.list"] == 4


def test_a_page_above_twilio_s_maximum_is_refused(emulator):
    # Trap 4: list(limit=5000) sends PageSize=5000; Twilio allows 1,000.
    client = channel(emulator).client
    with pytest.raises(Exception, match="PageSize must be 1 to 1000"):
        client.messages.list(limit=5000)


def test_a_long_code_is_paced_one_segment_a_second():
    clock = FakeClock()
    with TwilioEmulator((SMS_SENDER,)) as emulator:
        sms = channel(emulator, clock=clock, per_second=RATES["long_code"])
        for n in range(3):
            sms.send(TextMessage(UK, f"Ref R-{n}", f"R-{n}"))
        assert clock.slept == [1.0, 1.0]
        # A three-segment text holds the sender three seconds.
        sms.send(TextMessage(UK, "a" * 400 + " R-9", "R-9"))
        sms.send(TextMessage(UK, "Ref R-10", "R-10"))
    assert clock.slept == [1.0, 1.0, 1.0, 3.0]


def test_default_rates_follow_the_sender_kind(emulator):
    assert [sender_kind(s) for s in (SMS_SENDER, ALPHA_SENDER, WHATSAPP_SENDER, "72345")] == [
        "long_code",
        "alphanumeric",
        "whatsapp",
        "short_code",
    ]
    client = channel(emulator).client
    assert TwilioChannel(client, kind="sms", sender=SMS_SENDER).pacer.interval == 1.0
    assert TwilioChannel(client, kind="sms", sender=ALPHA_SENDER).pacer.interval == 0.1
    whatsapp = TwilioChannel(client, kind="whatsapp", sender=WHATSAPP_SENDER)
    assert whatsapp.pacer.interval == 1 / 80
    assert TwilioChannel(client, kind="sms", sender=SMS_SENDER, per_second=4).pacer.interval == 0.25


def test_preflight_passes_an_account_its_number_and_approved_templates(emulator):
    en = emulator.add_template("Dear {{1}}", language="en")
    ar = emulator.add_template("عزيزي {{1}}", language="ar")
    result = channel(emulator, "whatsapp", WHATSAPP_SENDER).preflight(
        {"reminder/en": en.sid, "reminder/ar": ar.sid}
    )
    assert result.ok, result.problems
    assert f"template {ar.sid} (reminder/ar) is approved for WhatsApp" in result.checked
    assert channel(emulator).preflight().ok
    assert channel(emulator, sender=ALPHA_SENDER).preflight().ok


def test_preflight_says_what_is_wrong_with_each_template(emulator):
    pending = emulator.add_template("Dear {{1}}", approval="pending")
    rejected = emulator.add_template("Dear {{1}}", language="ar", approval="rejected")
    rejected.rejection_reason = "promotional wording"
    never = emulator.add_template("Dear {{1}}", approval=None)
    english = emulator.add_template("Dear {{1}}", language="en")
    mapping = {
        "reminder/en": pending.sid,
        "due/ar": rejected.sid,
        "final/en": never.sid,
        "courtesy/ar": english.sid,
        "thanks/en": "HX" + "0" * 32,
        "late/en": "MG123",
    }
    result = channel(emulator, "whatsapp", WHATSAPP_SENDER).preflight(mapping)
    problems = {p.where.split(" (")[1].rstrip(")"): f"{p.what}. {p.fix}" for p in result.problems}
    assert list(problems) == list(mapping)
    assert "WhatsApp approval is pending" in problems["reminder/en"]
    assert "is rejected (promotional wording)" in problems["due/ar"]
    assert "Submit it for WhatsApp approval" in problems["final/en"]
    assert "in 'en', mapped for 'ar'" in problems["courtesy/ar"]
    assert "no such Content template" in problems["thanks/en"]
    assert "starts with HX" in problems["late/en"]


def test_preflight_finds_a_number_that_is_not_the_account_s(emulator):
    result = channel(emulator, sender="+15005550007").preflight()
    assert [str(p) for p in result.problems] == [
        "sms sender +15005550007: the number is not one of this Twilio account's numbers. "
        "Buy or port it in Twilio Console, or correct the sender in the settings."
    ]
    bad = channel(emulator, sender="TOO LONG NAME1").preflight()
    assert "1 to 11 letters" in bad.problems[0].what


def test_preflight_with_wrong_credentials_aborts(emulator):
    sms = channel(emulator)
    sms.client.password = "wrong"
    sms.client.auth = (sms.client.username, "wrong")
    with pytest.raises(MailAuthError, match="accounts.fetch: HTTP 401"):
        sms.preflight()


def test_an_approval_request_moves_a_template_to_received(emulator):
    template = emulator.add_template("Dear {{1}}", approval=None)
    client = channel(emulator).client
    client.content.v1.contents(template.sid).approval_create.create(
        _approval_request("payment_reminder_v2", "MARKETING")
    )
    status = client.content.v1.contents(template.sid).approval_fetch().fetch()
    assert status.whatsapp["status"] == "received"
    assert (status.whatsapp["name"], status.whatsapp["category"]) == (
        "payment_reminder_v2",
        "MARKETING",
    )


def _approval_request(name: str, category: str):
    from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

    return ApprovalCreateList.ContentApprovalRequest({"name": name, "category": category})


def test_concurrent_sends_over_the_account_limit_are_retried_and_sent_once():
    # 429/20429 means too many requests at once and nothing processed [3]: retried.
    from concurrent.futures import ThreadPoolExecutor

    with TwilioEmulator((SMS_SENDER,), concurrent=1) as emulator:
        sms = channel(emulator)
        sms.caller.retry = RetryPolicy(attempts=50, initial_wait=0.001, max_wait=0.01)
        sms.caller._sleep = time.sleep
        messages = [TextMessage(UK, f"Ref R-{n}", f"R-{n}") for n in range(12)]
        with ThreadPoolExecutor(6) as pool:
            sent = list(pool.map(sms.send, messages))
        assert len({s.ref for s in sent}) == 12
        assert sorted(m.body for m in emulator.sent()) == sorted(m.body for m in messages)
        assert emulator.max_in_flight == 1
        assert emulator.limit_429s["concurrent"] == sms.caller.retries

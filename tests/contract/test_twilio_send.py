"""TwilioChannel sending through the real twilio SDK against the loopback emulator.

Sends, settling uncertain sends by listing (each fault kind), safe retries, credentials,
and Twilio's refusals turned into errors that say what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from twilio.base.exceptions import TwilioRestException

from mailer.channel import (
    Channel,
    MessageRejected,
    RecipientOptedOut,
    TemplateMessage,
    TextMessage,
)
from mailer.errors import MailAuthError, SendOutcomeUnknown, TransportUnavailable
from mailer.twilio import TwilioCredentials, build_client
from mailer.twilio.errors import describe_failure
from tests.contract.twilio_support import (
    ALPHA_SENDER,
    CUSTOMER,
    START,
    WHATSAPP_SENDER,
    channel,
    running_emulator,
)
from tests.emulators.twilio import Fault, TwilioEmulator


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    yield from running_emulator()


def reminder(tag: str = "R-0042-1", to: str = CUSTOMER) -> TextMessage:
    return TextMessage(to, f"Invoice INV-0042 of SAR 1,150.00 is due. Ref {tag}", tag)


def test_a_channel_has_the_protocol_shape(emulator):
    sms = channel(emulator)
    assert isinstance(sms, Channel)
    assert (sms.kind, sms.sender) == ("sms", "+15005550006")


def test_send_then_find_it_by_tag(emulator):
    sms = channel(emulator)
    sent = sms.send(reminder())
    assert sent.ref.startswith("SM") and sent.to == CUSTOMER and sent.segments == 1
    found = sms.find_sent(CUSTOMER, "R-0042-1", START)
    assert found is not None and found.ref == sent.ref and found.status == "sent"
    assert sms.find_sent(CUSTOMER, "R-0042-2", START) is None
    assert sms.find_sent("+966501234568", "R-0042-1", START) is None
    assert [m.body for m in emulator.sent()] == [reminder().body]


def test_an_alphanumeric_sender_and_api_key_credentials(emulator):
    sms = channel(emulator, sender=ALPHA_SENDER, api_key=True)
    sms.send(reminder())
    assert emulator.sent()[0].from_ == ALPHA_SENDER


@pytest.mark.parametrize(
    ("kind", "act_first", "settled"),
    [
        ("500", True, True),
        ("500", False, False),
        ("503", True, True),
        ("timeout", True, True),
        ("timeout", False, False),
        ("drop", True, True),
        ("drop", False, False),
    ],
)
def test_an_uncertain_send_is_never_repeated_and_is_settled_by_listing(
    emulator, kind, act_first, settled
):
    sms = channel(emulator, timeout=0.3)
    emulator.faults.append(Fault(kind, at=frozenset({1}), act_first=act_first))
    with pytest.raises(SendOutcomeUnknown) as caught:
        sms.send(reminder())
    assert caught.value.disposition == "reconcile"
    assert emulator.calls["messages.create"] == 1  # not retried
    emulator.faults.clear()
    found = sms.find_sent(CUSTOMER, "R-0042-1", START)
    assert (found is not None) is settled
    assert len(emulator.sent()) == (1 if settled else 0)


def test_a_429_on_create_was_not_processed_so_it_is_retried(emulator):
    sms = channel(emulator)
    emulator.faults.append(Fault("429", at=frozenset({1})))
    sms.send(reminder())
    assert emulator.calls["messages.create"] == 2
    assert len(emulator.sent()) == 1 and sms.caller.retries == 1


def test_a_queued_message_without_date_sent_is_still_found(emulator):
    # Queued messages have no date_sent yet, so a DateSent> listing misses them
    # (reference, Idempotency): the newest rows to the number are read as well.
    emulator.account.hold_queued = True
    sms = channel(emulator)
    sms.send(reminder())
    dated = sms.client.messages.list(to=CUSTOMER, date_sent_after=START - timedelta(days=1))
    assert dated == []
    found = sms.find_sent(CUSTOMER, "R-0042-1", START)
    assert found is not None and found.status == "queued" and found.sent_at is None


def test_settling_reads_from_a_day_before_since(emulator):
    # DateSent> is read as a date (trap 3): a message Twilio dated the day before
    # `since` (clocks apart around midnight UTC) is found because the listing starts a
    # day earlier, even when newer messages push it out of the newest 20.
    sms = channel(emulator)
    sms.send(reminder())
    for n in range(25):
        sms.send(reminder(f"R-OTHER-{n}"))
    next_day = emulator.now() + timedelta(hours=20)
    assert next_day.date() != emulator.now().date()
    assert sms.find_sent(CUSTOMER, "R-0042-1", next_day) is not None


def test_wrong_credentials_abort_with_what_to_check(emulator):
    client = build_client(
        TwilioCredentials(),
        api_url=emulator.api_url,
        environ={"TWILIO_ACCOUNT_SID": "AC" + "a" * 32, "TWILIO_AUTH_TOKEN": "wrong"},
    )
    sms = channel(emulator)
    sms.client = client
    with pytest.raises(MailAuthError, match="HTTP 401 \\(code 20003\\).*variables named"):
        sms.send(reminder())
    assert emulator.sent() == []


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({}, "TWILIO_ACCOUNT_SID is not set"),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN is not set"),
        ({"TWILIO_ACCOUNT_SID": "123", "TWILIO_AUTH_TOKEN": "x"}, "should start with AC"),
    ],
)
def test_missing_credentials_name_the_variable(environ, words):
    with pytest.raises(MailAuthError, match=words):
        build_client(TwilioCredentials(), environ=environ)


def test_stop_opts_the_number_out_and_start_back_in(emulator):
    sms = channel(emulator)
    emulator.receive("+447911123456", "Stop")
    with pytest.raises(RecipientOptedOut) as caught:
        sms.send(reminder(to="+447911123456"))
    error = caught.value
    assert (error.code, error.number, error.disposition) == (21610, "+447911123456", "skip")
    assert "opted out" in str(error) and "Record the opt-out" in str(error)
    emulator.receive("+447911123456", "START")
    sms.send(reminder(to="+447911123456"))


def test_arabic_stop_is_not_a_twilio_keyword(emulator):
    # Arabic keywords need Advanced Opt-Out [20]: Twilio delivers "إيقاف" as a message,
    # and the send after it goes through, so Tahseel must keep its own opt-out list.
    sms = channel(emulator)
    emulator.receive("+447911123456", "إيقاف")
    sms.send(reminder(to="+447911123456"))


def test_saudi_customers_cannot_answer_by_sms(emulator):
    with pytest.raises(ValueError, match="two-way SMS is not supported"):
        emulator.receive(CUSTOMER, "STOP")


@pytest.mark.parametrize(
    ("to", "code", "advice"),
    [
        ("+9665", 21211, "Correct the customer's phone number"),
        ("+15005550009", 21614, "Add a mobile number"),
        ("+15005550003", 21408, "Geo permissions"),
    ],
)
def test_refusals_carry_the_code_and_what_to_do(emulator, to, code, advice):
    with pytest.raises(MessageRejected) as caught:
        channel(emulator).send(reminder(to=to))
    assert caught.value.code == code and advice in str(caught.value)
    assert f"to {to}, code {code}" in str(caught.value)


def test_a_landline_is_refused_with_21614(emulator):
    emulator.account.landlines.add("+966112345678")
    with pytest.raises(MessageRejected, match="cannot receive SMS"):
        channel(emulator).send(reminder(to="+966112345678"))


def test_whatsapp_free_form_outside_the_window_fails_63016(emulator):
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    sent = whatsapp.send(reminder())
    assert sent.status == "queued"  # accepted, then failed [6]
    failed = whatsapp.fetch(sent.ref)
    assert failed.failed and failed.error_code == 63016
    assert "Send an approved Content template" in describe_failure(failed.error_code)


def test_whatsapp_free_form_inside_the_window_is_sent(emulator):
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    emulator.receive(CUSTOMER, "I did not get the invoice", sender=WHATSAPP_SENDER)
    sent = whatsapp.send(reminder())
    assert not whatsapp.fetch(sent.ref).failed
    emulator.advance(timedelta(hours=25))
    late = whatsapp.send(reminder("R-0042-2"))
    assert whatsapp.fetch(late.ref).error_code == 63016


def test_a_template_send_carries_json_variables_and_is_found_by_tag(emulator):
    template = emulator.add_template("Dear {{1}}, invoice {{2}} is due.", language="ar")
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    message = TemplateMessage(CUSTOMER, template.sid, {"1": "هدى", "2": "INV-0042 R-7"}, "R-7")
    sent = whatsapp.send(message)
    assert emulator.sent()[0].content_sid == template.sid
    assert emulator.sent()[0].to == f"whatsapp:{CUSTOMER}"
    found = whatsapp.find_sent(CUSTOMER, "R-7", START)
    assert found is not None and found.ref == sent.ref and not found.failed
    assert found.body == "Dear هدى, invoice INV-0042 R-7 is due."


def test_a_dict_of_variables_is_refused_as_twilio_would(emulator):
    # Trap 2: the SDK sends a dict's keys, not JSON; the channel json.dumps it.
    template = emulator.add_template("Dear {{1}}")
    client = channel(emulator, "whatsapp", WHATSAPP_SENDER).client
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(
            to=f"whatsapp:{CUSTOMER}",
            from_=WHATSAPP_SENDER,
            content_sid=template.sid,
            content_variables={"1": "Huda"},
        )
    assert caught.value.code == 21656


def test_an_unapproved_template_fails_and_an_unknown_one_is_refused(emulator):
    pending = emulator.add_template("Dear {{1}} R", approval="pending")
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    sent = whatsapp.send(TemplateMessage(CUSTOMER, pending.sid, {"1": "R-1"}, "R-1"))
    assert whatsapp.fetch(sent.ref).error_code == 63016
    with pytest.raises(MessageRejected) as caught:
        whatsapp.send(TemplateMessage(CUSTOMER, "HX" + "0" * 32, {"1": "R-2"}, "R-2"))
    assert caught.value.code == 21655


def test_a_tag_the_customer_cannot_see_is_refused_before_sending(emulator):
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    with pytest.raises(ValueError, match="in none of the variables"):
        whatsapp.send(TemplateMessage(CUSTOMER, "HX1", {"1": "Huda"}, "R-9"))
    with pytest.raises(ValueError, match="not in the text"):
        channel(emulator).send(TextMessage(CUSTOMER, "no reference", "R-9"))
    with pytest.raises(ValueError, match="WhatsApp only"):
        channel(emulator).send(TemplateMessage(CUSTOMER, "HX1", {"1": "R-9"}, "R-9"))
    assert emulator.requests == 0


def test_reads_are_retried_on_5xx_and_give_up_as_unavailable(emulator: TwilioEmulator):
    sms = channel(emulator)
    sms.send(reminder())
    emulator.faults.append(Fault("503", at=frozenset({2})))
    assert sms.find_sent(CUSTOMER, "R-0042-1", START) is not None
    emulator.faults.append(Fault("500", probability=1.0))
    with pytest.raises(TransportUnavailable):
        sms.find_sent(CUSTOMER, "R-0042-1", START)


def test_a_refused_connection_sent_nothing_so_a_create_is_retried():
    # Nothing listens on port 9: no byte of the request left, so retrying is safe.
    client = build_client(
        TwilioCredentials(),
        api_url="http://127.0.0.1:9",
        environ={"TWILIO_ACCOUNT_SID": "AC" + "a" * 32, "TWILIO_AUTH_TOKEN": "x"},
    )
    with TwilioEmulator() as idle:
        sms = channel(idle)
    sms.client = client
    with pytest.raises(TransportUnavailable, match="messages.create: could not connect"):
        sms.send(reminder())
    assert sms.caller.retries == 2


def test_the_whatsapp_messaging_limit_fails_new_customers_with_63018(emulator):
    emulator.account.whatsapp_limit = 2
    template = emulator.add_template("Dear {{1}}")
    whatsapp = channel(emulator, "whatsapp", WHATSAPP_SENDER)
    customers = ["+966501234561", "+966501234562", "+966501234563"]
    refs = [
        whatsapp.send(TemplateMessage(to, template.sid, {"1": f"R-{n}"}, f"R-{n}")).ref
        for n, to in enumerate(customers)
    ]
    # A customer already reached today may be messaged again.
    again = whatsapp.send(TemplateMessage(customers[0], template.sid, {"1": "R-9"}, "R-9"))
    codes = [whatsapp.fetch(ref).error_code for ref in [*refs, again.ref]]
    assert codes == [None, None, 63018, None]
    assert "messaging limit" in describe_failure(63018)


def test_settling_reads_only_the_pages_it_needs(emulator):
    sms = channel(emulator)
    for n in range(130):
        sms.send(reminder(f"R-OLD-{n}"))
    sms.send(reminder())
    assert sms.find_sent(CUSTOMER, "R-0042-1", START) is not None
    assert emulator.calls["messages.list"] == 1  # newest first: found on the first page
    assert sms.find_sent(CUSTOMER, "R-NEVER", START) is None
    # Every page of the day (two), then the newest 20.
    assert emulator.calls["messages.list"] == 1 + 2 + 1

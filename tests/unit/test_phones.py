"""Phone numbers to E.164 with phonenumbers, and reasons for the ones that cannot be used."""

from __future__ import annotations

import pytest

from mailer.phones import normalise


@pytest.mark.parametrize(
    "raw",
    [
        "0501234567",
        "050 123 4567",
        "+966501234567",
        "00966501234567",
        "966501234567",
        "٠٥٠١٢٣٤٥٦٧",
        "+966 50-123-4567",
    ],
)
def test_saudi_mobiles_in_any_writing_become_e164(raw):
    number = normalise(raw, "SA", needs_sms=True)
    assert number.ok, number.reason
    assert (number.e164, number.kind) == ("+966501234567", "mobile")


def test_a_foreign_number_keeps_its_country():
    number = normalise("+44 7911 123456", "SA")
    assert number.e164 == "+447911123456"


def test_a_landline_is_refused_for_sms_naming_its_type():
    number = normalise("011 234 5678", "SA", needs_sms=True)
    assert not number.ok and number.e164 is None
    assert number.kind == "fixed_line"
    assert "+966112345678 is a fixed line number and cannot receive SMS" in number.reason
    assert "mobile number" in number.reason
    # For WhatsApp the number plan does not decide: the landline is kept.
    assert normalise("011 234 5678", "SA").e164 == "+966112345678"


def test_twilio_test_number_is_textable():
    # Trap 9 of the reference: +15005550006 is not MOBILE; a MOBILE-only check refuses it.
    assert normalise("+15005550006", "SA", needs_sms=True).ok


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "no phone number"),
        ("call me", "is not a phone number"),
        ("12", "wrong number of digits for SA"),
        ("0521234567", "is not a number in use in SA"),
    ],
)
def test_unusable_numbers_say_why(raw, words):
    number = normalise(raw, "SA")
    assert not number.ok and number.e164 is None
    assert words in number.reason

"""The confidence score and the floor below which a person reads the reply."""

from __future__ import annotations

from datetime import date

import pytest

from sync.replies.promises import writer_day
from sync.replies.understanding import Intent, settle, understand

RECEIVED = date(2026, 11, 23)


def test_a_plain_phrase_scores_higher_than_one_that_pulls_both_ways():
    plain = understand("Please resend the invoice.", received=RECEIVED)
    torn = understand("We paid it but the amount is wrong, please resend.", received=RECEIVED)
    assert plain.intent is Intent.INVOICE_NOT_RECEIVED and torn.intent is Intent.DISPUTE
    assert 0 < torn.score < plain.score <= 1


def test_a_question_scores_lower_than_a_statement():
    said = understand("We paid it last week.", received=RECEIVED)
    asked = understand("Have you received our payment?", received=RECEIVED)
    assert said.intent is asked.intent is Intent.ALREADY_PAID
    assert asked.score < said.score


def test_headers_make_an_auto_reply_surer_than_its_words():
    text = "I am out of the office until Monday."
    by_words = understand(text, received=RECEIVED)
    by_headers = understand(text, received=RECEIVED, headers={"Auto-Submitted": "auto-replied"})
    assert by_words.intent is by_headers.intent is Intent.AUTO_REPLY
    assert by_words.score < by_headers.score


def test_below_the_floor_the_intent_is_other_and_the_guess_is_kept():
    meant = understand("We paid it but the amount is wrong.", received=RECEIVED)
    settled = settle(meant, meant.score + 0.01)
    assert settled.intent is Intent.OTHER and settled.promised_date is None
    assert "read as dispute" in settled.doubt and f"{meant.score:.2f}" in settled.doubt
    assert "replies.min_confidence" in settled.doubt
    assert settle(meant, meant.score) is meant


def test_other_is_never_changed():
    meant = understand("What is your IBAN?", received=RECEIVED)
    assert settle(meant, 1.0) is meant and not meant.doubt


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2026-12-02", date(2026, 12, 2)),
        ("2026-12-02T23:30:00+04:00", date(2026, 12, 2)),
        ("2026-12-02T23:30:00Z", date(2026, 12, 2)),
        ("2026-12-02T00:30:00-05:00", date(2026, 12, 2)),
        ("Wed, 2 Dec 2026 23:30:00 +0400", date(2026, 12, 2)),
        ("2 Dec 2026 01:10:00 -0800", date(2026, 12, 2)),
        ("Wed, 02 Dec 2026 10:00:00 GMT", date(2026, 12, 2)),
    ],
)
def test_the_day_is_read_in_the_writers_own_zone(written, day):
    assert writer_day(written) == day


@pytest.mark.parametrize("written", ["yesterday", "2026-13-01", "", "Wed, 2 Dec"])
def test_a_date_that_cannot_be_read_says_what_is_expected(written):
    with pytest.raises(ValueError, match="Date header"):
        writer_day(written)


def test_next_weekday_written_on_that_weekday_is_a_week_later():
    wednesday = writer_day("Wed, 2 Dec 2026 09:00:00 +0300")
    result = understand("We will pay next Wednesday.", received=wednesday)
    assert result.promised_date == date(2026, 12, 9)


@pytest.mark.parametrize("text", ["We will pay after tomorrow.", "سندفع بعد بكرة"])
def test_after_tomorrow_counts_from_the_writers_day(text):
    # 00:30 on the 2nd in Dubai is still the 1st in UTC; 23:30 on the 2nd in New York
    # is already the 3rd in UTC: the day is the writer's, not UTC's
    for written in ("2026-12-02T00:30:00+04:00", "Wed, 2 Dec 2026 23:30:00 -0500"):
        day = writer_day(written)
        assert understand(text, received=day).promised_date == date(2026, 12, 4)


def test_words_of_someone_away_yield_to_what_a_person_asks():
    away = understand("I am out of the office until Monday.", received=RECEIVED)
    assert away.intent is Intent.AUTO_REPLY
    both = understand("I am out of the office today, but I've paid it already.", received=RECEIVED)
    assert both.intent is Intent.ALREADY_PAID and Intent.AUTO_REPLY in both.also
    assert both.score < understand("I've paid it already.", received=RECEIVED).score
    machine = understand(
        "This mailbox is not monitored. Please send invoices to the supplier portal.",
        received=RECEIVED,
    )
    assert machine.intent is Intent.AUTO_REPLY


def test_a_reply_about_two_invoices_is_less_sure():
    one = understand("We will pay INV-1043 on Friday.", received=RECEIVED)
    two = understand("We paid INV-1040; INV-1043 will be paid on Friday.", received=RECEIVED)
    assert two.score < one.score
    assert settle(two, 0.8).intent is Intent.OTHER


def test_another_paper_named_makes_a_request_less_sure():
    plain = understand("Please resend the invoice.", received=RECEIVED)
    papers = understand("Please resend the invoice and the statement.", received=RECEIVED)
    assert plain.intent is papers.intent is Intent.INVOICE_NOT_RECEIVED
    assert papers.score < plain.score


FLOOR = 0.8  # replies.min_confidence's default


@pytest.mark.parametrize(
    ("weak", "sure"),
    [
        # one word decides ("resend"), against a phrase that says it all
        ("Resend.", "We never received the invoice."),
        # "never received" with a promise: the resend is often not what is meant
        (
            "We did not receive the invoice; we will pay on Friday.",
            "We did not receive the invoice.",
        ),
        # a promise whose day is a guess
        ("Payment will be made in 3 days or so.", "Payment will be made in 3 days."),
        # a helpdesk's wording that no rule for machines caught
        (
            "Thank you for your email. Please resend the invoice within 3 working days.",
            "Please resend the invoice.",
        ),
    ],
)
def test_readings_that_were_often_wrong_on_unseen_mail_fall_below_the_floor(weak, sure):
    doubtful = understand(weak, received=RECEIVED)
    certain = understand(sure, received=RECEIVED)
    assert doubtful.intent is certain.intent
    assert doubtful.score < FLOOR <= certain.score
    assert settle(doubtful, FLOOR).intent is Intent.OTHER

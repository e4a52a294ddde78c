"""Intents and dates said indirectly: the kinds of wording of the fourth batch of replies.

The sentences here are written for these tests in the manner of that batch, not copied
from it: a rule that only knew the corpus's sentences would fail them.
"""

from __future__ import annotations

from datetime import date

import pytest

from sync.replies.calendar_words import spell_out_days
from sync.replies.promises import promised_date
from sync.replies.text import normalise, own_words, subject_words
from sync.replies.understanding import Intent, settle, understand

RECEIVED = date(2026, 11, 23)  # a Monday
SUBJECT = "Re: Reminder: invoice INV-1043 from Gulf Line Logistics"


def read(text: str, subject: str = SUBJECT) -> tuple[Intent, date | None]:
    found = understand(text, subject=subject, received=RECEIVED)
    return found.intent, found.promised_date


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # disputes as complaints, requests for a discount or a correction
        ("Honestly the print quality was disappointing, half the flyers are unusable.", "dispute"),
        ("Is there any room for a reduction? The crew turned up three days late.", "dispute"),
        ("This is higher than the quote you sent in May, what's the extra 400 for?", "dispute"),
        ("Please deduct the late delivery penalty and reissue it for the net amount.", "dispute"),
        ("The installation phase isn't finished yet, so we can't take this one.", "dispute"),
        ("We haven't received the replacement parts listed on this invoice.", "dispute"),
        ("الفاتورة على السعر القديم، صححوها لو سمحتم", "dispute"),
        ("حاسبينا على خمس ساعات والفني جلس ساعتين بس", "dispute"),
        ("هذي الطلبية مو منا، شيكوا على العميل", "dispute"),
        ("الرسوم الإضافية مش متفق عليها في العقد", "dispute"),
        # promises as arrangements, Arabic passive forms, a time and "God willing"
        ("I've put it into the batch for the 30th.", "promise_to_pay"),
        ("Our payment runs are on Thursdays, you'll be in this one.", "promise_to_pay"),
        ("بداية الشهر الجاي تنحول إن شاء الله", "promise_to_pay"),
        ("الخميس يتم التحويل بإذن الله", "promise_to_pay"),
        ("Friday inshallah", "promise_to_pay"),
        ("تم إدراج الفاتورة ضمن مدفوعات الأسبوع القادم", "promise_to_pay"),
        ("بكرة أول ما أوصل المكتب أحولها", "promise_to_pay"),
        # claims of payment as records, offsets and transfers in other words
        ("Our ledger shows this invoice as settled on 2 November.", "already_paid"),
        ("A payment of AED 4,000 was remitted to your account on the 12th.", "already_paid"),
        ("This was set off against your credit note CN-220 in October.", "already_paid"),
        ("الفلوس اتحولت لكم من يوم الخميس", "already_paid"),
        ("المبلغ انخصم من الرصيد الدائن اللي عندكم", "already_paid"),
        # not received: untraceable, deleted, another customer's file
        ("Kindly share a copy of the invoice, it is not traceable here.", "invoice_not_received"),
        ("مسحت الإيميل بالغلط، ممكن نسخة ثانية؟", "invoice_not_received"),
        ("بحثنا في البريد ولم نعثر على الفاتورة", "invoice_not_received"),
        # plans: percentages on dates, post-dated cheques, hardship in other words
        ("We propose 50% on the 1st and 50% on the 15th.", "payment_plan"),
        ("نقدر نعطيكم شيكات مؤجلة على ثلاث أشهر", "payment_plan"),
        ("Due to financial constraints, may we have until the 15th to pay?", "payment_plan"),
        # machines: helpdesks and public bodies in Arabic, phone focus modes, receipts
        ("تم استلام طلبكم رقم ٤٤١٢ وتوجيهه للإدارة المختصة", "auto_reply"),
        ("هذا البريد مرسل آلياً، يرجى عدم الرد", "auto_reply"),
        ("Thank you for writing to Blue Dhow! We'll get back to you within a day.", "auto_reply"),
        ("I have notifications silenced with Focus. I'll see your message later.", "auto_reply"),
        # words of payment that are not a claim nor a promise
        ("Can you confirm the amount includes the discount we discussed?", "other"),
        ("هل في خصم لو دفعنا قبل نهاية الشهر؟", "other"),
        ("سأقوم بتحويل رسالتكم إلى قسم المالية", "other"),
        ("Please note all correspondence should be addressed to our new office.", "other"),
    ],
)
def test_intents_said_indirectly(text, intent):
    assert read(text)[0].value == intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We'll pay on Thursday 3 December.", date(2026, 12, 3)),
        ("Transfer goes out Tues 1st December.", date(2026, 12, 1)),
        ("إن شاء الله يوم الأحد ٦ ديسمبر تكون عندكم", date(2026, 12, 6)),
        ("The treasury releases it on Friday the 27th.", date(2026, 11, 27)),
        ("It's in the batch for the twenty-eighth.", date(2026, 11, 28)),
        ("we pay on the fifteenth of next month", date(2026, 12, 15)),
        ("التحويل يوم خمسة وعشرين من الشهر", date(2026, 11, 25)),
        ("السداد يوم الثلاثين من نوفمبر", date(2026, 11, 30)),
        ("will sort it Thrusday", date(2026, 11, 26)),
        ("give me 5 days and it's done", date(2026, 11, 28)),
        ("عطونا اسبوعين ونحولها", date(2026, 12, 7)),
        ("two post-dated cheques dated 30 November and 31 December", date(2026, 11, 30)),
        ("el yom ha7awelha", RECEIVED),
    ],
)
def test_dates_in_other_words(text, expected):
    assert promised_date(normalise(text), RECEIVED) == expected


def test_a_long_grace_asks_for_time_and_names_no_day():
    assert promised_date(normalise("Could you give us 60 days?"), RECEIVED) is None


def test_days_in_words_become_digits_only_where_they_are_days():
    assert spell_out_days("the twenty-fifth of july") == "the 25th of july"
    assert spell_out_days("on the first of march") == "on the 1th of march"
    assert spell_out_days("first thing tomorrow") == "first thing tomorrow"
    assert spell_out_days("يوم سبعه وعشرين من الشهر") == "يوم 27 من الشهر"


_REMINDER = """Dear Horizon Retail,

A quick reminder that invoice F-3548 for AED 1,200.00 is due today.

Invoice number: F-3548
Amount due:     AED 1,200.00
Due date:       10 March 2026

You can pay securely online here:
https://pay.tahseel.app/i/6rf4sd8xsb

If you have already paid, thank you, and please disregard this message.

Kind regards,

Fatima Al Zaabi
Red Sea Tiles Co.
finance@redseatile.example"""


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (f"{_REMINDER}\n\nWe paid this on 2 March.", "We paid this on 2 March."),
        (f"Please resend, no attachment.\n\n{_REMINDER}", "Please resend, no attachment."),
    ],
)
def test_a_reminder_pasted_without_quote_marks_is_not_the_customers(body, words):
    assert own_words(body) == words


def test_an_empty_body_is_read_by_its_subject():
    assert read("", subject="Re: INV-1043 - not received, please resend")[0] is (
        Intent.INVOICE_NOT_RECEIVED
    )
    assert read("  \n", subject="Fwd: Payment advice - INV-1043")[0] is Intent.ALREADY_PAID
    assert read("", subject=SUBJECT)[0] is Intent.OTHER
    assert subject_words("RE: تذكير: الفاتورة INV-1 من شركة النور") == ""


def test_a_promise_naming_two_days_is_less_sure_than_one_naming_one():
    one = understand("We'll pay on Friday.", received=RECEIVED)
    two = understand("We'll pay on Friday or the 30th.", received=RECEIVED)
    assert one.promised_date and two.promised_date
    assert two.score < one.score


def test_goods_not_received_is_not_acted_on_as_a_missing_invoice():
    found = understand("the goods lsa ma wasalat, so no payment yet", received=RECEIVED)
    assert settle(found, 0.8).intent is not Intent.INVOICE_NOT_RECEIVED

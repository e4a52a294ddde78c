"""Preparing a reply's text: quoted history, signatures, normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.replies.text import fold, normalise, own_words, strip_quoted, strip_signature

REMINDER_EN = (
    "> Dear Brightline Ltd,\n>\n> We have not yet received payment for invoice INV-1043 for\n"
    "> £1,240.00. A copy of the invoice is attached.\n>\n"
    "> If you have already paid, thank you, and please disregard this message.\n"
)
REMINDER_AR = (
    "> نود إعلامكم بأننا لم نتلقَّ حتى الآن سداد الفاتورة رقم INV-1043 بمبلغ ٤٬٢٥٠٫٠٠ د.إ.\n"
    "> وإن كنتم قد سددتم المبلغ بالفعل، فنشكركم ونرجو تجاهل هذه الرسالة.\n"
)
PLAIN_EN = (
    "Dear Brightline Ltd,\n\nWe have not yet received payment for invoice INV-1043.\n"
    "If you have already paid, thank you, and please disregard this message.\n"
)
PLAIN_AR = "نود إعلامكم بأننا لم نتلقَّ حتى الآن سداد الفاتورة.\nوإن كنتم قد سددتم المبلغ بالفعل.\n"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # Gmail, English, header on one line and wrapped over two
        (
            "We paid on Friday.\n\nOn Mon, 23 Nov 2026 at 10:00, Layla Haddad "
            f"<accounts@cedar.example> wrote:\n\n{REMINDER_EN}",
            "We paid on Friday.",
        ),
        (
            "We paid on Friday.\n\nOn Mon, 23 Nov 2026 at 10:00, Layla Haddad <\n"
            f"accounts@cedar.example> wrote:\n\n{REMINDER_EN}",
            "We paid on Friday.",
        ),
        # Gmail, Arabic: both wordings, with the direction marks Gmail adds
        (
            "تم السداد أمس\n\n\u202bفي الاثنين، ٢٣ نوفمبر ٢٠٢٦ في ١٠:٠٠ ص، كتب Layla "
            f"<accounts@cedar.example>:\u202c\n\n{REMINDER_AR}",
            "تم السداد أمس",
        ),
        (
            "تم السداد أمس\n\nفي الاثنين، ٢٣ نوفمبر ٢٠٢٦ في ١٠:٠٠ ص تمت كتابة ما يلي بواسطة "
            f"\u202aLayla\u202c\u200f <\u202aaccounts@cedar.example\u202c\u200f>:\n\n{REMINDER_AR}",
            "تم السداد أمس",
        ),
        # Outlook, English and Arabic: the quote is not marked with ">"
        (
            "We never got the invoice.\n\n________________________________\n"
            "From: Layla Haddad <accounts@cedar.example>\n"
            "Sent: Monday, November 23, 2026 10:00 AM\n"
            f"To: ap@brightline.example\nSubject: Reminder\n\n{PLAIN_EN}",
            "We never got the invoice.",
        ),
        (
            "We never got the invoice.\n\nFrom: Layla Haddad <accounts@cedar.example>\n"
            f"Date: Monday, 23 November 2026\nSubject: Reminder\n\n{PLAIN_EN}",
            "We never got the invoice.",
        ),
        (
            "لم تصلنا الفاتورة\n\nمن: Layla Haddad <accounts@cedar.example>\n"
            "تاريخ الإرسال: الاثنين، ٢٣ نوفمبر، ٢٠٢٦ ١٠:٠٠ ص\nإلى: ap@alnoor.example\n"
            f"الموضوع: تذكير\n\n{PLAIN_AR}",
            "لم تصلنا الفاتورة",
        ),
        (
            f"Paid.\n\n-----Original Message-----\nFrom: Layla\nSent: Monday\n\n{PLAIN_EN}",
            "Paid.",
        ),
        (f"تم الدفع\n\n-----الرسالة الأصلية-----\nمن: Layla\n\n{PLAIN_AR}", "تم الدفع"),
        (f"Paid.\n\n---------- Forwarded message ---------\n{PLAIN_EN}", "Paid."),
        # Apple Mail, English and Arabic
        (
            "Will pay Friday.\n\nSent from my iPhone\n\nOn 23 Nov 2026, at 10:00, Layla Haddad "
            f"<accounts@cedar.example> wrote:\n\n{REMINDER_EN}",
            "Will pay Friday.",
        ),
        (
            "سندفع يوم الخميس\n\nأرسلت من الـ iPhone\n\nفي ٢٣‏/١١‏/٢٠٢٦، الساعة ١٠:٠٠ ص، كتب "
            f"Layla Haddad <accounts@cedar.example>:\n\n{REMINDER_AR}",
            "سندفع يوم الخميس",
        ),
        # bare ">" lines, interleaved answers kept
        (f"{REMINDER_EN}\nNever received it, please resend.", "Never received it, please resend."),
    ],
)
def test_quoted_history_is_cut(reply, expected):
    assert own_words(reply) == expected


def test_quote_header_needs_wrote():
    text = "On Monday we paid the full amount.\nThanks"
    assert strip_quoted(text) == text


def test_a_from_line_alone_is_not_a_quote():
    text = "From: our side, all good.\nWe will pay on the 5th."
    assert strip_quoted(text) == text


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("We will pay Friday.\n-- \nJohn Peters\nAccounts", "We will pay Friday."),
        ("Paid today.\n\nSent from my iPhone", "Paid today."),
        ("Paid today.\nGet Outlook for Android", "Paid today."),
        ("تم الدفع\n\nأُرسلت من iPhone الخاص بي", "تم الدفع"),
        (
            "Paid today.\n\nKind regards,\nJohn Peters\nAccounts Payable\n+44 20 7946 0000",
            "Paid today.",
        ),
        ("تم التحويل أمس\n\nمع التحية،\nأحمد\nقسم الحسابات", "تم التحويل أمس"),
        ("Paid.\n\nThis email and any attachments are confidential. If you ...", "Paid."),
        # a closing alone is the whole reply: keep it
        ("Thanks!\nMark", "Thanks!\nMark"),
        # a closing followed by more than a name block is not a signature
        (
            "Hi\nThanks\n" + "\n".join(f"line {i} of a long answer" for i in range(8)),
            "Hi\nThanks\n" + "\n".join(f"line {i} of a long answer" for i in range(8)),
        ),
    ],
)
def test_signatures_are_cut(reply, expected):
    assert strip_signature(reply) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("لَمْ تَصِلْنَا", "لم تصلنا"),  # diacritics
        ("شكـــراً", "شكرا"),  # tatweel and tanween
        ("أإآٱا", "ااااا"),  # alef forms
        ("إلى مستشفى", "الي مستشفي"),  # alef maksura
        ("الفاتورة", "الفاتوره"),  # teh marbuta
        ("١٥/١٢/٢٠٢٦", "15/12/2026"),  # Arabic-Indic digits
        ("۱۵ ۲۰۲۶", "15 2026"),  # Persian digits
        ("\u201cWe didn\u2019t\u201d", '"we didn\'t"'),  # curly quotes, case
        ("\u202bتم\u202c\u200f  الدفع\n\tامس", "تم الدفع امس"),  # direction marks, spaces
        ("ﻻ", "لا"),  # presentation form
        ("ؤ ئ", "و ي"),  # hamza seats
        ("STRASSE ß", "strasse ss"),  # casefold, not just lower
        ("ماذا؟ نعم، لا؛", "ماذا? نعم, لا;"),  # Arabic punctuation
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_fold_keeps_lines():
    assert fold("A\nB") == "a\nb"


@given(st.text())
def test_stripping_is_idempotent(text):
    once = own_words(text)
    assert own_words(once) == once
    assert strip_quoted(strip_quoted(text)) == strip_quoted(text)
    assert strip_signature(strip_signature(text)) == strip_signature(text)


_LINES = st.lists(
    st.sampled_from(
        [
            "> quoted",
            "On Mon wrote:",
            "On Mon, <",
            "x@y> wrote:",
            "From: Layla",
            "Sent: Monday",
            "-- ",
            "Regards,",
            "Thanks",
            "Sent from my iPhone",
            "في الاثنين كتب:",
            "من: ليلى",
            "تاريخ الإرسال: الاثنين",
            "we paid",
            "",
            "  ",
        ]
    ),
    max_size=12,
)


@given(_LINES)
def test_stripping_is_idempotent_on_mail_like_lines(lines):
    text = "\n".join(lines)
    once = own_words(text)
    assert own_words(once) == once


@given(st.text())
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)

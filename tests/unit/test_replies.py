"""The first reply classifier: 'the invoice never arrived', in Arabic and English."""

from __future__ import annotations

import pytest

from sync.replies.understanding import ReplyKind, classify, normalise, own_text


@pytest.mark.parametrize(
    "body",
    [
        "Hi, we never received the invoice. Could you send it again?",
        "We didn't receive invoice INV-1004, please resend.",
        "I have not received the invoice yet",
        "Please resend the invoice, thanks",
        "Can you send a copy of the invoice?",
        "The invoice never arrived.",
        "لم تصلنا الفاتورة، نرجو إرسالها مرة أخرى",
        "السلام عليكم، الفاتورة لم تصل",
        "لم نستلم الفاتورة رقم INV-1004",
        "ما وصلتنا الفاتورة",
        "نرجو إعادة إرسال الفاتورة",
        "الرجاء ارسال الفاتورة مرة أخرى",
        "لَمْ تَصِلْنَا الفاتورة",
    ],
)
def test_not_received(body):
    assert classify("Re: Invoice", body) is ReplyKind.NOT_RECEIVED


@pytest.mark.parametrize(
    "body",
    [
        "We paid this last week, see the attached receipt.",
        "تم السداد أمس",
        "The amount is wrong; we only ordered 10 units.",
        "Thanks, received. We will pay on Thursday.",
        "شكراً، وصلت الفاتورة وسنقوم بالسداد",
        # the quoted reminder below mentions resending, but the customer's words do not
        "Paid today.\n\nOn Mon, 23 Nov 2026 Accounts wrote:\n"
        "> please resend the invoice if it did not arrive",
    ],
)
def test_other_replies(body):
    assert classify("Re: Invoice", body) is ReplyKind.OTHER


def test_auto_replies_are_ignored():
    assert (
        classify("Out of office", "I never received your message", automatic=True)
        is ReplyKind.AUTOMATIC
    )


def test_own_text_cuts_quotes():
    assert own_text("hello\n> quoted\nmore") == "hello"
    assert own_text("مرحبا\nفي يوم الاثنين كتب المحاسب:\n> نص") == "مرحبا"


def test_normalise_folds_arabic_variants():
    assert normalise("إعادة  إرسال") == "اعاده ارسال"

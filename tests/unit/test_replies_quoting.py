"""Quoted history in the forms Arabic mail clients write it is cut off before reading."""

from __future__ import annotations

from datetime import date

import pytest

from sync.replies.text import own_words
from sync.replies.understanding import Intent, understand

QUOTED = "نرجو إعادة إرسال إشعار التحويل إن كنتم قد دفعتم، وإن لم تصلكم الفاتورة فأخبرونا."


@pytest.mark.parametrize(
    "history",
    [
        # Outlook (Arabic) with its newer "بتاريخ" field
        f"من: شركة الأرز <accounts@cedar.example>\nبتاريخ: الاثنين، ٢ نوفمبر ٢٠٢٦\n"
        f"إلى: ahmad@client.example\nالموضوع: الفاتورة\n\n{QUOTED}",
        # Outlook (Arabic), newer: "تم الإرسال"
        f"من: شركة الأرز <accounts@cedar.example>\nتم الإرسال: الاثنين، ٢ نوفمبر ٢٠٢٦ ١٠:٠٠ ص\n"
        f"إلى: ahmad@client.example\n\n{QUOTED}",
        # Gmail (Arabic) forwarding
        f"---------- الرسالة المُعاد توجيهها ---------\nمن: Cedar <a@cedar.example>\n{QUOTED}",
        # Outlook (Arabic) "original message" separator
        f"-----الرسالة الأصلية-----\nمن: Cedar\nأرسلت: الأحد\n{QUOTED}",
    ],
)
def test_arabic_quote_headers_end_the_customers_words(history):
    text = f"تمام، التحويل يوم الأحد الجاي\n\n{history}"
    assert own_words(text) == "تمام، التحويل يوم الأحد الجاي"
    result = understand(text, received=date(2026, 11, 3))
    assert result.intent is Intent.PROMISE_TO_PAY
    assert result.promised_date == date(2026, 11, 8)


@pytest.mark.parametrize(
    "notice",
    [
        "IMPORTANT: We will never ask you to change bank details by email. Please do not reply"
        " if you did not request this.",
        "The information in this email is confidential. If you have received this email in"
        " error, please notify the sender.",
    ],
)
def test_a_company_notice_under_the_signature_is_not_read(notice):
    text = f"Noted with thanks.\n\nThanks\nNadia | Accounts Payable\n\n{notice}"
    assert own_words(text) == "Noted with thanks."
    assert understand(text, received=date(2026, 10, 28)).intent is Intent.OTHER


def test_a_notice_word_at_the_top_is_the_customers_own():
    text = "Important: we paid this on Monday, please stop the reminders."
    assert understand(text, received=date(2026, 10, 28)).intent is Intent.ALREADY_PAID


def test_a_reply_written_under_the_quote_is_read():
    text = (
        "On Mon, 2 Nov 2026 at 09:00, Cedar <a@cedar.example> wrote:\n"
        "> Invoice INV-1 is overdue. If you never received it, tell us.\n"
        "> Regards\n\nWe paid this yesterday, ref 8812.\n\nThanks\nAli"
    )
    assert own_words(text) == "We paid this yesterday, ref 8812."
    assert understand(text, received=date(2026, 11, 3)).intent is Intent.ALREADY_PAID


def test_a_forwarded_message_with_nothing_written_says_nothing():
    text = "From: Cedar\nSent: Monday\nTo: Ali\nSubject: INV-1\n\nPlease resend the remittance."
    assert own_words(text) == ""

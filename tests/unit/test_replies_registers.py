"""Replies said without the key word, in many registers: the kinds of wording of issue 21."""

from __future__ import annotations

from datetime import date

import pytest

from sync.replies.understanding import Intent, understand

RECEIVED = date(2026, 11, 23)  # a Monday


def read(text: str) -> tuple[Intent, date | None]:
    found = understand(text, subject="Re: Reminder: invoice INV-1043", received=RECEIVED)
    return found.intent, found.promised_date


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # not received: unreadable, protected, blank, another company's, Arabizi
        ("The PDF is password protected, please send an unprotected copy.", "invoice_not_received"),
        (
            "I can't download the invoice from your portal, can you email it?",
            "invoice_not_received",
        ),
        ("The attachment is a blank page with your logo only.", "invoice_not_received"),
        ("الفاتورة اللي وصلتنا فاضية، نرجو إعادة الإرسال", "invoice_not_received"),
        ("النسخة المرسلة غير واضحة ولا يمكن قراءتها", "invoice_not_received"),
        ("el fatoora ma wsletna, mumkin tb3atoha marra tanya?", "invoice_not_received"),
        # paid: money that went out, a cheque handed over, Maghrebi and Gulf forms
        ("Our bank statement shows it went out last Thursday.", "already_paid"),
        ("The cheque was handed to your courier yesterday.", "already_paid"),
        ("المبلغ محول من أسبوع، تأكدوا من حسابكم", "already_paid"),
        ("الشيك سلمناه لمندوبكم يوم الأحد", "already_paid"),
        # dispute: fees never agreed, contracts that ended, "you said"
        ("We never agreed to an admin fee, please take it off.", "dispute"),
        ("Our subscription was cancelled in writing in March.", "dispute"),
        ("انتو قلتوا التركيب مجاني، ليش في رسوم؟", "dispute"),
        ("العقد انتهى من شهرين", "dispute"),
        # promises said as arrangements, in dialects and in Latin letters
        ("It has been added to next Monday's payment run.", "promise_to_pay"),
        ("الفاتورة معتمدة وبتنصرف يوم الخميس إن شاء الله", "promise_to_pay"),
        ("hi, el payment ha yetla3 yom el khamees", "promise_to_pay"),
        # hardship with a request for time, or a promise, is a plan
        ("We had a flood in the shop; could you give us until the 30th?", "payment_plan"),
        (
            "Cash flow is very difficult since we lost our main client. Can we have more time?",
            "payment_plan",
        ),
        ("بسبب الحريق في المستودع نطلب مهلة حتى نهاية الشهر", "payment_plan"),
        # machines, in Arabic too
        ("تأخر تسليم الرسالة. لا تحتاج إلى إعادة إرسال رسالتك.", "auto_reply"),
        ("تم استلام طلبكم رقم 5521 وسيتواصل معكم أحد موظفينا قريباً", "auto_reply"),
        (
            "We are experiencing high volumes of emails; responses may take 5 working days.",
            "auto_reply",
        ),
        # not actionable
        ("Could you send me a copy of your trade licence?", "other"),
        ("ممكن ترسلون رقم الآيبان مرة ثانية؟", "other"),
        ("Wrong person, I don't handle invoices.", "other"),
    ],
)
def test_said_without_the_key_word(text: str, intent: str) -> None:
    assert read(text)[0].value == intent


def test_a_payment_batch_is_not_a_plan() -> None:
    assert read("تم إدراج الفاتورة ضمن دفعات يوم الثلاثاء القادم") == (
        Intent.PROMISE_TO_PAY,
        date(2026, 11, 24),
    )


def test_hardship_extension_keeps_its_date() -> None:
    text = "Our warehouse flooded last week. Could you give us until 30 December to pay?"
    assert read(text) == (Intent.PAYMENT_PLAN, date(2026, 12, 30))


def test_a_holiday_closure_is_not_hardship() -> None:
    text = "Our office is closed for Eid until 1 December; payments will resume after that."
    assert read(text) == (Intent.PROMISE_TO_PAY, date(2026, 12, 1))

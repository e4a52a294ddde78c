"""Replies of larger buyers' finance staff, public bodies and phones (issue 21, third batch)."""

from __future__ import annotations

from datetime import date

import pytest

from sync.replies.text import normalise, own_words
from sync.replies.understanding import Intent, understand

RECEIVED = date(2026, 11, 23)  # a Monday


def read(text: str) -> tuple[Intent, date | None]:
    found = understand(text, subject="Re: Invoice INV-1043 from Cedar", received=RECEIVED)
    return found.intent, found.promised_date


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # not received: the process's own words, a link that shows nothing, a phone's haste
        (
            "Invoices go to our AP mailbox only; this one was not received by AP.",
            "invoice_not_received",
        ),
        ("Nothing has been uploaded to Coupa against this PO yet.", "invoice_not_received"),
        ("Your link just shows a blank page on my laptop.", "invoice_not_received"),
        ("The scan you sent is cut off, we cannot see the total.", "invoice_not_received"),
        ("hi i dont see any attachmnet in ur mail", "invoice_not_received"),
        ("الفاتورة ما انرفعت على منصة اعتماد لحد الآن", "invoice_not_received"),
        ("لم يرد إلينا أي شيء منكم بخصوص هذه الفاتورة", "invoice_not_received"),
        ("الرابط ما يفتح عندي، ممكن PDF؟", "invoice_not_received"),
        # paid: the channel, not the word
        ("We deposited it at your bank's CDM this morning, receipt attached.", "already_paid"),
        ("It was collected by direct debit on the 3rd.", "already_paid"),
        ("المبلغ انخصم من حسابنا يوم الخميس", "already_paid"),
        ("We paid it but quoted the wrong invoice number, please reallocate.", "already_paid"),
        ("الفاتورة مدفوعة، يمكن في خطأ عندكم بالنظام", "already_paid"),
        # disputes of the process: GRN, quality control, duplicates, the addressee
        ("Goods failed our QC inspection, so no GRN will be raised.", "dispute"),
        ("This one is a duplicate of invoice 3301, please cancel it.", "dispute"),
        ("The hours billed don't match the approved timesheets.", "dispute"),
        ("الفاتورة صادرة باسم الشركة القابضة بينما أمر الشراء من الفرع", "dispute"),
        ("الطباعة طلعت غلط، ما نقدر نستخدمها", "dispute"),
        # promises tied to a signature or an event, no day named
        ("The payment voucher is prepared and awaiting the CFO's signature.", "promise_to_pay"),
        ("المستخلص بانتظار توقيع المدير المالي", "promise_to_pay"),
        # auto-replies with case numbers and working hours
        (
            "Your case CS-1182 has been created. Our team aims to respond within 48 hours.",
            "auto_reply",
        ),
        ("تم استلام استفساركم برقم 22841 وسيتم الرد عليه خلال يومي عمل.", "auto_reply"),
        ("We received only 80 of the 100 cartons.", "dispute"),
        ("نحن خارج أوقات الدوام الرسمي، سيتم الرد على رسالتكم في أقرب وقت", "auto_reply"),
        ("we never got any email, only your SMS. send the invoice pls", "invoice_not_received"),
        # not actionable: these words only look like it
        ("تم تحويل رسالتكم للقسم المختص", "other"),
        ("Please unsubscribe me, I never signed up for these emails.", "other"),
        ("Is this invoice subject to withholding tax? Our consultant asks.", "other"),
        ("Could you resend the reminder in Arabic too?", "other"),
        ("Do you take cards? I'd rather pay by card than by transfer this time.", "other"),
        ("الإيميل هذا كان للفرع الثاني، حولته لهم", "other"),
    ],
)
def test_buyers_and_phones(text: str, intent: str) -> None:
    assert read(text)[0] == Intent(intent)


@pytest.mark.parametrize(
    ("text", "intent", "promised"),
    [
        # a plan whose first part is paid now carries the day the reply arrived
        ("Can we pay 30% now and the rest over three months?", "payment_plan", RECEIVED),
        ("الظروف صعبة، ندفع نص المبلغ الحين والباقي آخر الشهر", "payment_plan", RECEIVED),
        # ... but not when "now" is what cannot be paid
        (
            "Cash is tight, we can't pay the full amount in one go right now. Instalments?",
            "payment_plan",
            None,
        ),
        ("pay mint will be done on Thursday, sorry", "promise_to_pay", date(2026, 11, 26)),
        ("منحولها هالجمعة إن شاء الله", "promise_to_pay", date(2026, 11, 27)),
        ("Paying tmrw sorry", "promise_to_pay", date(2026, 11, 24)),
        ("Kindly allow us until 15th to settle.", "promise_to_pay", date(2026, 12, 15)),
        ("It'll be in your account by Wednesday.", "promise_to_pay", date(2026, 11, 25)),
        ("Can we pay 2,000 today and 2,000 on the 30th?", "payment_plan", RECEIVED),
        (
            "ممكن تأجلوها لنص الشهر الجاي؟ الوضع صعب بعد ما فقدنا الزبون",
            "payment_plan",
            date(2026, 12, 15),
        ),
    ],
)
def test_dates_of_plans_and_promises(text: str, intent: str, promised: date | None) -> None:
    assert read(text) == (Intent(intent), promised)


def test_reply_under_an_unmarked_outlook_header_is_read_below_it() -> None:
    body = (
        "________________________________\n"
        "From: Layla <layla@cedar.example>\n"
        "Sent: Monday, 23 November 2026 09:00\n"
        "To: accounts@client.example\n"
        "Subject: Invoice INV-1043 from Cedar\n"
        "\n"
        "Reminder: invoice INV-1043 is 12 days overdue\n"
        "\n"
        "Dear Finance Team,\n"
        "\n"
        "Invoice number: INV-1043\n"
        "Amount due:     AED 1,200.00\n"
        "Due date:       11 November 2026\n"
        "\n"
        "If you have already paid, thank you, and please disregard this message.\n"
        "\n"
        "Kind regards,\n"
        "\n"
        "Layla\n"
        "Cedar Supplies\n"
        "layla@cedar.example\n"
        "\n"
        "Hi Layla,\n"
        "We paid this on the 2nd, bank confirmation attached.\n"
    )
    assert normalise(own_words(body)) == (
        "hi layla, we paid this on the 2nd, bank confirmation attached."
    )
    assert read(body)[0] is Intent.ALREADY_PAID


def test_a_forward_with_no_words_of_the_customer_stays_empty() -> None:
    body = (
        "---------- Forwarded message ---------\n"
        "From: Cedar Accounts <accounts@cedar.example>\n"
        "Date: Tue, Nov 24, 2026\n"
        "Subject: Overdue INV-9120\n"
        "\n"
        "If you never received the invoice, let us know."
    )
    assert own_words(body) == ""


def test_misspellings_are_mended_as_words_only() -> None:
    assert normalise("Pay mint sent; the invoce amout") == "payment sent; the invoice amount"
    assert normalise("amounts and invoices stay") == "amounts and invoices stay"

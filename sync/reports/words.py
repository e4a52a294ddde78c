"""The words of the ``tahseel report`` page, in English and Arabic."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Receivables report",
        "as_of": "As of",
        "history_from": "History from",
        "open_invoices": "Open invoices",
        "paid_invoices": "Invoices paid in the period",
        "aging": "Aging of what is owed",
        "aging_note": "Amount due by days past the due date.",
        "currency": "Currency",
        "total": "Total",
        "dso": "Days sales outstanding",
        "dso_note": "What is owed now, divided by the sales of the last {days} days,"
        " times {days}: about how many days of sales are waiting to be paid.",
        "dso_open_only": "The ledger gives no paid history, so the sales counted are"
        " only those of invoices still open: the figure is an upper bound.",
        "no_sales": "no sales in the period",
        "days": "days",
        "late_payers": "Customers who pay late",
        "late_note": "From the invoices paid since {since}: how often each customer paid"
        " after the due date, and by how much.",
        "customer": "Customer",
        "paid_late": "Paid late",
        "of_paid": "of paid",
        "average_late": "Average days late",
        "most_late": "Most days late",
        "late_amount": "Amount paid late",
        "nobody_late": "No customer paid late in the period.",
        "sent": "What Tahseel sent",
        "sent_note": "Messages and hand-offs recorded since {since}, per stage.",
        "stage": "Stage",
        "count": "Count",
        "nothing_sent": "Nothing recorded as sent in the period.",
        "effect": "What the reminders achieved",
        "effect_note": "Reminders followed by payment in full within {within} days,"
        " before any later reminder (the last reminder before a payment gets the credit)."
        " Reminders sent less than {within} days ago and not yet paid are still waiting.",
        "reminders": "Reminders",
        "paid_within": "Paid within {within} days",
        "waiting": "Still waiting",
        "rate": "Rate",
        "unavailable": "Not shown: {reason}",
        "no_history": "the {ledger} ledger cannot list paid invoices, so there is no"
        " payment history to read",
        "unreadable": "Could not read",
        "unreadable_note": "{count} problem(s) in the ledger. Rows that could not be read"
        " are left out of every figure on this page, so the aging understates what is owed"
        " until they are corrected in the ledger.",
        "generated": "Made by Tahseel on {day}. Amounts in each invoice's currency.",
    },
    "ar": {
        "title": "تقرير الذمم المدينة",
        "as_of": "بتاريخ",
        "history_from": "السجل منذ",
        "open_invoices": "الفواتير المفتوحة",
        "paid_invoices": "الفواتير المسددة في الفترة",
        "aging": "أعمار المبالغ المستحقة",
        "aging_note": "المبلغ المستحق حسب عدد الأيام بعد تاريخ الاستحقاق.",
        "currency": "العملة",
        "total": "الإجمالي",
        "dso": "متوسط أيام التحصيل",
        "dso_note": "المستحق الآن مقسومًا على مبيعات آخر {days} يومًا، مضروبًا في {days}:"
        " كم يومًا من المبيعات ينتظر السداد تقريبًا.",
        "dso_open_only": "لا يعطي دفتر الحسابات سجل المدفوعات، فالمبيعات المحسوبة هي"
        " الفواتير المفتوحة فقط: الرقم حد أعلى.",
        "no_sales": "لا مبيعات في الفترة",
        "days": "يوم",
        "late_payers": "العملاء الذين يتأخرون في السداد",
        "late_note": "من الفواتير المسددة منذ {since}: كم مرة سدد كل عميل بعد تاريخ"
        " الاستحقاق، وبكم يومًا.",
        "customer": "العميل",
        "paid_late": "سُددت متأخرة",
        "of_paid": "من المسددة",
        "average_late": "متوسط أيام التأخير",
        "most_late": "أطول تأخير",
        "late_amount": "المبلغ المسدد متأخرًا",
        "nobody_late": "لم يتأخر أي عميل في السداد خلال الفترة.",
        "sent": "ما أرسله تحصيل",
        "sent_note": "الرسائل والإحالات المسجلة منذ {since}، حسب المرحلة.",
        "stage": "المرحلة",
        "count": "العدد",
        "nothing_sent": "لم يُسجَّل أي إرسال في الفترة.",
        "effect": "ما حققته التذكيرات",
        "effect_note": "التذكيرات التي تلاها السداد الكامل خلال {within} يومًا قبل أي تذكير"
        " لاحق (يُنسب السداد إلى آخر تذكير قبله). التذكيرات المرسلة منذ أقل من {within}"
        " يومًا ولم تُسدد بعد ما زالت قيد الانتظار.",
        "reminders": "التذكيرات",
        "paid_within": "سُددت خلال {within} يومًا",
        "waiting": "قيد الانتظار",
        "rate": "النسبة",
        "unavailable": "غير معروض: {reason}",
        "no_history": "دفتر الحسابات ({ledger}) لا يتيح قراءة الفواتير المسددة، فلا يوجد"
        " سجل مدفوعات",
        "unreadable": "تعذّرت القراءة",
        "unreadable_note": "مشكلات في دفتر الحسابات: {count}. الصفوف التي تعذّرت قراءتها"
        " مستبعدة من كل الأرقام في هذه الصفحة، فالأعمار أقل مما هو مستحق فعلًا حتى"
        " تُصحَّح في دفتر الحسابات.",
        "generated": "أعده تحصيل في {day}. المبالغ بعملة كل فاتورة.",
    },
}

STAGE_LABELS: dict[str, dict[str, str]] = {
    "ar": {
        "courtesy": "تذكير ودي",
        "due": "يوم الاستحقاق",
        "overdue": "تذكير بعد الاستحقاق",
        "weekly": "تذكير أسبوعي",
        "final": "إشعار نهائي",
        "escalate": "إحالة إلى شخص",
        "thank_you": "شكر",
        "resend": "إعادة إرسال الفاتورة",
        "acknowledge": "تأكيد موعد السداد",
    },
    "en": {
        "thank_you": "thank you",
        "resend": "invoice sent again",
        "acknowledge": "promise acknowledged",
        "escalate": "handed to a person",
    },
}

BUCKET_LABELS = {
    "en": {"current": "not yet due", "range": "{low}–{high} days late", "over": "over {low} days"},
    "ar": {
        "current": "غير مستحقة بعد",
        "range": "متأخرة {low}–{high} يومًا",
        "over": "متأخرة أكثر من {low} يومًا",
    },
}

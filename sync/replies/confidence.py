"""How sure the rules are of an intent: a score between 0 and 1. Pure.

The score is not a probability computed from data; it is a small set of rules of
thumb, checked against the labelled replies by ``bench/replies.py`` (its calibration
table shows, per score band, how often the intent was right). What lowers it:

- the phrase was a ``checked`` one (a negation or a future word could have cancelled
  it, and did not) rather than a ``fixed`` one that says the thing on its own;
- the reply also says something that pulls another way (paid and disputed; a promise
  and "we never got it" go together and do not count);
- the reply is long, so the phrase found is a small part of what it says;
- the reply names two or more invoices ("INV-1040 is paid, INV-1043 will be paid
  Friday") or speaks of another one ("your other invoice"), or names another paper (a
  statement, a contract, a purchase order): what it says may be about that one;
- a claim of payment comes with a payment that came back ("it bounced");
- the phrase is in a question ("have you received our payment?"), except a request
  for the invoice, which is usually asked.
- the phrase is one word ("resend", "دفعات", "مهله") and the
  reading would resend, snooze or pause: on replies written independently of the rules
  such short phrases were right far less often than longer ones;
- "never received" comes with anything else (a promise included): a resend on such
  replies was often the wrong action;
- a promise is hedged ("or so", "around", "بحدود", "تقريبا") or names two dates still
  to come (which one is meant is a guess);
- "never received" is said with no word for the invoice in a reply about goods, works
  or a receipt ("لم يتم استلام" the works, "ma wasalat" the goods);
- "send it (again)" asks for a corrected invoice ("a correct one", "بتاريخ صحيح"): a
  request to correct is a dispute, and a resend would send the same mistake again;
- the words sound like a machine's or a helpdesk's ("thank you for your email", "working
  days", "recipients", "عميلنا العزيز"), though no rule for machines matched.

These three were found by running the rules as they were before batch 3 of the
development replies was studied on its training part: how often each kind of reading
was the right action on mail the rules had not seen; the two dates and the goods, the
same way with batch 4 (most wrong actions there were snoozes to a wrong day and resends
for goods that had not arrived).

Machine-written replies known by their headers score highest; by their words, less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FIXED = 0.93
CHECKED = 0.84
HEADER = 0.99
SUBJECT = 0.95
BODY_BOUNCE = 0.9
BODY_AUTO = 0.86
NOTHING_FOUND = 0.6
"""The score of ``other`` when no phrase matched: a person reads it whatever it is."""

_CONFLICT = 0.12
_OTHER_INVOICE = re.compile(
    r"\b(?:your |the )?(?:other|previous|old|earlier|last) invoices?\b|\banother invoice\b"
    r"|\b(?:الفاتوره|فاتوره) (?:الثانيه|التانيه|الثانيه|السابقه|القديمه|الاخري)\b"
)
# Documents other than the invoice: a request or a claim may be about one of them.
_OTHER_PAPERS = re.compile(
    r"\b(?:statements?|contracts?|quot(?:e|es|ation)|purchase orders?|p\.?o\.?|forms?|w-?[89]"
    r"|certificates?|licen[cs]es?|delivery notes?|credit notes?|receipts?)\b"
    r"|(?:كشف حساب|عقد|عرض سعر|امر شراء|طلب شراء|شهاده|رخصه|سند استلام|اشعار دائن)"
)
# A payment that came back: a claim of payment in the same reply is not the end of it.
_RETURNED = re.compile(
    r"\b(?:bounced|returned|rejected|reversed|failed)\b"
    r"|(?:رجعه|رجعها|رجع المبلغ|ارتد|رفض التحويل|فشل التحويل)"
)
_REFERENCE = re.compile(r"\b(?:inv(?:oice)?[-\s#]*\d{3,}|[a-z]{2,5}-\d{3,})\b")
_QUESTION = 0.15
_SHORT = 0.15
_WEAK = 0.15
_ACTING = frozenset({"invoice_not_received", "promise_to_pay", "payment_plan"})
_HEDGE = re.compile(r"\bor so\b|\baround\b|\bapprox\w*|\broughly\b|تقريبا|بحدود|حوالي")
_MACHINE_HINTS = re.compile(
    r"\bthank(?:s| you) for (?:your (?:e-?mail|message)|contacting)\b|\b(?:working|business) days\b"
    r"|\bdo not (?:reply|resend)\b|\brecipients?\b|\bpostmaster\b|\bcustomer service\b"
    r"|عميلنا العزيز|عزيزي العميل|ايام عمل|ساعات العمل|المستلمين|خدمه العملاء"
)
# What a customer may not have received that is not the invoice: goods, works, a receipt.
_GOODS = re.compile(
    r"\b(?:goods|items|parts|order|delivery|shipment|works?|receipt|bada3a)\b"
    r"|(?:بضاعه|بضايع|طلبيه|شحنه|اعمال|الاعمال|ايصال|اجهزه|قطع)"
)
_CORRECTED = re.compile(
    r"\b(?:correct(?:ed)?|revised|amended|reissued?|re-issued?)\b|(?:صحيح|صحيحه|معدله|مصححه)\b"
)
_INVOICE = re.compile(r"invoice|bill|attach|pdf|copy|فاتور|فواتير|مرفق|نسخه|ملف")
_LONG, _VERY_LONG = 60, 120
# Pairs of intents that are said together without doubt: (winner, also said).
_TOGETHER = frozenset(
    {
        ("invoice_not_received", "promise_to_pay"),
        ("invoice_not_received", "payment_plan"),
        ("payment_plan", "promise_to_pay"),
        ("dispute", "promise_to_pay"),
        ("dispute", "payment_plan"),
    }
)


def rule_score(
    intent: str,
    *,
    fixed: bool,
    also: Iterable[str],
    words: str,
    question: bool = False,
    evidence: str = "",
    dates: int = 0,
) -> float:
    """The confidence in ``intent`` found by a rule.

    Args:
        intent: The winning intent's value.
        fixed: Whether the deciding phrase was a ``fixed`` one.
        also: The other intents the reply expressed.
        words: The reply's own words, normalised.
        question: Whether the deciding phrase ends in a question mark.
        evidence: The deciding phrase, as found.
        dates: How many dates still to come the reply names.

    Returns:
        A score in [0.05, 1], rounded to two places.
    """
    score = FIXED if fixed else CHECKED
    also = list(also)
    if intent in _ACTING and evidence and " " not in evidence:
        score -= _SHORT
    if intent == "invoice_not_received" and also:
        score -= _WEAK
    if intent == "promise_to_pay" and (_HEDGE.search(words) or dates > 1):
        score -= _WEAK  # "within the next week or so", two days named: the day is a guess
    if intent == "invoice_not_received" and not _INVOICE.search(evidence) and _GOODS.search(words):
        score -= _WEAK  # "لم يتم استلام" the works, "ma wasalat" the goods: not the invoice
    if intent == "invoice_not_received" and _CORRECTED.search(words):
        score -= _WEAK  # "send us one with the correct date": a correction, not a resend
    if intent != "auto_reply" and _MACHINE_HINTS.search(words):
        score -= _WEAK
    conflicts = [a for a in also if (intent, a) not in _TOGETHER]
    score -= _CONFLICT * min(len(conflicts), 2)
    count = words.count(" ") + 1
    if count > _VERY_LONG:
        score -= 0.1
    elif count > _LONG:
        score -= 0.05
    if len(set(_REFERENCE.findall(words))) > 1 or _OTHER_INVOICE.search(words):
        score -= _CONFLICT
    if intent == "already_paid" and _RETURNED.search(words):
        score -= _CONFLICT
    if intent != "auto_reply" and _OTHER_PAPERS.search(words):
        score -= _CONFLICT
    if question and intent != "invoice_not_received":
        score -= _QUESTION  # a request for the invoice is often a question; a claim is not
    return round(max(score, 0.05), 2)

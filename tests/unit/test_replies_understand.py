"""Understanding replies: intents in both languages, negation, precedence, auto-replies."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.replies.understanding import Intent, ReplyKind, Understanding, understand

RECEIVED = date(2026, 11, 23)  # a Monday
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "replies" / "corpus.jsonl"


def intent_of(text: str, subject: str = "Re: Reminder: invoice INV-1043") -> Intent:
    return understand(text, subject=subject, received=RECEIVED).intent


EXAMPLES = {
    Intent.INVOICE_NOT_RECEIVED: [
        "We have not received any invoice from you.",
        "Hi, I can't find the invoice you mention. Could you resend?",
        "no attachment in your email",
        "Could you please send the invoice again? Our system lost it.",
        "haven't seen this invoice before, pls send a copy",
        "The link and the PDF don't open for me, please send it again",
        "لم تصلني أي فاتورة",
        "ما وصلتني الفاتورة يا أستاذ",
        "ما استلمنا الفاتورة لحد الحين",
        "الفاتورة مش واصلة، ابعتوها تاني",
        "ممكن ترسلون الفاتورة مرة ثانية؟",
        "يرجى إعادة إرسال الفاتورة على البريد الجديد",
        "موصلتناش أي فاتورة",
    ],
    Intent.ALREADY_PAID: [
        "We paid this on the 2nd.",
        "Already settled, check your account please.",
        "Payment was made last Thursday via bank transfer.",
        "The money was sent yesterday.",
        "See attached remittance.",
        "This has been paid in full.",
        "تم سداد الفاتورة",
        "دفعنا الفاتورة الأسبوع الماضي",
        "حولنالكم المبلغ امبارح",
        "الفاتورة مدفوعة وعندنا ايصال التحويل",
        "سددناها من شهر",
        "اتدفعت خلاص",
    ],
    Intent.DISPUTE: [
        "The price is incorrect, our contract says 900.",
        "We did not order this.",
        "You've overcharged us by 200.",
        "Half the items were damaged on arrival.",
        "We will not pay for work that was never completed.",
        "We are waiting for a credit note.",
        "السعر غلط",
        "الكمية غير صحيحة في الفاتورة",
        "ما طلبنا هذا الشي",
        "البضاعة وصلت تالفة",
        "لن ندفع قبل تعديل الفاتورة",
        "نعترض على المبلغ",
    ],
    Intent.PROMISE_TO_PAY: [
        "We will pay next Friday.",
        "I'll make the payment tomorrow.",
        "Payment will be made on 30 November.",
        "We're going to settle this by the end of the month.",
        "It will be paid within 7 days.",
        "سنقوم بالسداد يوم الخميس",
        "هندفع بكرة ان شاء الله",
        "راح نحول المبلغ آخر الشهر",
        "سيتم التحويل خلال أسبوع",
        "بنسدد يوم الأحد",
        "ان شاء الله السداد بداية الشهر الجاي",
    ],
    Intent.PAYMENT_PLAN: [
        "Can we pay this in instalments?",
        "Would a payment plan be possible?",
        "We could pay half now and half next month.",
        "Is it OK to split the amount into 3 payments?",
        "ممكن نقسط المبلغ؟",
        "نبي ندفع على ثلاث دفعات",
        "هل يمكن جدولة السداد على دفعات شهرية؟",
        "ممكن ندفع نص المبلغ الحين والباقي الشهر الجاي",
    ],
    Intent.OTHER: [
        "Thanks",
        "Noted.",
        "Who should I speak to about this?",
        "Please update our address to 10 High Street.",
        "I received the invoice, thanks.",
        "شكرا",
        "وصلت الفاتورة، شكراً",
        "من أنتم؟",
        "سأراجع الموضوع مع الإدارة",
        "",
        "   \n  ",
    ],
}


@pytest.mark.parametrize(
    ("text", "intent"), [(t, i) for i, texts in EXAMPLES.items() for t in texts]
)
def test_intents(text, intent):
    assert intent_of(text) is intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # the examples the brief of the classifier names
        ("we haven't paid because we never received it", Intent.INVOICE_NOT_RECEIVED),
        ("we did not receive your reminder but we paid last week", Intent.ALREADY_PAID),
        ("paid? no, the amount is wrong", Intent.DISPUTE),
        ("we will pay on the 15th", Intent.PROMISE_TO_PAY),
        ("can we pay in 3 instalments", Intent.PAYMENT_PLAN),
        ("نقسطها على دفعات", Intent.PAYMENT_PLAN),
        # negated payment claims are not claims
        ("We have not paid yet.", Intent.OTHER),
        ("Not paid yet, will pay on Friday.", Intent.PROMISE_TO_PAY),
        ("لم ندفع بعد", Intent.OTHER),
        ("ما دفعنا لسه، بندفع الخميس", Intent.PROMISE_TO_PAY),
        ("It hasn't been paid because the price is wrong.", Intent.DISPUTE),
        # a future or conditional "paid" is not a claim of payment
        ("It will be paid on Friday.", Intent.PROMISE_TO_PAY),
        ("Once approved it will get paid.", Intent.PROMISE_TO_PAY),
        # receiving the invoice is not "not received"
        ("We received the invoice and will pay tomorrow.", Intent.PROMISE_TO_PAY),
        ("تم استلام الفاتورة وسيتم السداد غدا", Intent.PROMISE_TO_PAY),
        # goods that never arrived are a dispute, not a missing invoice
        ("We never received the goods.", Intent.DISPUTE),
        ("لم نستلم البضاعة", Intent.DISPUTE),
        # "won't be able to pay until" is a promise, not a refusal
        ("We won't be able to pay until the 30th.", Intent.PROMISE_TO_PAY),
    ],
)
def test_negation_and_mixed_cases(text, intent):
    assert intent_of(text) is intent


@pytest.mark.parametrize(
    ("text", "intent", "also"),
    [
        (
            "We never got the invoice; can we pay it in two instalments?",
            Intent.INVOICE_NOT_RECEIVED,
            (Intent.PAYMENT_PLAN,),
        ),
        (
            "We paid half, but the amount on the invoice is wrong anyway.",
            Intent.DISPUTE,
            (Intent.ALREADY_PAID,),
        ),
        (
            "لم تصلنا الفاتورة، أرسلوها وسندفع يوم الخميس",
            Intent.INVOICE_NOT_RECEIVED,
            (Intent.PROMISE_TO_PAY,),
        ),
    ],
)
def test_precedence_keeps_the_rest_in_also(text, intent, also):
    result = understand(text, received=RECEIVED)
    assert (result.intent, result.also) == (intent, also)


def test_not_received_with_a_promise_keeps_the_date():
    result = understand("Never got the invoice. Send it and we'll pay Thursday.", received=RECEIVED)
    assert result.intent is Intent.INVOICE_NOT_RECEIVED
    assert result.promised_date == date(2026, 11, 26)


def test_promise_carries_date_and_evidence():
    result = understand("We will pay on the 15th, sorry for the delay.", received=RECEIVED)
    assert replace(result, score=1.0) == Understanding(
        Intent.PROMISE_TO_PAY, date(2026, 12, 15), evidence="will pay", also=()
    )
    assert 0 < result.score < 1


def test_claims_of_payment_carry_no_promised_date():
    assert understand("Paid on the 20th.", received=RECEIVED).promised_date is None


def test_the_quoted_reminder_is_not_read():
    body = (
        "Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Layla <a@b.example> wrote:\n"
        "> If you have already paid, thank you. Did the invoice not reach you? We can resend.\n"
        "> We can agree a payment plan.\n"
    )
    assert understand(body, received=RECEIVED).intent is Intent.OTHER


@pytest.mark.parametrize(
    ("headers", "subject", "bounce"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Invoice", False),
        ({"auto-submitted": "auto-generated"}, "Re: Invoice", False),
        ({"X-Autoreply": "yes"}, "Re: Invoice", False),
        ({"X-Autorespond": "Out of office"}, "Re: Invoice", False),
        ({"Precedence": "bulk"}, "Re: Invoice", False),
        ({"Precedence": "junk"}, "Re: Invoice", False),
        ({"Precedence": "auto_reply"}, "Re: Invoice", False),
        ({}, "Automatic reply: Reminder", False),
        ({}, "Out of Office: Reminder", False),
        ({}, "رد تلقائي: تذكير", False),
        ({}, "خارج المكتب", False),
        (
            {"Content-Type": 'multipart/report; report-type="disposition-notification"'},
            "Read: Reminder",
            False,
        ),
        (
            {"Content-Type": "multipart/report; report-type=delivery-status; boundary=x"},
            "Re: Invoice",
            True,
        ),
        ({"From": "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"}, "Re: x", True),
        ({"From": "MAILER-DAEMON@mx.example"}, "Re: x", True),
        ({"Return-Path": "<postmaster@example.com>"}, "Re: x", True),
        ({"X-Failed-Recipients": "ap@gone.example"}, "Re: x", True),
        ({}, "Undeliverable: Reminder: invoice INV-1043", True),
        ({}, "Delivery Status Notification (Failure)", True),
    ],
)
def test_auto_replies_and_bounces_from_headers_and_subject(headers, subject, bounce):
    # The body would otherwise read as a claim of payment.
    result = understand("We paid yesterday.", subject=subject, received=RECEIVED, headers=headers)
    assert (result.intent, result.bounce) == (Intent.AUTO_REPLY, bounce)
    assert result.evidence


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Precedence": "list"},
        {"Content-Type": "text/plain; charset=utf-8"},
        {"From": "Daemon Smith <d.smith@example.com>"},
    ],
)
def test_ordinary_headers_are_not_automatic(headers):
    result = understand("We paid yesterday.", received=RECEIVED, headers=headers)
    assert result.intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("text", "bounce"),
    [
        ("I am currently out of the office and will reply on my return.", False),
        ("This is an automated response, please do not reply.", False),
        ("هذا رد آلي", False),
        ("أنا حالياً خارج المكتب", False),
        ("Your message couldn't be delivered to ap@gone.example.", True),
        ("تعذر تسليم الرسالة", True),
    ],
)
def test_auto_replies_from_the_text(text, bounce):
    result = understand(text, subject="Re: Invoice", received=RECEIVED)
    assert (result.intent, result.bounce) == (Intent.AUTO_REPLY, bounce)


def test_a_person_back_from_leave_is_not_an_auto_reply():
    text = "Sorry, I was out of the office last week. We'll pay on Friday."
    assert intent_of(text) is Intent.PROMISE_TO_PAY


@pytest.mark.parametrize(
    ("intent", "kind"),
    [
        (Intent.AUTO_REPLY, ReplyKind.AUTOMATIC),
        (Intent.INVOICE_NOT_RECEIVED, ReplyKind.NOT_RECEIVED),
        (Intent.ALREADY_PAID, ReplyKind.OTHER),
        (Intent.OTHER, ReplyKind.OTHER),
    ],
)
def test_kind_maps_to_the_first_classifier(intent, kind):
    assert Understanding(intent).kind is kind


def test_intent_values():
    assert [i.value for i in Intent] == [
        "invoice_not_received",
        "already_paid",
        "dispute",
        "promise_to_pay",
        "payment_plan",
        "auto_reply",
        "other",
    ]


# -- the corpus: a quality threshold, on the held-out split and on everything ------------


def _corpus() -> list[dict[str, object]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _scores(rows: list[dict[str, object]]) -> tuple[float, float]:
    got = [
        understand(
            str(r["text"]),
            subject=str(r["subject"]),
            received=date.fromisoformat(str(r["received"])),
            headers=r.get("headers"),  # type: ignore[arg-type]
        ).intent.value
        for r in rows
    ]
    want = [str(r["intent"]) for r in rows]
    f1s = []
    precision_nr = 0.0
    for intent in Intent:
        tp = sum(1 for g, w in zip(got, want, strict=True) if g == w == intent)
        predicted, actual = got.count(intent), want.count(intent)
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        if actual:
            f1s.append(2 * p * r / (p + r) if p + r else 0.0)
        if intent is Intent.INVOICE_NOT_RECEIVED:
            precision_nr = p
    return sum(f1s) / len(f1s), precision_nr


def test_corpus_is_well_formed():
    rows = _corpus()
    # The development part: the frozen test part is tests/fixtures/replies/frozen.jsonl.
    assert len(rows) >= 400
    assert {r["lang"] for r in rows} == {"ar", "en", "mixed"}
    assert {r["intent"] for r in rows} == {i.value for i in Intent}
    assert {r["split"] for r in rows} == {"train", "holdout"}
    assert len({r["text"] for r in rows}) == len(rows), "a reply is in the corpus twice"
    # The replies held out while the first rules were written (87), the 109 of the third
    # batch, the 117 of the fourth and the 107 of the fifth, each held out before the rules
    # were studied against the rest, stay held out.
    assert len(rows) >= 3530
    assert len([r for r in rows if r["split"] == "holdout"]) >= 420
    for r in rows:
        assert r["promised_date"] is None or r["intent"] in {"promise_to_pay", "payment_plan"}
        if r["promised_date"]:
            assert r["promised_date"] >= r["received"]


# The fourth batch is lines 2029 to 2817 of the corpus, the fifth its last 713
# (tests/fixtures/replies/README.md). Their held-out replies, never read while the rules
# grew, are scored apart, with floors just under what the rules scored on them when each
# was merged.
_BATCHES = {"holdout": (0, 2028), "holdout4": (2028, 2817), "holdout5": (2817, None)}


@pytest.mark.parametrize(
    ("split", "macro_floor", "precision_floor"),
    [
        ("holdout", 0.9, 0.95),
        ("holdout4", 0.75, 0.9),
        ("holdout5", 0.85, 0.95),
        ("all", 0.9, 0.95),
    ],
)
def test_corpus_scores_stay_above_the_targets(split, macro_floor, precision_floor):
    rows = _corpus()
    if split != "all":
        start, end = _BATCHES[split]
        rows = [r for r in rows[start:end] if r["split"] == "holdout"]
    macro_f1, precision_nr = _scores(rows)
    assert macro_f1 >= macro_floor
    assert precision_nr >= precision_floor


def test_corpus_promised_dates():
    rows = [r for r in _corpus() if r["intent"] in {"promise_to_pay", "payment_plan"}]
    right = 0
    for r in rows:
        got = understand(
            str(r["text"]),
            subject=str(r["subject"]),
            received=date.fromisoformat(str(r["received"])),
        ).promised_date
        right += (got.isoformat() if got else None) == r["promised_date"]
    assert right / len(rows) >= 0.9


# -- properties ---------------------------------------------------------------------------

_HEADERS = st.dictionaries(
    st.sampled_from(["Auto-Submitted", "Precedence", "Content-Type", "From", "X-Autoreply"]),
    st.text(max_size=40),
    max_size=3,
)


@given(st.text(), st.text(max_size=80), st.dates(), _HEADERS)
def test_never_raises(text, subject, received, headers):
    result = understand(text, subject=subject, received=received, headers=headers)
    assert isinstance(result.intent, Intent)
    assert result.promised_date is None or result.promised_date >= received
    assert not result.bounce or result.intent is Intent.AUTO_REPLY


_PHRASES = st.lists(
    st.sampled_from(
        [
            "we will pay",
            "on the 31st",
            "tomorrow",
            "بكرة",
            "يوم ٢٩",
            "29/02",
            "end of the month",
            "next week",
            "الأحد القادم",
            "not",
            "paid",
            "instalments",
            "never received the invoice",
            "12/15",
            "سنسدد",
            "خلال ٣ أيام",
        ]
    ),
    max_size=6,
).map(" ".join)


@given(_PHRASES, st.dates())
def test_promised_date_never_before_received(text, received):
    result = understand(text, received=received)
    assert result.promised_date is None or result.promised_date >= received

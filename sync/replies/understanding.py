"""Understand what a customer's reply asks for, in Arabic or English. Pure.

``understand`` reads a reply (its text, subject, headers and the day it arrived) and
returns an ``Understanding``: one ``Intent``, the promised payment date when there is
one, whether the reply is a bounce, and a confidence score (``sync.replies.confidence``).
Rules and lexicons only: no network, no model. ``settle`` turns a guess scored below
the floor (``replies.min_confidence``) into ``other``, so that a person reads it.

When a reply says several things, the intent that acts most safely wins, in this order:

1. ``auto_reply``: marked by its headers or subject, or written by a machine (out of
   office, delivery failure). Nothing a person wrote is in it: words of someone away
   ("out of the office") yield to anything else the same words ask, with less confidence.
2. ``dispute``: the customer contests the invoice; reminders must stop until a person
   acts, even if they also say they paid part or will pay.
3. ``already_paid``: a claim of payment also needs a person to check the ledger, and
   outranks "it never arrived" ("we did not receive your reminder but we paid").
4. ``invoice_not_received``: a resend is cheap and undoes nothing, so it outranks a plan
   or a promise made in the same reply; those stay visible in ``Understanding.also``
   and a promised date is still returned.
5. ``payment_plan``: asking to pay in parts needs a person's answer; it outranks a
   promise because a plan usually comes with dates ("half now, half on the 30th").
6. ``promise_to_pay``: snooze reminders to ``promised_date`` (None when no date is named).
7. ``other``: a person reads it.

The first classifier, ``classify`` and ``ReplyKind``, stays for the job until it moves
to ``understand``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from enum import StrEnum

from sync.replies import confidence, machine
from sync.replies import rules as rules
from sync.replies.intents import Intent as Intent
from sync.replies.promises import named_dates
from sync.replies.text import normalise as _normalise
from sync.replies.text import own_words, subject_words


class ReplyKind(StrEnum):
    """What a reply was understood to say."""

    NOT_RECEIVED = "not_received"
    AUTOMATIC = "automatic"
    OTHER = "other"


_EN = (
    r"\bnever (?:got|received|receive)\b",
    r"\b(?:did ?n[o']?t|have ?n[o']?t|has ?n[o']?t|not) (?:yet )?"
    r"(?:get|got|receive|received|seen)\b"
    r".{0,40}\binvoice\b",
    r"\binvoice\b.{0,40}\b(?:never|not) (?:arrived|received|came|reached)\b",
    r"\b(?:please |kindly |can you |could you )(?:re-?send|send (?:it|the invoice|a copy) again)\b",
    r"\bresend (?:the |a copy of the )?invoice\b",
    r"\bsend (?:me |us )?(?:a )?copy of the invoice\b",
)
_AR = (
    r"لم (?:تصل|يصل|تصلنا|يصلنا|تصلني|يصلني|نستلم|استلم|نتسلم|اتسلم)",
    r"ما (?:وصلت|وصل|وصلتنا|وصلنا|استلمنا|استلمت)",
    r"(?:اعاده|اعيدوا|نرجو|يرجي|الرجاء|ارجو) ?(?:ارسال|ارسالها|ارساله|ارسلوا)",
    r"ارسال(?:ها)? مره اخري",
    r"ارسلوا (?:لنا|لي)? ?(?:نسخه|الفاتوره)",
)
_PATTERNS = tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in _EN + _AR)
_QUOTE_START = re.compile(
    r"^(?:>|On .+wrote:\s*$|في .+كتب.*:\s*$|-----\s*Original Message|From: )", re.IGNORECASE
)
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": ""})


def own_text(body: str) -> str:
    """The customer's own words: the body before the quoted earlier message."""
    lines = []
    for line in body.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines)


def normalise(text: str) -> str:
    """Fold case, Arabic letter variants and diacritics so simple rules match."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.translate(_ARABIC_FOLD)).lower()


def classify(subject: str, body: str, *, automatic: bool = False) -> ReplyKind:
    """Say what a reply asks for.

    Args:
        subject: The reply's subject.
        body: The plain-text body, quoted history included (it is cut off here).
        automatic: True when the headers mark it as an auto-reply or bounce.

    Returns:
        The kind of reply.
    """
    if automatic:
        return ReplyKind.AUTOMATIC
    text = normalise(own_text(body))
    if any(p.search(text) for p in _PATTERNS):
        return ReplyKind.NOT_RECEIVED
    return ReplyKind.OTHER


@dataclass(frozen=True, slots=True)
class Understanding:
    """What ``understand`` made of one reply.

    Attributes:
        intent: The intent that decides what happens next.
        promised_date: The date the customer promised to pay, on or after the day the
            reply arrived; set for a promise, a plan, or an "it never arrived" reply that
            also promises. None otherwise, or when no date was named.
        bounce: True when the reply is a delivery failure: the address is failing.
        evidence: The words that decided the intent (normalised: folded case, unified
            Arabic letters, Latin digits), for the note the accountant reads.
        also: Other intents the reply expressed, in precedence order.
        score: How sure the reading is, from 0 to 1 (``sync.replies.confidence``).
        doubt: Why a person is told instead of acting on the reading (a guess below the
            floor, or a model that read it otherwise); empty when there is no doubt.
    """

    intent: Intent
    promised_date: date | None = None
    bounce: bool = False
    evidence: str = ""
    also: tuple[Intent, ...] = ()
    score: float = 1.0
    doubt: str = ""

    @property
    def kind(self) -> ReplyKind:
        """The same reply in the first classifier's terms."""
        if self.intent is Intent.AUTO_REPLY:
            return ReplyKind.AUTOMATIC
        if self.intent is Intent.INVOICE_NOT_RECEIVED:
            return ReplyKind.NOT_RECEIVED
        return ReplyKind.OTHER


_PRECEDENCE = (
    (Intent.ALREADY_PAID, rules.PAID_FIRST),
    (Intent.DISPUTE, rules.DISPUTE),
    (Intent.ALREADY_PAID, rules.ALREADY_PAID),
    (Intent.INVOICE_NOT_RECEIVED, rules.NOT_RECEIVED),
    (Intent.PAYMENT_PLAN, rules.PAYMENT_PLAN),
    (Intent.PROMISE_TO_PAY, rules.PROMISE),
)
_DATED = frozenset({Intent.PROMISE_TO_PAY, Intent.PAYMENT_PLAN})
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|mail delivery (?:subsystem|system)", re.I)
_DELIVERY_REPORT = re.compile(r"multipart/report\b.*report-type\s*=\s*\"?delivery-status", re.I)
_ANY_REPORT = re.compile(r"multipart/report\b", re.I)
# A customer's answer is a few lines; beyond these lengths a body is pasted or generated
# material, and reading it all would only cost time.
_MAX_BODY = 200_000
_MAX_WORDS = 10_000
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})


def understand(
    text: str,
    *,
    subject: str = "",
    received: date,
    headers: Mapping[str, str] | None = None,
) -> Understanding:
    """Say what a reply means and what, if anything, it promises.

    Args:
        text: The plain-text body as it arrived, quoted history and signature included
            (they are cut off here).
        subject: The Subject header, decoded.
        received: The day the reply arrived; promised dates are counted from it.
        headers: The message's headers (any case), when known: Auto-Submitted,
            X-Autoreply, X-Autorespond, Precedence, Content-Type, From, Return-Path,
            X-Failed-Recipients are read.

    Returns:
        The understanding of the reply. Never raises on any text.
    """
    words = _normalise(own_words(text[:_MAX_BODY]))[:_MAX_WORDS]
    automatic = _automatic(subject, headers or {}, words)
    if automatic is not None:
        return automatic
    found = _found(words)
    if not found and not _auto_words(words):
        # An empty or unread body: the subject may say it ("NOT RECEIVED, please resend").
        said = _normalise(subject_words(subject))
        found = [(i, (ev, False)) for i, (ev, _) in _found(said)] if said else found
        words = f"{words} {said}".strip() if said and found else words
    if rules.search(rules.FUTURE_ONLY, words):  # "send invoices to Omar from now on", "in Arabic"
        found = [f for f in found if f[0] is not Intent.INVOICE_NOT_RECEIVED]
    plan = _hardship_plan(words, found[0][0] if found else None)
    found = [plan, *found] if plan else found
    by_words = _auto_words(words)
    if not found:
        return by_words or Understanding(Intent.OTHER, score=confidence.NOTHING_FOUND)
    intent, (evidence, fixed) = found[0]
    # "I'm out of the office today, but we paid it": a person wrote it; the doubt shows.
    also = tuple(i for i, _ in found[1:]) + ((Intent.AUTO_REPLY,) if by_words else ())
    dates: set[date] = set()
    if intent in _DATED or (intent is Intent.INVOICE_NOT_RECEIVED and _DATED & set(also)):
        dates = named_dates(words, received)
    promised = min(dates, default=None)
    if intent is Intent.PAYMENT_PLAN and rules.search(rules.FIRST_NOW, words):
        promised = received  # "half now, the rest on the 30th": now is the day it arrived
    elif intent is Intent.PAYMENT_PLAN and rules.search(rules.UNDATED_FIRST, words):
        promised = None  # "half after salaries, the rest on the 30th": no date
    at = words.find(evidence) + len(evidence)
    question = bool(_QUESTION.match(words[at:]))
    score = confidence.rule_score(
        intent.value,
        fixed=fixed,
        also=[a.value for a in also],
        words=words,
        question=question,
        evidence=evidence,
        dates=len(dates),
    )
    return Understanding(intent, promised, evidence=evidence, also=also, score=score)


_QUESTION = re.compile(r"[^.!\n?]{0,60}\?")


def _found(words: str) -> list[tuple[Intent, tuple[str, bool]]]:
    return [(intent, ev) for intent, lex in _PRECEDENCE if (ev := rules.find_kind(lex, words))]


def _hardship_plan(words: str, first: Intent | None) -> tuple[Intent, tuple[str, bool]] | None:
    """A plan: a promise, or a request for time, made because of hardship (a fire, cash flow)."""
    if first not in (None, Intent.PROMISE_TO_PAY):
        return None
    reason = rules.search(rules.HARDSHIP, words)
    if not reason or (first is None and not rules.search(rules.MORE_TIME, words)):
        return None
    return Intent.PAYMENT_PLAN, (reason, True)


def settle(meant: Understanding, minimum: float) -> Understanding:
    """``other``, with the guess in ``doubt``, when ``meant`` scores below ``minimum``.

    Args:
        meant: What ``understand`` (or a model's agreement) made of a reply.
        minimum: The floor, ``replies.min_confidence``.

    Returns:
        ``meant`` itself when it is sure enough or already ``other``.
    """
    if meant.intent is Intent.OTHER or meant.score >= minimum:
        return meant
    doubt = (
        f"read as {meant.intent.value} with confidence {meant.score:.2f},"
        f" below replies.min_confidence {minimum:.2f}"
    )
    return Understanding(Intent.OTHER, evidence=meant.evidence, score=meant.score, doubt=doubt)


def _automatic(subject: str, headers: Mapping[str, str], words: str) -> Understanding | None:
    """An auto-reply or bounce, told by headers, subject, or the machine's own words."""
    lowered = {k.lower(): v for k, v in headers.items()}
    folded_subject = _normalise(subject)
    bounce = _bounce_evidence(lowered, folded_subject)
    if bounce:
        return Understanding(
            Intent.AUTO_REPLY, bounce=True, evidence=bounce, score=confidence.HEADER
        )
    auto = _auto_header(lowered)
    if auto:
        return Understanding(Intent.AUTO_REPLY, evidence=auto, score=confidence.HEADER)
    auto = rules.search(machine.AUTO_SUBJECT, folded_subject)
    if auto:
        return Understanding(Intent.AUTO_REPLY, evidence=auto, score=confidence.SUBJECT)
    bounced = rules.search(machine.BOUNCE_BODY, words)
    if bounced:
        return Understanding(
            Intent.AUTO_REPLY, bounce=True, evidence=bounced, score=confidence.BODY_BOUNCE
        )
    auto = rules.search(machine.AUTO_BODY, words) or rules.search(machine.AUTO_BODY_MORE, words)
    return (
        Understanding(Intent.AUTO_REPLY, evidence=auto, score=confidence.BODY_AUTO)
        if auto
        else None
    )


def _auto_words(words: str) -> Understanding | None:
    auto = rules.search(machine.AWAY_BODY, words)
    return (
        Understanding(Intent.AUTO_REPLY, evidence=auto, score=confidence.BODY_AUTO)
        if auto
        else None
    )


def _bounce_evidence(headers: Mapping[str, str], subject: str) -> str | None:
    content_type = headers.get("content-type", "")
    if _DELIVERY_REPORT.search(content_type):
        return "content-type: delivery-status report"
    if "x-failed-recipients" in headers:
        return "x-failed-recipients"
    for name in ("from", "sender", "return-path"):
        if _BOUNCE_SENDER.search(headers.get(name, "")):
            return f"{name}: {headers[name]}"
    return rules.search(machine.BOUNCE_SUBJECT, subject)


def _auto_header(headers: Mapping[str, str]) -> str | None:
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return f"auto-submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers:
            return name
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"precedence: {precedence}"
    if _ANY_REPORT.search(headers.get("content-type", "")):
        return "content-type: multipart/report"
    if headers.get("return-path", "").strip() == "<>":
        return "return-path: <>"
    return None


_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]", re.M)
_KNOWN_HEADERS = re.compile(rb"^(?:from|subject|date|message-id|content-type|to):", re.I | re.M)


def understand_message(data: bytes, *, received: date) -> Understanding:
    """Understand a reply given as raw bytes: a whole RFC 822 message, or just its text.

    Args:
        data: The message (headers, body, any MIME structure) or a plain body.
        received: The day it arrived.
    """
    head = data[:4096]
    if not (_HEADER_LINE.match(head) and _KNOWN_HEADERS.search(head)):
        return understand(data.decode("utf-8", "replace"), received=received)
    message = BytesParser(policy=email_policy.default).parsebytes(data)
    headers = {k: str(v) for k, v in message.items()}
    return understand(
        _body_text(message),
        subject=str(message.get("Subject", "")),
        received=received,
        headers=headers,
    )


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain", "html"))
    if part is None:
        return ""
    try:
        text = str(part.get_content())
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", text))
        text = html.unescape(text)
    return text


def failed_recipients(message: EmailMessage) -> tuple[str, ...]:
    """The addresses a delivery failure report says could not be reached.

    Reads ``X-Failed-Recipients`` and the ``Final-Recipient`` (or ``Original-Recipient``)
    of every failed recipient in a ``message/delivery-status`` part (RFC 3464).
    """
    found: list[str] = []
    for value in message.get_all("X-Failed-Recipients", []):
        found += [a.strip() for a in str(value).split(",") if "@" in a]
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if isinstance(block, str):
                continue
            action = str(block.get("Action", "failed")).strip().lower()
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
            if recipient and action == "failed":
                found.append(str(recipient).split(";", 1)[-1].strip())
    unique = dict.fromkeys(a.strip("<>").lower() for a in found if "@" in a)
    return tuple(unique)

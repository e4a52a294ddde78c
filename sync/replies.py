"""Understand what a customer's reply asks for, in Arabic or English. Pure.

This first classifier knows one request by simple rules, the one that must be answered
at once: "the invoice never arrived". Auto-replies are ignored; anything else is left
for a person to read, and reminders to that invoice pause until they do.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


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

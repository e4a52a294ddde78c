"""Matching a lexicon against a reply: phrases, negation, "no" answers, future words. Pure.

The lexicons themselves, and how their patterns are written, are in
``sync.replies.rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync.replies.text import fold


def phrases(*parts: str) -> re.Pattern[str]:
    """One pattern matching any of ``parts``, folded (see ``sync.replies.rules``)."""
    return re.compile("|".join(f"(?:{fold(p)})" for p in parts))


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The phrases of one intent.

    Attributes:
        fixed: Phrases that count wherever they appear.
        checked: Phrases that a negation, a "no" answer or (when ``guarded``) a future
            or conditional word in the same clause cancels.
        guarded: Whether future and conditional words cancel ``checked`` phrases.
    """

    fixed: re.Pattern[str]
    checked: re.Pattern[str]
    guarded: bool = False


NEG = r"(?:never|not|no|nor|cannot|can ?not|unable to|yet to|(?:did|do|does|have|has|had|was|were|is|are|ca|could|would|wo|should)n'?t)"  # noqa: E501
AR_NEG = r"(?:لم|لن|ما|مش|مو|مب|موب|ليس|ليست|غير|ولا|لا|ماني|مانا|محنا|ماحنا|مافي)"

_NEGATION = re.compile(rf"(?:\b{NEG}\b|\b{AR_NEG}\b)[^,.;!?\n]{{0,24}}$")
_ANSWERED_NO = re.compile(r"^\s*\?+\s*(?:no|nope|not|لا|لأ)\b")
_FUTURE = re.compile(
    r"\b(?:will|'ll|shall|going to|gonna|if|once|when|until|hope|hopefully|should|would|could"
    r"|can|to be|expect|اذا|لو|لما|عندما|حين|حتي|قبل ما)\b"
)
# "I'll let you know when it will be paid": a question for later, not a claim or promise.
_ASKING = re.compile(
    r"\b(?:let you know|advise|inform you|confirm|check|find out|ask) (?:when|if|whether)\b"
)
_NEG_INSIDE = re.compile(rf"\b{NEG}\b")
_CLAUSE_END = re.compile(r"[,.;!?\n]|\b(?:but|however|though|although|لكن|لكننا|بس|بينما)\b")


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 80) : start]
    ends = list(_CLAUSE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _cancelled(text: str, m: re.Match[str], *, guarded: bool) -> bool:
    before = _clause_before(text, m.start())
    if _NEGATION.search(before) or _ANSWERED_NO.match(text[m.end() :]):
        return True
    if _NEG_INSIDE.search(m.group()) or _ASKING.search(before):
        return True
    return guarded and bool(_FUTURE.search(before))


def find(lexicon: Lexicon, text: str) -> str | None:
    """The first phrase of ``lexicon`` that ``text`` says, or None.

    Args:
        lexicon: One intent's phrases.
        text: Normalised text (``sync.replies.text.normalise``).

    Returns:
        The matched words, as evidence.
    """
    found = find_kind(lexicon, text)
    return found[0] if found else None


def find_kind(lexicon: Lexicon, text: str) -> tuple[str, bool] | None:
    """Like ``find``, with whether the phrase was a ``fixed`` one (True) or ``checked``."""
    fixed = lexicon.fixed.search(text)
    if fixed and fixed.group().strip():
        return fixed.group().strip(), True
    for m in lexicon.checked.finditer(text):
        if m.group().strip() and not _cancelled(text, m, guarded=lexicon.guarded):
            return m.group().strip(), False
    return None


def search(pattern: re.Pattern[str], text: str) -> str | None:
    """The words of ``text`` that ``pattern`` matches first, or None."""
    m = pattern.search(text)
    return m.group().strip() if m else None

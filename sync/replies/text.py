"""Prepare a reply's text for reading: the customer's own words, normalised. Pure.

Mail clients put the message being answered below the answer, and people end with a
signature; both carry words ("resend", "if you have already paid") that would mislead
the rules in ``sync.replies.understanding``. This module cuts them off and folds the many spellings
of Arabic and English down to one form the rules can match:

- quoted history: lines starting with ``>``, and everything after a quote header
  (Gmail, Apple Mail, Outlook, "Original Message" and forwarded-message separators, in
  English and Arabic);
  a reply written under a ``>`` quote, with nothing above it, is read below it;
- signatures: everything after a ``-- `` line, a "Sent from my iPhone" line or a
  confidentiality disclaimer, and a closing ("Regards," / "مع التحية") followed only by
  a short name block;
- normalisation: compatibility forms, diacritics, tatweel and direction marks removed;
  alef forms, alef maksura, teh marbuta and hamza seats unified; Arabic-Indic and
  Persian digits made Latin; curly quotes straightened; case folded; spaces collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Direction, joiner and byte-order marks that mail clients put around Arabic text.
_INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_FOLD = str.maketrans(
    {
        **{ch: None for ch in _INVISIBLE},
        "\u0640": None,  # tatweel
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ة": "ه",
        "ک": "ك",
        "چ": "ج",
        "گ": "ك",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "،": ",",
        "؛": ";",
        "؟": "?",
        "٪": "%",
        "٫": ".",
        "٬": ",",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_SPACES = re.compile(r"\s+")

# A line that starts quoted history; everything from it on is dropped.
_QUOTE_HEADERS = (
    r"on\b.{0,200}\bwrote\s*:",  # Gmail, Apple Mail, Thunderbird (English)
    r"في\s.{0,200}(?:كتب|كتابه)[^\n]{0,200}:",  # Gmail and Apple Mail (Arabic)
    r"بتاريخ\s.{0,200}كتب[^\n]{0,200}:",
    r"-{2,}\s*(?:original message|(?:ال)?رساله (?:ال)?اصليه|forwarded message"
    r"|(?:ال)?رساله (?:ال)?معاد(?:ه)? توجيهها|(?:ال)?رساله (?:ال)?محوله)\s*-{2,}",
    r"-{2,}\s*(?:original message|forwarded message)\b",
    r"begin forwarded message\s*:",
    r"_{10,}",  # Outlook's rule above its header block
)
_QUOTE_HEADER = re.compile(r"^(?:" + "|".join(_QUOTE_HEADERS) + r")\s*$", re.DOTALL)
# Outlook: "From:" / "من:" followed within a few lines by "Sent:" / "تاريخ الإرسال:" etc.
_FROM_LINE = re.compile(r"^(?:\*?from\s*:|\*?من\s*:|المرسل\s*:)")
_HEADER_FIELD = re.compile(
    r"^\*?(?:sent|date|to|subject|cc|تاريخ الارسال|تم الارسال|ارسلت|ارسل|التاريخ|بتاريخ|الي"
    r"|الموضوع|نسخه|نسخه الي|المرسل اليه)\s*:"
)

_SIG_DELIMITER = re.compile(r"^--\s*$")
_DISCLAIMER = re.compile(
    r"^(?:disclaimer|confidentiality notice|this (?:e-?mail|message)(?: and any attachments?)?"
    r" (?:is|are|may be) (?:confidential|intended)|تنويه|اخلاء (?:ال)?مسووليه)\b"
)
# Openings of a notice a company puts under every mail; cut only below the customer's words.
_NOTICE = re.compile(
    r"^(?:important(?: notice)?|notice|caution|warning|privileged|confidential)\s*:"
    r"|^the information (?:in|contained in) this (?:e-?mail|message)\b"
    r"|^this (?:e-?mail|message|communication) (?:and any|contains|may contain)\b"
    r"|^(?:اشعار سريه|سري للغايه|هذه الرساله سريه)"
)
_SENT_FROM = re.compile(
    r"^(?:sent from (?:my )?\S+|sent from (?:mail|outlook|yahoo)\b.*|get outlook for \w+"
    r"|sent (?:via|with) .{1,40}|(?:ارسلت|مرسل|ارسل) (?:من|عبر) .{1,40})$"
)
_CLOSING = re.compile(
    r"^(?:(?:best|kind|warm|many)?\s*(?:regards|wishes)|best|cheers|sincerely|yours(?: \w+)?"
    r"|thanks(?: (?:and|&) regards)?|thank you|many thanks|thx|br"
    r"|مع (?:خالص )?(?:التحيه|تحياتي|الشكر|التقدير)|تحياتي|تحياتنا|مع الشكر|شكرا(?: لكم)?"
    r"|وتفضلوا بقبول .{0,60}|وشكرا|مع الاحترام|احترامي|تقبلوا تحياتنا)[\s,.!]*$"
)
_NAME_BLOCK_LINES = 6
_NAME_BLOCK_WIDTH = 60


def fold(text: str) -> str:
    """Fold letter and digit variants without changing the line structure.

    Args:
        text: Any text.

    Returns:
        The text with compatibility forms, diacritics and invisible marks removed,
        Arabic letter and digit variants unified, quotes straightened and case folded.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).translate(_FOLD).casefold()


def normalise(text: str) -> str:
    """Fold ``text`` (see ``fold``), collapse white space, and mend common misspellings.

    Args:
        text: Any text.

    Returns:
        One line of folded text, stripped at both ends, with the misspellings that
        phones and hurried typing leave ("pay mint", "invoce", "attachmnet") mended.
    """
    folded = _SPACES.sub(" ", fold(text)).strip()
    return _MISSPELT.sub(lambda m: _MENDED[m[0]], folded)


# What autocorrect and hurried typing make of the words the rules look for.
_MENDED = {
    **dict.fromkeys(("pay mint", "paymnet", "payemnt", "pyment", "paymet", "paymant"), "payment"),
    **dict.fromkeys(("invoce", "invoise", "invocie", "inovice", "invioce", "invice"), "invoice"),
    **dict.fromkeys(("attachmnet", "attachement", "atachment", "attachemnt"), "attachment"),
    **dict.fromkeys(("amout", "ammount", "amoun"), "amount"),
    **dict.fromkeys(("tmrw", "tmr", "tomorow", "tommorow", "tommorrow", "2moro"), "tomorrow"),
    "diffrent": "different",
    "transfered": "transferred",
}
_MISSPELT = re.compile(r"\b(?:" + "|".join(_MENDED) + r")\b")


def strip_quoted(text: str, *, cut: bool = False) -> str:
    """Drop quoted history: ``>`` lines and everything after a quote header.

    Args:
        text: A reply's plain-text body.
        cut: Whether a pasted reminder was already cut from ``text``: then a reply
            written under an unmarked quote header starts after the header block.

    Returns:
        The lines written in this reply, trailing blank lines removed.
    """
    kept = _until_stable(_strip_quoted_once, text)
    return kept if kept else _below_quote(text, cut)


def _below_quote(text: str, cut: bool) -> str:
    """The words written under a ``>`` quote ("bottom-posting"), when none are above it."""
    lines = text.splitlines()
    folded = [fold(line).strip() for line in lines]
    start = next((i for i in range(len(lines)) if _starts_history(folded, i)), None)
    below = lines[start + 1 :] if start is not None else lines
    if not any(f.startswith(">") for f in folded):
        return _below_unmarked(lines, folded, start, cut)
    own = [line for line in below if not fold(line).strip().startswith(">")]
    return _until_stable(_strip_quoted_once, "\n".join(own))


# The first line of each of Tahseel's messages (``templates/*/*.txt``, block ``about``).
_TITLE = re.compile(
    r"^(?:(?:friendly )?reminder|final notice|follow-up|payment date noted|thank you"
    r"|(?:تذكير|تذكير ودي|اشعار اخير|متابعه|تاكيد موعد السداد|شكرا لكم))\s*:"
    r"|^(?:invoice \S+ sent again|about invoice \S+|اعاده ارسال الفاتوره|بخصوص الفاتوره رقم)"
)
_ADDRESS_LINE = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")


def _below_unmarked(lines: list[str], folded: list[str], start: int | None, cut: bool) -> str:
    """The words under a quoted message that carries no ``>`` marks (bottom-posting).

    The quoted message ends with its sender's address alone on a line, or, when its
    pasted reminder was ``cut`` already, with the blank line that closes its header
    block (and the reminder's title line, if left).
    """
    if start is None or any(folded[:start]):
        return ""
    ends = [i for i in range(start + 1, len(folded)) if _ADDRESS_LINE.match(folded[i])]
    if ends:
        after = ends[-1] + 1
    elif cut:
        after = next((i for i in range(start + 1, len(folded)) if not folded[i]), len(folded))
        after = next(
            (i for i in range(after, len(folded)) if folded[i] and not _TITLE.match(folded[i])),
            len(folded),
        )
    else:
        return ""
    return _until_stable(_strip_quoted_once, "\n".join(lines[after:]))


def _until_stable(step: Callable[[str], str], text: str) -> str:
    # Removing lines can bring two others together into a new cut; repeat until none.
    while (shorter := step(text)) != text:
        text = shorter
    return text


def _strip_quoted_once(text: str) -> str:
    lines = text.splitlines()
    folded: list[str] = []
    kept: list[str] = []
    for i, line in enumerate(lines):
        # Fold only as far as needed: a header looks at most four lines ahead.
        folded.extend(fold(ln).strip() for ln in lines[len(folded) : i + 5])
        if _starts_history(folded, i):
            break
        if folded[i].startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _starts_history(folded: list[str], i: int) -> bool:
    line = folded[i]
    if not line:
        return False
    if _QUOTE_HEADER.match(line):
        return True
    # Gmail wraps a long header over two lines ("... <" / "x@y> wrote:").
    if i + 1 < len(folded) and _QUOTE_HEADER.match(f"{line} {folded[i + 1]}"):
        return line.startswith(("on ", "في ", "بتاريخ "))
    if _FROM_LINE.match(line):
        following = folded[i + 1 : i + 5]
        return any(_HEADER_FIELD.match(f) for f in following)
    return False


def strip_signature(text: str) -> str:
    """Drop a signature: after ``-- ``, "Sent from my …", or a closing and a name block.

    A closing is only cut when words come before it, so that a reply of just
    "Thanks!" keeps its one word.

    Args:
        text: A reply's own text (quoted history already removed).

    Returns:
        The text without its signature, trailing blank lines removed.
    """
    return _until_stable(_strip_signature_once, text)


def _strip_signature_once(text: str) -> str:
    lines = text.splitlines()
    folded = [fold(line).strip() for line in lines]
    for i, line in enumerate(folded):
        if (
            _SIG_DELIMITER.match(lines[i].strip())
            or _SENT_FROM.match(line)
            or _DISCLAIMER.match(line)
            or (_NOTICE.match(line) and any(folded[:i]))
        ):
            lines, folded = lines[:i], folded[:i]
            break
    for i, line in enumerate(folded):
        if i and _CLOSING.match(line) and _is_name_block(folded[i + 1 :]):
            if any(folded[:i]):
                lines = lines[:i]
            break
    return "\n".join(lines).strip()


def _is_name_block(lines: list[str]) -> bool:
    rest = [line for line in lines if line]
    return len(rest) <= _NAME_BLOCK_LINES and all(len(line) <= _NAME_BLOCK_WIDTH for line in rest)


# Lines of a reminder's own wording (``templates/en``, ``templates/ar``): its fields, its
# payment link and its closing sentence. A reminder pasted whole, without quote markers,
# shows two or more of them.
_REMINDER_LINE = re.compile(
    r"^(?:(?:invoice number|your reference|invoice total|amount due|due date|رقم الفاتوره"
    r"|مرجعكم|اجمالي الفاتوره|المبلغ المستحق|تاريخ الاستحقاق)\s*:"
    r"|https?://pay\.\S+$|if you have already paid\b|(?:و)?ان كنتم قد سددتم\b)"
)
_SALUTATION = re.compile(r"^(?:dear|hello|hi|السيد|الساده|الاستاذ|الاخ|الاخت|عزيزي)\b")
_REMINDER_REACH = 12


def strip_pasted_reminder(text: str) -> str:
    """Drop a reminder pasted whole without quote markers, from its salutation to its sender.

    Args:
        text: A reply's plain-text body.

    Returns:
        The text around the pasted reminder; ``text`` itself when none is there.
    """
    lines = text.splitlines()
    folded = [fold(line).strip() for line in lines]
    marks = [i for i, line in enumerate(folded) if _REMINDER_LINE.match(line)]
    if len(marks) < 2:
        return text
    first, last = marks[0], marks[-1]
    start = next(
        (
            i
            for i in range(first - 1, max(-1, first - _REMINDER_REACH), -1)
            if _SALUTATION.match(folded[i]) and (i == 0 or not folded[i - 1])
        ),
        first,
    )
    end = next(
        (i for i in range(last, min(len(lines), last + _REMINDER_REACH)) if "@" in folded[i]),
        last,
    )
    return "\n".join(lines[:start] + lines[end + 1 :]).strip()


_SUBJECT_PREFIX = re.compile(
    r"^(?:(?:re|fw|fwd|aw|tr|رد|اعاده توجيه|توجيه)\s*(?:\[\d+\])?\s*:\s*)+"
)
# The subjects of Tahseel's own mail (``templates/en``, ``templates/ar``): not the customer's.
_OUR_SUBJECT = re.compile(
    r"^(?:reminder|final notice|friendly reminder|تذكير|تذكير ودي|اشعار اخير)\s*:"
    r"|^(?:invoice|الفاتوره)\s+\S+\s+(?:from|من)\s"
)


def subject_words(subject: str) -> str:
    """The customer's own words in a subject: "Re:" and the like removed; our subjects none.

    Args:
        subject: The reply's subject, decoded.

    Returns:
        The words, folded; empty when the subject is one of Tahseel's own.
    """
    said = _SUBJECT_PREFIX.sub("", fold(subject).strip())
    return "" if _OUR_SUBJECT.match(said) else said


def own_words(text: str) -> str:
    """The customer's own words: quoted history and signature removed.

    A reminder pasted whole without quote markers is removed first: the customer's
    words may be above it or below it.

    Args:
        text: A reply's plain-text body, as it arrived.

    Returns:
        The text the customer wrote, not normalised (see ``normalise``).
    """
    unpasted = strip_pasted_reminder(text)
    return strip_signature(strip_quoted(unpasted, cut=unpasted != text))

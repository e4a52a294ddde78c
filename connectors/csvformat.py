"""How a CSV export writes its values: delimiter, decimal and thousands separators, encoding.

Nothing here is guessed while reading. An amount is read under the declared format
only, and one that could mean two things (``1.000``: one, or one thousand?) is refused
with what would be accepted. The guessing happens apart, in ``hints``: when a file
cannot be read as declared, it says which setting would read it, for ``tahseel
check`` and for the error message.

Arabic-Indic digits (``٠١٢٣٤٥٦٧٨٩``, and the Persian ``۰۱۲۳۴۵۶۷۸۹``) are accepted in
amounts and dates and read as the digits they are; the Arabic decimal separator
``٫`` and thousands separator ``٬`` are unambiguous and accepted in amounts whatever
the declared separators. A value mixing two scripts of digits is refused.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DECIMALS",
    "THOUSANDS",
    "CsvFormat",
    "Hint",
    "RowProblem",
    "Unaccepted",
    "decimal_hint",
    "delimiter_hint",
    "encoding_hint",
    "parse_amount",
    "parse_currency",
    "parse_date",
    "parse_language",
    "parse_moment",
    "parse_timezone",
]

DECIMALS = (".", ",")
"""Decimal separators a ledger may declare."""

THOUSANDS = (",", ".", " ", "'")
"""Thousands separators a ledger may declare (or none)."""

DELIMITERS = (",", ";", "\t", "|")
"""Column delimiters a ledger may declare, and those ``delimiter_hint`` tries."""

LANGUAGES = ("en", "ar")
"""The languages a ledger may give a customer."""
_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
"""ISO 4217 currencies with three decimals (the fils, baisa and millime)."""

_SPACES = "\u00a0\u202f"  # no-break and narrow no-break spaces group digits as a space does
_ARABIC = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_PERSIAN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
_ARABIC_DECIMAL, _ARABIC_THOUSANDS = "\u066b", "\u066c"
_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")
_ONE_SCRIPT = "in digits of one script (this value mixes two)"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class Unaccepted(ValueError):
    """A value that cannot be read: what would be accepted, and why this one is not.

    Args:
        accepted: What would be read, e.g. ``a date like 2026-11-23``.
        why: What is wrong with the value beyond that, if anything.
    """

    def __init__(self, accepted: str, why: str = "") -> None:
        super().__init__(f"expected {accepted}" + (f", {why}" if why else ""))
        self.accepted = accepted
        self.why = why


@dataclass(frozen=True)
class RowProblem:
    """One problem with one value of one row: where, what was there, what would do.

    ``str()`` gives the one line the ledger's ``problems`` hold, e.g.
    ``invoices.csv:7: due_date: expected a date like 2026-11-23, got '2026-9-23'
    (invoice INV-1007)``.

    Attributes:
        file: The file's name.
        line: The line of the row (1 is the header).
        column: The column the problem is in.
        message: What is wrong, e.g. ``expected a date like 2026-11-23``.
        value: The value as read; None when the problem is not one value's
            (a missing value, a number used twice).
        expected: What would be accepted, when one value was refused.
        invoice: The row's invoice number (or id), to find it by.
    """

    file: str
    line: int
    column: str
    message: str
    value: str | None = None
    expected: str | None = None
    invoice: str = ""

    def __str__(self) -> str:
        got = f", got {self.value!r}" if self.value is not None else ""
        suffix = f" (invoice {self.invoice})" if self.invoice else ""
        return f"{self.file}:{self.line}: {self.column}: {self.message}{got}{suffix}"


@dataclass(frozen=True)
class CsvFormat:
    """How the file writes its values.

    Attributes:
        delimiter: Between columns: ``,`` ``;`` a tab or ``|``.
        decimal: Before the fraction of an amount: ``.`` or ``,``.
        thousands: Between groups of three digits, or None when amounts are written
            without grouping.
        encoding: Any codec Python knows, e.g. ``utf-8`` (a byte-order mark is
            fine) or ``windows-1256``.
    """

    delimiter: str = ","
    decimal: str = "."
    thousands: str | None = ","
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        if self.decimal not in DECIMALS:
            raise ValueError(f"decimal: expected one of {' '.join(DECIMALS)}")
        if self.thousands is not None and self.thousands not in THOUSANDS:
            raise ValueError(f"thousands: expected one of {THOUSANDS} or none")
        if self.thousands == self.decimal:
            raise ValueError("thousands: must differ from decimal")
        if self.delimiter not in DELIMITERS:
            raise ValueError(f"delimiter: expected one of {DELIMITERS}")
        codecs.lookup(self.encoding)

    @property
    def example(self) -> str:
        """An amount as this format writes it, e.g. ``1,234.50`` or ``1.234,50``."""
        return f"1{self.thousands or ''}234{self.decimal}50"

    def decode(self, data: bytes) -> str:
        """The file's text; a UTF-8 byte-order mark is dropped.

        Raises:
            UnicodeDecodeError: The bytes are not in the declared encoding.
        """
        utf8 = codecs.lookup(self.encoding).name == "utf-8"
        return data.decode("utf-8-sig" if utf8 else self.encoding)


def latin_digits(value: str) -> str:
    """``value`` with Arabic-Indic and Persian digits written as 0-9.

    Raises:
        ValueError: The value mixes digits of two scripts.
    """
    if value.isascii():
        return value  # the common case, and no script to mix
    scripts = {
        "latin"
        if c.isascii()
        else "arabic"
        if "٠" <= c <= "٩"
        else "persian"
        if "۰" <= c <= "۹"
        else "other"
        for c in value
        if c.isdigit()
    }
    if len(scripts) > 1:
        raise ValueError("mixes digits of two scripts")
    return value.translate(_ARABIC).translate(_PERSIAN)


def places_of(currency: str | None) -> int:
    """Decimals an amount in ``currency`` may have: three for the dinars, else two."""
    return 3 if currency in _THREE_DECIMALS else 2


_PLAIN_AMOUNT = re.compile(r"\d+(?:\.(\d+))?", re.ASCII)
"""Digits and maybe a point and decimals: read alike under every format whose decimal
separator is a point."""


@functools.lru_cache(maxsize=16)
def _amount_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    """An amount with these separators: groups of three, or none, then the decimals."""
    group = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|" if thousands else ""
    return re.compile(rf"(?:{group}\d+)(?:{re.escape(decimal)}(\d+))?", re.ASCII)


def parse_amount(value: str, fmt: CsvFormat, currency: str | None = None) -> Decimal:
    """Read an amount written in ``fmt``; nothing else is tried.

    Args:
        value: The text, stripped.
        fmt: The ledger's declared format.
        currency: The row's currency: an amount may have as many decimals as it has
            (two, three for BHD, IQD, JOD, KWD, LYD, OMR, TND). More than that is
            refused: ``1.000`` in SAR is a thousands separator or a mistake, not one.

    Raises:
        Unaccepted: The value is not an amount in this format, or is ambiguous.
    """
    plain = _PLAIN_AMOUNT.fullmatch(value) if fmt.decimal == "." else None
    if plain and len(plain.group(1) or "") <= places_of(currency):
        return Decimal(value)  # what the steps below make of it, for most amounts
    accepted = f"an amount like {fmt.example}"
    try:
        text = latin_digits(value)
    except ValueError:
        raise Unaccepted(accepted, _ONE_SCRIPT) from None
    decimal: str
    thousands: str | None
    if _ARABIC_DECIMAL in text or _ARABIC_THOUSANDS in text:
        decimal, thousands = _ARABIC_DECIMAL, _ARABIC_THOUSANDS
    else:
        decimal, thousands = fmt.decimal, fmt.thousands
        if thousands == " ":
            text = text.translate(str.maketrans(_SPACES, "  "))
    match = _amount_pattern(decimal, thousands).fullmatch(text)
    if not match:
        raise Unaccepted(accepted)
    fraction = match.group(1) or ""
    places = places_of(currency)
    if len(fraction) > places:
        raise Unaccepted(
            accepted,
            f"not {len(fraction)} decimals ({currency or 'an amount'} has {places}; if"
            f" {decimal!r} separates thousands, declare decimal and thousands in the"
            " ledger settings)",
        )
    whole = text[: match.start(1) - 1] if match.group(1) is not None else text
    digits = whole.replace(thousands, "") if thousands else whole
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def parse_date(value: str) -> date:
    """Read a ``YYYY-MM-DD`` date, in Latin or Arabic-Indic digits.

    Raises:
        Unaccepted: Anything else, or a day the calendar does not have.
    """
    accepted = "a date like 2026-11-23"
    try:
        text = latin_digits(value)
    except ValueError:
        raise Unaccepted(accepted, _ONE_SCRIPT) from None
    if _DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
    raise Unaccepted(accepted)


def parse_currency(value: str) -> str:
    """Read a three-letter currency code, in capitals; raise ``Unaccepted`` for anything else."""
    code = value.upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise Unaccepted("a three-letter currency code like SAR")
    return code


def parse_moment(value: str) -> datetime:
    """Read an ISO 8601 moment (UTC without an offset); raise ``Unaccepted`` for anything else."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Unaccepted("a moment like 2026-11-22T06:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def parse_language(value: str) -> str:
    """Read one of ``LANGUAGES``, in lower case; raise ``Unaccepted`` for any other."""
    code = value.lower()
    if code not in LANGUAGES:
        raise Unaccepted(f"one of {', '.join(LANGUAGES)}")
    return code


def parse_timezone(value: str) -> str:
    """Read an IANA time zone's name; raise ``Unaccepted`` for one the database lacks."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unaccepted("an IANA time zone like Asia/Riyadh") from None
    return value


@dataclass(frozen=True)
class Hint:
    """A setting that would read the file: ``setting: value`` in the ledger section.

    Attributes:
        setting: The setting's name, e.g. ``delimiter``.
        value: Its value, e.g. ``;``; None for YAML's ``null``.
        reason: What was seen, e.g. ``the header is separated by ';'``.
    """

    setting: str
    value: str | None
    reason: str

    @property
    def line(self) -> str:
        """The setting as a line of YAML, e.g. ``delimiter: ";"``."""
        return f"{self.setting}: {json.dumps(self.value)}"

    def __str__(self) -> str:
        return f"{self.reason}: set `{self.line}` in the ledger settings"


def encoding_hint(data: bytes, fmt: CsvFormat) -> Hint | None:
    """Which encoding reads a file that the declared one cannot, if one is clear."""
    try:
        fmt.decode(data)
        return None
    except UnicodeDecodeError:
        pass
    for name, label, shows_arabic in (
        ("utf-8", "UTF-8", False),
        ("windows-1256", "Windows-1256 (Arabic Windows)", True),
    ):
        with contextlib.suppress(UnicodeDecodeError):
            text = data.decode(name)
            if not shows_arabic or _ARABIC_LETTERS.search(text):
                reason = f"the file is not {fmt.encoding}; it reads as {label}"
                return Hint("encoding", name, reason)
    return None


def delimiter_hint(header: str, fmt: CsvFormat, required: Sequence[str]) -> Hint | None:
    """Which delimiter splits the header line into the required columns, if another does."""
    for delimiter in DELIMITERS:
        if delimiter == fmt.delimiter:
            continue
        names = next(csv.reader(io.StringIO(header), delimiter=delimiter), [])
        columns = {name.strip().lower() for name in names}
        if all(name in columns for name in required):
            shown = "tabs" if delimiter == "\t" else repr(delimiter)
            return Hint("delimiter", delimiter, f"the header is separated by {shown}")
    return None


def decimal_hint(amounts: Iterable[tuple[str, str | None]], fmt: CsvFormat) -> list[Hint]:
    """Which separators read every amount, when the declared ones leave some unread.

    Args:
        amounts: ``(amount, currency)`` pairs as the file has them.
        fmt: The declared format.

    Returns:
        The settings to change (``decimal``, ``thousands``); empty when the declared
        format reads them all or no other format reads them all.
    """
    pairs = [(amount, currency) for amount, currency in amounts if amount]

    def reads_all(candidate: CsvFormat) -> bool:
        try:
            for amount, currency in pairs:
                parse_amount(amount, candidate, currency)
        except ValueError:
            return False
        return True

    if not pairs or reads_all(fmt):
        return []
    for decimal, thousands in ((",", "."), (",", " "), (",", None), (".", ","), (".", None)):
        candidate = CsvFormat(fmt.delimiter, decimal, thousands, fmt.encoding)
        if not reads_all(candidate):
            continue
        example = f"amounts are written like {candidate.example}"
        hints = []
        if decimal != fmt.decimal:
            hints.append(Hint("decimal", decimal, example))
        if thousands != fmt.thousands:
            hints.append(Hint("thousands", thousands, example))
        return hints
    return []

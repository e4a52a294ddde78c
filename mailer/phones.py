"""Phone numbers from a ledger to E.164, with a reason when one cannot be used.

``normalise("0501234567", "SA")`` gives ``+966501234567``. ``phonenumbers`` (Google's
libphonenumber metadata) does the parsing; it accepts ``00966...``, ``966...``, spaces,
dashes and Arabic-Indic digits, and decides validity from the metadata of its release, so
a number one release calls valid the next may not (the reference notes ``052...`` is
invalid in 9.0.43): the reason says which check refused it.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Types that can receive an SMS. FIXED_LINE_OR_MOBILE is what libphonenumber answers
# where a country's plan does not tell them apart (the US, Canada), and VOIP covers
# Twilio's own test numbers (+15005550006 is VOIP, trap 9 of the reference).
_TEXTABLE = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
    }
)

_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number normalised, or the reason it could not be.

    Attributes:
        raw: What the ledger held.
        e164: ``+`` country code and number; None when ``reason`` says why not.
        kind: The number's type as libphonenumber names it (``mobile``,
            ``fixed_line``, ``voip``, ``unknown`` ...).
        reason: Why the number cannot be used; None when it can.
    """

    raw: str
    e164: str | None
    kind: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the number can be sent to."""
        return self.reason is None


def normalise(raw: str, region: str, *, needs_sms: bool = False) -> PhoneNumber:
    """Normalise ``raw`` to E.164, reading a number without ``+`` as one of ``region``.

    Args:
        raw: The number as the ledger holds it (``05 0123 4567``, ``+966...``).
        region: The business's country (ISO 3166 alpha-2, such as ``SA``) for numbers
            written nationally.
        needs_sms: Refuse numbers that cannot take an SMS (landlines: Twilio answers
            21614 for them, per the reference's Saudi rules). WhatsApp numbers are
            mobile in practice, but Meta, not the number plan, decides (63024).

    Returns:
        The number; ``reason`` says in words what is wrong and what to do.
    """
    text = raw.strip()
    if not text:
        return PhoneNumber(raw, None, "unknown", "no phone number: add one to the contact")
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except NumberParseException as exc:
        return PhoneNumber(raw, None, "unknown", f"{raw!r} is not a phone number ({exc._msg})")
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    kind = _TYPE_NAMES.get(phonenumbers.number_type(parsed), "unknown")
    if not phonenumbers.is_possible_number(parsed):
        return PhoneNumber(
            raw,
            None,
            kind,
            f"{raw!r} has the wrong number of digits for {_country(parsed)}: "
            "correct it on the contact",
        )
    if not phonenumbers.is_valid_number(parsed):
        return PhoneNumber(
            raw,
            None,
            kind,
            f"{raw!r} ({e164}) is not a number in use in {_country(parsed)} "
            f"(phonenumbers {phonenumbers.__version__}): correct it on the contact",
        )
    if needs_sms and phonenumbers.number_type(parsed) not in _TEXTABLE:
        return PhoneNumber(
            raw,
            None,
            kind,
            f"{e164} is a {kind.replace('_', ' ')} number and cannot receive SMS: "
            "add a mobile number to the contact",
        )
    return PhoneNumber(raw, e164, kind)


def _country(parsed: phonenumbers.PhoneNumber) -> str:
    code = parsed.country_code or 0
    region = phonenumbers.region_code_for_country_code(code)
    return region if region and region != "ZZ" else f"+{code}"

"""What the settings add to the words of a customer's message: address, greeting, terms.

Pure: built once from the settings, asked per invoice (a salutation) or per day (the
final notice's deadline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from connectors.models import Contact
from mailer.bidi import isolated
from sync.config.settings import Policy, Settings
from sync.config.wording import DEFAULT_PARTY, CustomerSettings, note_in
from sync.plan.calendar import BusinessCalendar

DEFAULT_SALUTATION = "company"
"""How a customer is addressed when neither ``customers`` nor the ledger says."""


@dataclass(frozen=True, slots=True)
class Wording:
    """The settings that shape the words of every customer message.

    Attributes:
        phone: The sender's phone (or WhatsApp) number for the signature, if any.
        greeting: ``standard`` or ``islamic``.
        party: Whom the matter would be referred to after the final notice, by language.
        deadline_days: Business days from the final notice to its deadline.
        thank_you_note: The business's own line for the thank-you (one, or by language).
        customers: ``customers`` by ledger id or name, and by folded name.
    """

    phone: str | None = None
    greeting: str = "standard"
    party: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PARTY))
    deadline_days: int = 7
    thank_you_note: str | dict[str, str] | None = None
    customers: dict[str, CustomerSettings] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, policy: Policy | None = None) -> Wording:
        """Take the wording from validated settings, of ``policy`` (``policy`` if None)."""
        policy = policy or settings.policy
        notice = policy.final_notice
        customers = dict(settings.customers)
        for key, entry in settings.customers.items():
            customers.setdefault(key.casefold(), entry)
        return cls(
            phone=settings.sender.phone,
            greeting=settings.language.greeting,
            party=dict(notice.party),
            deadline_days=notice.deadline_days,
            thank_you_note=policy.thank_you.note,  # type: ignore[arg-type]
            customers=customers,
        )

    def salutation(self, contact: Contact) -> str:
        """``company`` or ``person``: ``customers`` (by id, then name), the ledger, the default."""
        for key in (contact.id, contact.name, contact.name.casefold()):
            entry = self.customers.get(key)
            if entry is not None and entry.salutation is not None:
                return entry.salutation
        return contact.salutation or DEFAULT_SALUTATION

    def deadline(self, today: date, calendar: BusinessCalendar) -> date:
        """The final notice's deadline: ``deadline_days`` business days after ``today``."""
        day, left = today, self.deadline_days
        while left > 0:
            day = calendar.next_business_day(day + timedelta(days=1))
            left -= 1
        return day

    def for_language(self, language: str) -> dict[str, Any]:
        """The template variables that depend only on the settings and the language."""
        return {
            "greeting": self.greeting,
            "escalation": {"party": isolated(self.party.get(language) or self.party.get("en", ""))},
            "thank_you": {"note": note_in(self.thank_you_note, language)},
        }


PLAIN = Wording()
"""The wording of a configuration that sets none of it."""

"""Whether a customer can be reached on a text channel, and at which number.

A customer is reached on a channel when they do not prefer others (``customers:`` in
the settings, else the ledger's field), when one of the contact's numbers is usable on
that channel once normalised to E.164 with the business's country, and when that
number has not opted out. Otherwise the reason says what is wrong and what to do.
"""

from __future__ import annotations

from connectors.models import Invoice
from sync.config.settings import Settings
from sync.store.texts import TextLog


class Reach:
    """Finds the number to text a customer at, or why there is none.

    Args:
        settings: The configuration (the country, the customers' preferences).
        log: The text log (its opt-outs).
    """

    def __init__(self, settings: Settings, log: TextLog) -> None:
        self.settings = settings
        self.log = log
        self._opted_out: set[str] | None = None

    def preference(self, invoice: Invoice) -> tuple[str, ...]:
        """The channels the customer prefers (empty: any)."""
        contact = invoice.contact
        customer = self.settings.customers.get(contact.id) or self.settings.customers.get(
            contact.name
        )
        if customer is not None and customer.channels:
            return customer.channels
        return contact.channels

    def number(self, invoice: Invoice, channel: str) -> tuple[str | None, str | None]:
        """The E.164 number to send ``channel`` to, or (None, the reason there is none)."""
        from mailer.phones import normalise  # phonenumbers' metadata: only when texting

        cfg = self.settings.channels
        if self.settings.mode == "test":  # never a customer's phone in a test run
            if cfg is not None and cfg.test_number:
                return cfg.test_number, None
            return None, "test mode: set channels.test_number to get the test run's texts"
        preferred = self.preference(invoice)
        if preferred and channel not in preferred:
            return None, f"the customer prefers {', '.join(preferred)}"
        phones = invoice.contact.phones
        if not phones:
            return None, (
                f"no phone number for {invoice.contact.name}: add one to the contact"
                " (the CSV ledger's `phones` column)"
            )
        region = self.settings.business.country or "ZZ"
        reasons = []
        for raw in phones:
            found = normalise(raw, region, needs_sms=channel == "sms")
            if found.e164 is not None:
                if found.e164 in self.opted_out():
                    return None, (
                        f"{found.e164} opted out; `tahseel opt-in {found.e164}` once the"
                        " customer asks for messages again"
                    )
                return found.e164, None
            reasons.append(found.reason or raw)
        hint = "" if self.settings.business.country else " (set business.country, e.g. SA)"
        return None, "; ".join(reasons) + hint

    def opted_out(self) -> set[str]:
        """The numbers that opted out (read once a run)."""
        if self._opted_out is None:
            self._opted_out = set(self.log.opted_out())
        return self._opted_out

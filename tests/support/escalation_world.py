"""The crash sweep's world with a two-rung ladder, so an invoice is escalated on its second run.

``EscalationWorld`` is ``tests.support.crash_world.World`` with the ladder ``overdue``
(a day late) then ``handover`` (``action: escalate``, two days late, so a day after
the reminder), and the dossier handed to ``legal@agency.example``: a first run sends
the overdue reminder of every invoice seeded late, the next day's run escalates each.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from tests.support.crash_world import World

AGENCY = "legal@agency.example"
LADDER = (
    "  stages:\n"
    "    - {name: overdue, offset_days: 1}\n"
    "    - {name: handover, offset_days: 2, action: escalate}\n"
)
FIRST = date(2026, 11, 23)  # a Monday
SECOND = date(2026, 11, 24)
_parse = BytesParser(policy=policy.default).parsebytes


class EscalationWorld(World):
    """A business whose ladder escalates the day after the overdue reminder."""

    def _config_text(self) -> str:
        text = super()._config_text()
        start, end = text.index("  stages:\n"), text.index("  thank_you:")
        text = text[:start] + LADDER + text[end:]
        return text + f"escalation:\n  to: [{AGENCY}]\n  deadline_days: 10\n"

    def seed_late(self, count: int, rng: random.Random) -> list[str]:
        """``count`` invoices 12 to 20 days late on ``FIRST``, to as many customers."""
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        for n in range(count):
            arabic = n % 2 == 1
            name = f"مؤسسة العميل {n}" if arabic else f"Customer {n} Ltd"
            customer = self._add_customer(name, [f"ap{n}@customer{n}.example"], arabic)
            due = FIRST - timedelta(days=rng.randint(12, 20))
            number = f"INV-{n + 1:03d}"
            amount = f"{rng.randint(500, 9000)}.{rng.randint(0, 99):02d}"
            self.ids[number] = self._add_invoice(number, customer, amount, due, hour_ago)
        return sorted(self.ids)

    def dossiers(self) -> list[EmailMessage]:
        """Every dossier in Gmail's Sent folder, parsed."""
        found = []
        for stored in self.gmail.sent():
            if stored.header("X-Tahseel-Dossier"):
                message = _parse(stored.raw)
                assert isinstance(message, EmailMessage)
                found.append(message)
        return found

    def escalation_notes(self, number: str) -> int:
        """How many escalation notes the ledger holds for ``number`` (by their key)."""
        return self.notes()[self.note_key(number, "handover", "0")]

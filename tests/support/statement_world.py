"""The crash sweep's world under ``grouping: customer``: each customer gets one statement.

``StatementWorld`` is ``tests.support.crash_world.World`` with the default policy's
``grouping: customer``: a run sends each customer with an invoice at a rung one
statement listing all its open invoices, one outbox row and one ledger note per listed
invoice.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from tests.support.crash_world import World

FIRST = date(2026, 11, 23)  # a Monday
_parse = BytesParser(policy=policy.default).parsebytes


class StatementWorld(World):
    """A business whose customers get one statement each, not one email per invoice."""

    def _config_text(self) -> str:
        return super()._config_text().replace("policy:\n", "policy:\n  grouping: customer\n", 1)

    def seed_customers(self, customers: int, each: int, rng: random.Random) -> dict[str, list[str]]:
        """``customers`` customers with ``each`` invoices, 2 to 20 days late on ``FIRST``.

        Returns:
            Each customer's address and its invoice numbers.
        """
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        seeded: dict[str, list[str]] = {}
        for c in range(customers):
            arabic = c % 2 == 1
            name = f"مؤسسة العميل {c}" if arabic else f"Customer {c} Ltd"
            address = f"ap{c}@customer{c}.example"
            customer = self._add_customer(name, [address], arabic)
            for n in range(each):
                number = f"INV-{c + 1}{n + 1:02d}"
                due = FIRST - timedelta(days=rng.randint(2, 20))
                amount = f"{rng.randint(500, 9000)}.{rng.randint(0, 99):02d}"
                self.ids[number] = self._add_invoice(number, customer, amount, due, hour_ago)
                seeded.setdefault(address, []).append(number)
        return seeded

    def statements(self) -> list[EmailMessage]:
        """Every statement in Gmail's Sent folder, parsed."""
        found = []
        for stored in self.gmail.sent():
            if stored.header("X-Tahseel-Statement"):
                message = _parse(stored.raw)
                assert isinstance(message, EmailMessage)
                found.append(message)
        return found

    def statement_notes(self) -> Counter[str]:
        """Notes the ledger holds for the statements in Gmail, by invoice number."""
        held = self.notes()
        counted: Counter[str] = Counter()
        for message in self.statements():
            stage, cycle = str(message["X-Tahseel-Stage"]), str(message["X-Tahseel-Cycle"])
            for number in str(message["X-Tahseel-Statement"]).split(", "):
                counted[number] += held[self.note_key(number, stage, cycle)]
        return counted

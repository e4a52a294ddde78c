"""What a statement's templates see: the invoices listed, their totals per currency. Pure.

A statement's context is a reminder's (``sync.run.outbound.template_context``, made
for the invoice at the statement's rung, so greetings, sender and wording are the
same), with ``statement`` added:

- ``invoices``: one entry per listed invoice, oldest due first: ``number``,
  ``reference``, ``issue_date``, ``due_date``, ``days_overdue``, ``amount_due``,
  ``total``, ``currency`` and its own ``payment_link`` (or None);
- ``totals``: the amount due per currency, in the order the currencies first appear;
- ``count``, ``days_overdue`` (the most days late of any listed invoice), and ``links``
  (whether any invoice has a payment link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.models import Invoice
from mailer.bidi import isolated
from sync.run.outbound import one_line, sample_invoice

PDF_TEMPLATE = "statement_pdf"
"""The words of the statement PDF (a single ``.txt``), in the customer's language."""


def statement_part(
    invoices: Sequence[Invoice], links: Mapping[str, str | None], today: date
) -> dict[str, Any]:
    """The ``statement`` a statement's templates see, for ``invoices`` on ``today``."""
    items = []
    totals: dict[str, Decimal] = {}
    late = [(today - inv.due_date).days for inv in invoices]
    for inv in invoices:
        items.append(
            {
                "number": isolated(one_line(inv.number)),
                "reference": isolated(one_line(inv.reference)) if inv.reference else None,
                "issue_date": inv.issue_date,
                "due_date": inv.due_date,
                "days_overdue": (today - inv.due_date).days,
                "amount_due": inv.amount_due,
                "total": inv.total,
                "currency": inv.currency,
                "payment_link": links.get(inv.id),
            }
        )
        totals[inv.currency] = totals.get(inv.currency, Decimal(0)) + inv.amount_due
    return {
        "invoices": items,
        "totals": [{"currency": c, "amount_due": amount} for c, amount in totals.items()],
        "count": len(items),
        "days_overdue": max(late, default=0),
        "links": any(i["payment_link"] for i in items),
    }


def sample_statement(today: date, *, links: bool) -> dict[str, Any]:
    """A made-up ``statement`` for ``tahseel check``: three invoices, two currencies.

    One is late, one due today and one not yet due, so every branch is taken.
    """
    first = sample_invoice()
    second = replace(
        first,
        id="sample-0002",
        number="INV-0002",
        reference=None,
        due_date=today,
        issue_date=today - timedelta(days=30),
    )
    third = replace(
        sample_invoice("USD"),
        id="sample-0003",
        number="INV-0003",
        due_date=today + timedelta(days=14),
        issue_date=today - timedelta(days=16),
    )
    invoices = (replace(first, due_date=today - timedelta(days=40)), second, third)
    urls = {inv.id: f"https://pay.example.com/{inv.number}" for inv in invoices} if links else {}
    return statement_part(invoices, urls, today)

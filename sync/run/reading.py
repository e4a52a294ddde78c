"""Reading the ledger for one run, and leaving out what no customer should be sent.

A run reads the open invoices (incrementally where the ledger can), then the invoices
it reminded before and no longer sees open, to learn whether they were paid. Before
planning, invoices with data no real invoice has, and addresses that bounced, are left
out and reported.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from babel.numbers import is_currency

from connectors.batches import chunks
from connectors.models import Invoice
from sync.config.settings import CONTROL_CHARACTERS
from sync.run.context import REREAD_CHUNK, RunContext

MAX_AMOUNT = Decimal("1000000000")
"""Amounts above this (a thousand million in any currency) are taken as data errors."""


class LedgerReading:
    """Reads the invoices of one run and vets them before planning."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def read(self) -> dict[str, Invoice]:
        """Every invoice the run needs, by id: the open ones and the tracked ones."""
        ctx = self.ctx
        tracked = ctx.store.tracked_invoices(ctx.tenant)
        read = ctx.cache.read(
            ctx.ledger, ctx.now, set(tracked), started=ctx.started, write=not ctx.dry_run
        )
        invoices = read.invoices
        ctx.report.problems.extend(ctx.ledger.problems)
        # After a full read, invoices reminded before and no longer open are read one by
        # one to learn whether they were paid; an incremental read reports them itself.
        missing = [i for i in tracked if i not in invoices] if read.full else []
        reread = []
        for chunk in chunks(missing, REREAD_CHUNK):
            for inv in ctx.ledger.get_invoices(chunk):
                invoices[inv.id] = inv
                reread.append(inv)
        if reread and ctx.ledger.incremental and not ctx.dry_run:
            # A full read lists open invoices only: keep the copy of a paid one still
            # owed its thank-you, or the next incremental runs would not see it.
            ctx.cache.keep(reread)
        ctx.report.open_invoices = sum(1 for inv in invoices.values() if inv.is_open)
        return invoices

    def vet(self, invoices: dict[str, Invoice]) -> dict[str, Invoice]:
        """The invoices fit to plan for: plausible, and without addresses that bounced."""
        return self._without_failing(self._plausible(invoices))

    def _plausible(self, invoices: dict[str, Invoice]) -> dict[str, Invoice]:
        """Leave out, and report, open invoices no customer should be asked to pay.

        An unknown currency code or an amount past any real invoice means the ledger's
        data is wrong; mailing it would only embarrass the business.
        """
        kept = {}
        known: dict[str, bool] = {}  # is_currency by code: a ledger has a few currencies
        for inv in invoices.values():
            problem = _implausible(inv, known) if inv.is_open else None
            if problem is None:
                kept[inv.id] = inv
            else:
                # Shown escaped, so a line break in the data cannot break the summary.
                number = inv.number.encode("unicode_escape").decode("ascii")
                self.ctx.report.skip(number, f"{problem}; correct it in the ledger")
        return kept

    def _without_failing(self, invoices: dict[str, Invoice]) -> dict[str, Invoice]:
        """Leave out of every invoice's recipients the addresses that bounced."""
        failing = self.ctx.store.failing(self.ctx.tenant) | self.ctx.bounced
        if not failing:
            return invoices
        kept = dict(invoices)
        for inv in invoices.values():
            gone = [e for e in inv.contact.emails if e.lower() in failing]
            if not gone or not inv.is_open:
                continue
            emails = tuple(e for e in inv.contact.emails if e.lower() not in failing)
            kept[inv.id] = replace(inv, contact=replace(inv.contact, emails=emails))
            for address in gone:
                self.ctx.report.problems.append(
                    f"{inv.number}: {address} bounced on {failing[address.lower()]:%Y-%m-%d};"
                    " not emailed (correct it in the ledger, or `tahseel unbounce ADDRESS`)"
                )
        return kept


def _implausible(inv: Invoice, known: dict[str, bool]) -> str | None:
    """Why an open invoice's data cannot be right, or None when it can."""
    if CONTROL_CHARACTERS.search(inv.number):
        return "the invoice number has a line break or control character"
    currency = known.get(inv.currency)
    if currency is None:
        currency = known[inv.currency] = is_currency(inv.currency)
    if not currency:
        return f"currency {inv.currency!r} is not an ISO 4217 code"
    if inv.amount_due > MAX_AMOUNT or inv.total > MAX_AMOUNT:
        return f"amount due {inv.amount_due} {inv.currency} is not plausible"
    return None

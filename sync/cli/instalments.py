"""``tahseel instalments``: record, cancel and list the instalment plans of invoices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sync.cli.common import ConfigOption, OrgOption, TodayOption, fail, moment_of, out, settings_of
from sync.cli.holds import _one_invoice
from sync.run.outcome import EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

    from connectors.models import Invoice
    from sync.config.settings import Settings
    from sync.store.store import Store
    from sync.store.tables import PlanRow

Schedule = tuple[tuple[date, Decimal], ...]
MAX_PARTS = 60
"""Instalments a plan may have (five years of monthly ones)."""


def instalments(
    invoice: Annotated[
        str | None,
        typer.Argument(help="Invoice number, or the ledger's id for the invoice."),
    ] = None,
    parts: Annotated[
        int | None,
        typer.Option(help="Split the amount due into this many equal instalments (2 to 60)."),
    ] = None,
    first: Annotated[
        str | None,
        typer.Option(
            help="Date of the first instalment (YYYY-MM-DD, or +N: N days from today),"
            " with --parts."
        ),
    ] = None,
    every: Annotated[
        int, typer.Option(help="Days from one instalment to the next, with --parts.")
    ] = 30,
    on: Annotated[
        list[str] | None,
        typer.Option(
            help="One instalment as DATE:AMOUNT (repeat it); together they make the amount due."
        ),
    ] = None,
    cancel: Annotated[
        bool, typer.Option("--cancel", help="End the invoice's plan; its ladder goes on.")
    ] = False,
    listing: Annotated[
        bool, typer.Option("--list", help="List the plans and each one's next instalment.")
    ] = False,
    config: ConfigOption = Path("tahseel.yaml"),
    today: TodayOption = None,
    org: OrgOption = None,
) -> None:
    """Record an instalment plan for one invoice, cancel it, or list the plans.

    While a plan runs the invoice's own reminders stop; the next run emails the customer
    the plan (each date and amount) in the invoice's thread and notes it on the invoice,
    then each instalment gets a reminder `instalments.remind_days_before` days ahead and
    one on its date; a missed one gets one more, and `instalments.grace_days` later the
    plan ends and the reminders resume at the final notice.

    Equal parts: --parts 3 --first 2027-01-15 --every 30 (to the cent, the remainder on
    the last). Or give each: --on 2027-01-15:400 --on 2027-02-15:600, adding up to the
    amount due exactly.
    """
    from sync.run.wiring import build_ledger, build_store

    settings = settings_of(config, org)
    now = moment_of(settings, today)
    ledger, store = build_ledger(settings), build_store(settings)
    if listing or (invoice is None and not cancel):
        print_plans(out, settings, list(ledger.list_open_invoices()), store, now, every=True)
        raise typer.Exit(EXIT_OK)
    if invoice is None:
        fail("name the invoice: tahseel instalments INV --cancel")
    inv = _one_invoice(ledger, invoice)
    if cancel:
        _cancel(settings, store, inv, now)
    if parts is None and not on:
        fail(
            f"{inv.number}: say how to split {inv.currency} {inv.amount_due}: --parts N --first"
            " DATE [--every DAYS], or --on DATE:AMOUNT for each instalment"
        )
    if parts is not None and on:
        fail("give either --parts (equal instalments) or --on (each instalment), not both")
    from sync.plan.calendar import calendar_of

    day = calendar_of(settings).today(now, inv.contact.timezone)
    if on:
        schedule = explicit(inv, on)
    else:
        schedule = equal(inv, parts or 0, _date("--first", first, day), every)
    if schedule[0][0] < day:
        fail(f"{inv.number}: the first instalment ({schedule[0][0]}) is before today ({day})")
    _record(settings, store, inv, schedule, now)


def _date(option: str, text: str | None, today: date) -> date:
    if text is None:
        fail(f"{option}: give the date of the first instalment, like 2027-01-15 or +14")
    try:
        if text.startswith("+"):
            return today + timedelta(days=int(text[1:]))
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: expected a date like 2027-01-15, or +14 (days from today), got {text!r}")


def _cent(currency: str) -> Decimal:
    from babel.numbers import get_currency_precision

    return Decimal(1).scaleb(-get_currency_precision(currency))


def equal(inv: Invoice, parts: int, first: date, every: int) -> Schedule:
    """``parts`` instalments of the amount due, to the cent, the remainder on the last."""
    if not 2 <= parts <= MAX_PARTS:
        fail(f"--parts: a plan has 2 to {MAX_PARTS} instalments, got {parts}")
    if not 1 <= every <= 366:
        fail(f"--every: days between instalments, 1 to 366, got {every}")
    cent = _cent(inv.currency)
    each = (inv.amount_due / parts).quantize(cent, rounding="ROUND_DOWN")
    if each <= 0:
        fail(f"{inv.number}: {inv.currency} {inv.amount_due} cannot be split into {parts} parts")
    amounts = [each] * (parts - 1) + [inv.amount_due - each * (parts - 1)]
    return tuple((first + timedelta(days=every * i), a) for i, a in enumerate(amounts))


def explicit(inv: Invoice, pairs: Sequence[str]) -> Schedule:
    """The instalments of ``--on DATE:AMOUNT`` options, checked against the amount due."""
    cent = _cent(inv.currency)
    found: dict[date, Decimal] = {}
    for pair in pairs:
        when, _, amount = pair.partition(":")
        try:
            day, value = date.fromisoformat(when.strip()), Decimal(amount.strip())
        except (ValueError, InvalidOperation):
            fail(f"--on {pair!r}: expected DATE:AMOUNT, like 2027-01-15:400.00")
        if value <= 0 or value != value.quantize(cent):
            fail(f"--on {pair!r}: the amount must be above zero, in whole {cent} {inv.currency}")
        if day in found:
            fail(f"--on {pair!r}: {day} is given twice; give one instalment a day")
        found[day] = value
    if len(found) > MAX_PARTS:
        fail(f"--on: a plan has at most {MAX_PARTS} instalments, got {len(found)}")
    total = sum(found.values(), Decimal(0))
    if total != inv.amount_due:
        fail(
            f"{inv.number}: the instalments add up to {inv.currency} {total}, but"
            f" {inv.currency} {inv.amount_due} is due; make them add up to {inv.amount_due}"
        )
    return tuple(sorted(found.items()))


def _record(
    settings: Settings, store: Store, inv: Invoice, schedule: Schedule, now: datetime
) -> None:
    from sync.store.plans import PlanBook

    book = PlanBook(store, settings.tenant)
    running = [p for p in book.plans(running=True) if p.invoice_id == inv.id]
    if running:
        fail(
            f"{inv.number} already has instalment plan {running[0].id}; cancel it first:"
            f" tahseel instalments {inv.number} --cancel"
        )
    row = book.record(inv.id, inv.number, inv.currency, schedule, now)
    held = store.controls(settings.tenant).get(inv.id)
    if held is not None and held.paused:
        # A payment-plan request pauses the invoice for a person; the plan is the answer.
        store.set_control(settings.tenant, inv.id, inv.number, now, paused=None)
        out.print(f"{inv.number}: the pause ({held.paused}) is lifted; the plan takes over.")
    out.print(f"{inv.number}: instalment plan {row.id} recorded, {len(schedule)} instalments:")
    for i, (day, amount) in enumerate(schedule, start=1):
        out.print(f"  {i}. {day}  {inv.currency} {amount}", highlight=False)
    to = ", ".join(inv.contact.emails) or "(no email address)"
    out.print(
        f"The next `tahseel run` emails the plan to {to} in the invoice's thread and notes it"
        " on the invoice; the invoice's own reminders stop while the plan runs.",
        highlight=False,
    )
    raise typer.Exit(EXIT_OK)


def _cancel(settings: Settings, store: Store, inv: Invoice, now: datetime) -> None:
    from sync.store.plans import PlanBook

    plan = PlanBook(store, settings.tenant).cancel(inv.id, now)
    if plan is None:
        fail(f"{inv.number} has no instalment plan running; nothing to cancel")
    out.print(
        f"{inv.number}: instalment plan {plan.id} cancelled; its reminders go on from the rung"
        " reached, and the next run notes the cancellation on the invoice."
    )
    raise typer.Exit(EXIT_OK)


def print_plans(
    console: Console,
    settings: Settings,
    invoices: Sequence[Invoice],
    store: Store,
    now: datetime,
    *,
    every: bool,
) -> None:
    """One line a plan: the invoice, how many instalments are paid, the next one.

    ``every``: ended plans too (otherwise the running ones, and nothing when none runs).
    """
    from sync.plan.calendar import calendar_of
    from sync.plan.instalments import standing
    from sync.store.plans import PlanBook, plan_of

    rows: list[PlanRow] = PlanBook(store, settings.tenant).plans(running=not every)
    if not rows:
        if every:
            console.print("No instalment plans.")
        return
    by_id = {inv.id: inv for inv in invoices}
    calendar = calendar_of(settings)
    console.print("Instalment plans:")
    for row in rows:
        plan = plan_of(row, settings.instalments)
        head = f"  {row.invoice_number}  plan {row.id}"
        inv = by_id.get(row.invoice_id)
        if row.ended is not None:
            line = f"{head}  ended ({row.ended}, {row.ended_at:%Y-%m-%d})"
        elif inv is None:
            line = f"{head}  running; the invoice is not open in the ledger"
        else:
            day = calendar.today(now, inv.contact.timezone)
            at = standing(plan, inv.amount_due, day, calendar)
            line = f"{head}  running  paid {at.paid} of {len(plan.schedule)}"
            if at.next is not None:
                when, amount = plan.schedule[at.next]
                late = "  missed" if at.day is not None and day > at.day else ""
                line += f"  next: {when} {row.currency} {amount}{late}"
        console.print(line, markup=False, highlight=False)

"""``tahseel status``'s rows: each open invoice's stage and holds, summarised, listed or CSV."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, TYPE_CHECKING

from rich.console import Console

from sync.cli.listings import FIRST_ROWS, SUMMARY_OVER, TABLE_ROWS, not_shown, print_rows

if TYPE_CHECKING:
    from connectors.models import Invoice
    from sync.config.settings import Settings
    from sync.store.store import Store

STATUS_COLUMNS = (
    "invoice",
    "invoice_id",
    "customer",
    "policy",
    "due_date",
    "days_late",
    "amount_due",
    "currency",
    "stage",
    "last_contact",
    "hold",
    "late_fee",
)
"""``status --csv``'s columns, one row an open invoice, the most overdue first."""


def status_rows(
    settings: Settings, invoices: list[Invoice], store: Store, now: datetime
) -> Callable[[], Iterator[dict[str, str]]]:
    """What gives each open invoice, the most overdue first: the fields of ``STATUS_COLUMNS``.

    The state's history is read once, here; each call of the function returned goes
    through the invoices again without holding the rows. ``days_late`` is negative for
    an invoice not due yet; ``stage`` is the furthest stage of the ladder sent (``-``:
    none; ``overdue (statement)`` when it was the customer's statement listing the
    invoice, ``sync.plan.grouping``), ``last_contact`` the day of the last email,
    ``hold`` says whether it is escalated (handed to a person with its dossier), paused
    or snoozed, ``late_fee`` the fee invoice created for it (``sync.run.fees``; empty:
    none).
    """
    from sync.config.policies import PolicyBook
    from sync.plan.calendar import calendar_of
    from sync.plan.history import MessageStatus
    from sync.plan.planner import ladder

    today = calendar_of(settings).today(now)
    history = store.history(settings.tenant)
    fees = late_fees(store, settings.tenant)
    book = PolicyBook.from_settings(settings)
    # Stages are ordered by each policy's own ladder; an unknown one shows by name.
    orders = {n: {r.stage.name: i for i, r in enumerate(ladder(p))} for n, p in book.all().items()}
    handover = {s.name for p in book.all().values() for s in p.stages if s.action == "escalate"}
    days = {inv.id: (today - inv.due_date).days for inv in invoices}
    ordered = sorted(invoices, key=lambda i: -days[i.id])

    def rows() -> Iterator[dict[str, str]]:
        for inv in ordered:
            choice = book.choose(inv.contact)
            order = orders.get(choice.name, orders["default"])
            h = history.get(inv.id)
            sent = [m for m in (h.messages if h else ()) if m.status == MessageStatus.SENT]
            best = max(
                (m for m in sent if m.stage in order), key=lambda m: order[m.stage], default=None
            )
            stage = "-" if best is None else best.stage + (" (statement)" if best.statement else "")
            last = max((m.at for m in sent if m.emailed), default=None)
            handed = max((m.at for m in sent if m.stage in handover), default=None)
            hold = (
                (handed and f"escalated on {handed.date()}: the dossier went to a person")
                or (h.paused and f"paused: {h.paused}")
                or (h.snoozed_until and f"snoozed to {h.snoozed_until}")
                if h
                else ""
            )
            yield {
                "invoice": inv.number,
                "invoice_id": inv.id,
                "customer": inv.contact.name,
                "policy": choice.name if choice.policy else f"{choice.name} (unknown)",
                "due_date": inv.due_date.isoformat(),
                "days_late": str(days[inv.id]),
                "amount_due": str(inv.amount_due),
                "currency": inv.currency,
                "stage": stage,
                "last_contact": last.date().isoformat() if last else "-",
                "hold": str(hold or ""),
                "late_fee": fees.get(inv.id, ""),
            }

    return rows


def late_fees(store: Store, tenant: str) -> dict[str, str]:
    """The late fees created, by late invoice id: ``FEE-INV-1 (50.00 SAR)``, several joined."""
    from sync.plan.actions import ActionKind
    from sync.plan.history import MessageStatus

    fees: dict[str, list[str]] = {}
    for row in store.rows(tenant, action=ActionKind.LATE_FEE, status=MessageStatus.SENT):
        amount = (row.subject or "").split(" as ", 1)[0]
        fees.setdefault(row.invoice_id, []).append(f"{row.request_ref} ({amount})")
    return {invoice_id: ", ".join(made) for invoice_id, made in fees.items()}


def print_status(
    console: Console,
    settings: Settings,
    invoices: list[Invoice],
    store: Store,
    now: datetime,
    *,
    every: bool,
) -> None:
    """Each open invoice with its stage and holds, then the aging table.

    Over ``SUMMARY_OVER`` invoices and without ``every``: the count of invoices by stage
    reached and days overdue, per currency, then the ``FIRST_ROWS`` most overdue.
    """
    from rich.table import Table

    from sync.plan.calendar import calendar_of
    from sync.reports.figures import BUCKETS, aging

    source = status_rows(settings, invoices, store, now)
    summary = not every and len(invoices) > SUMMARY_OVER
    if summary:
        _print_summary(console, settings, source, len(invoices))
    shown = min(len(invoices), FIRST_ROWS) if summary else len(invoices)
    title = f"Open invoices: the {shown:,} most overdue of {len(invoices):,}"
    table = Table(title=title if summary else "Open invoices")
    headers = ("invoice", "customer", "policy", "due", "days late", "amount due", "stage reached")
    fee = any(p.late_fee is not None for p in (settings.policy, *settings.policies.values()))
    for column in (*headers, "last contact", "hold", *(("late fee",) if fee else ())):
        table.add_column(column, no_wrap=column != "customer" and column != "hold")

    def rows() -> Iterator[tuple[str, ...]]:
        for n, row in enumerate(source()):
            if n == shown:
                return
            yield (
                row["invoice"],
                row["customer"],
                row["policy"],
                row["due_date"],
                str(max(int(row["days_late"]), 0)),
                f"{row['amount_due']} {row['currency']}",
                row["stage"],
                row["last_contact"],
                row["hold"],
                *((row["late_fee"],) if fee else ()),
            )

    print_rows(console, table, rows, shown)
    if summary:
        rest = f"{len(invoices) - shown:,} of {len(invoices):,} open invoices"
        not_shown(console, [rest], "--csv")
    age = Table(title="Aging (amount due by days overdue)")
    age.add_column("currency")
    for name, _, _ in BUCKETS:
        age.add_column(name, justify="right")
    for currency, amounts in aging(invoices, calendar_of(settings).today(now)).items():
        age.add_row(currency, *(f"{amounts[name]:,.2f}" for name, _, _ in BUCKETS))
    console.print(age)


def _print_summary(
    console: Console, settings: Settings, source: Callable[[], Iterator[dict[str, str]]], count: int
) -> None:
    """Open invoices counted by currency and stage reached (rows) and days overdue."""
    from rich.table import Table

    from sync.plan.planner import ladder
    from sync.reports.figures import BUCKETS, bucket_of

    counts: Counter[tuple[str, str, str]] = Counter()
    for row in source():
        counts[row["currency"], row["stage"], bucket_of(int(row["days_late"]))] += 1
    order = {"-": -1} | {r.stage.name: i for i, r in enumerate(ladder(settings.policy))}
    table = Table(title=f"Open invoices by stage reached and days overdue: {count:,}")
    table.add_column("currency")
    table.add_column("stage reached")
    for name, _, _ in BUCKETS:
        table.add_column(name, justify="right")
    table.add_column("total", justify="right")
    pairs = sorted({(c, s) for c, s, _ in counts}, key=lambda p: (p[0], order.get(p[1], 99), p[1]))
    for currency, stage in pairs:
        cells = [counts[currency, stage, name] for name, _, _ in BUCKETS]
        table.add_row(currency, stage, *(f"{n:,}" for n in cells), f"{sum(cells):,}")
    console.print(table)


def write_status_csv(
    file: IO[str], settings: Settings, invoices: list[Invoice], store: Store, now: datetime
) -> None:
    """``tahseel status --csv``: a header, then one row an open invoice, a block at a time."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(STATUS_COLUMNS)
    block: list[list[str]] = []
    for row in status_rows(settings, invoices, store, now)():
        block.append([row[c] for c in STATUS_COLUMNS])
        if len(block) == TABLE_ROWS:
            writer.writerows(block)
            block.clear()
    writer.writerows(block)
    file.flush()

"""The numbers of ``tahseel report``: aging, DSO, late payers, what reminders achieved.

Pure: every input (open invoices, the paid history, what was sent, today) is passed in,
so each figure can be checked against a hand computation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from connectors.models import Invoice, PaidInvoice
from sync.plan.actions import ActionKind

BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
"""Aging buckets by days overdue: name, lowest and highest day (None: unbounded)."""

REMINDER_ACTIONS = (ActionKind.SEND_REMINDER,)
"""Outbox actions whose effect on payment is measured."""


@dataclass(frozen=True, slots=True)
class SentAction:
    """One action the state store's outbox holds as done.

    Attributes:
        invoice_id: The ledger's id of the invoice.
        stage: The policy stage (or ``thank_you``, ``resend``, ...).
        action: The outbox action, e.g. ``send_reminder`` or ``escalate``.
        on: The day it was done, in the business's time zone.
    """

    invoice_id: str
    stage: str
    action: str
    on: date


@dataclass(frozen=True, slots=True)
class LatePayer:
    """A customer's record of paying after the due date.

    Attributes:
        name: The customer's name.
        paid: Invoices paid in the period.
        late: Of those, paid after their due date.
        average_days_late: Mean days late over the late ones (rounded to one place).
        most_days_late: The longest delay.
        late_amounts: Totals of the late ones, per currency.
    """

    name: str
    paid: int
    late: int
    average_days_late: Decimal
    most_days_late: int
    late_amounts: dict[str, Decimal]

    @property
    def late_share(self) -> Decimal:
        """Share of the customer's paid invoices that were paid late, 0 to 1."""
        return Decimal(self.late) / Decimal(self.paid)


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """What the reminders of one stage achieved.

    Attributes:
        stage: The stage's name.
        sent: Reminders of this stage sent in the period.
        settled: Those followed, within the window, by payment in full before any
            later reminder (the reminder that was the last word gets the credit).
        waiting: Those sent less than the window ago and not yet followed by payment.
    """

    stage: str
    sent: int
    settled: int
    waiting: int

    @property
    def rate(self) -> Decimal | None:
        """Settled over the reminders whose window has closed or that were settled."""
        decided = self.sent - self.waiting
        return Decimal(self.settled) / Decimal(decided) if decided else None


@dataclass(frozen=True)
class Insights:
    """Everything the report shows, computed once.

    ``late_payers`` and ``outcomes`` are None when the ledger gives no paid history.
    """

    today: date
    since: date
    within: int
    dso_days: int
    aging: dict[str, dict[str, Decimal]]
    dso: dict[str, Decimal | None]
    sent: dict[str, int]
    late_payers: list[LatePayer] | None
    outcomes: list[StageOutcome] | None
    open_count: int = 0
    paid_count: int = 0
    stage_order: tuple[str, ...] = field(default=())


def aging(invoices: Iterable[Invoice], today: date) -> dict[str, dict[str, Decimal]]:
    """Amounts due per currency in ``BUCKETS``, by days past the due date on ``today``.

    Returns:
        ``{currency: {bucket: amount}}``, every bucket present, currencies sorted.
    """
    result: dict[str, dict[str, Decimal]] = {}
    for inv in invoices:
        if not inv.is_open:
            continue
        days = (today - inv.due_date).days
        amounts = result.setdefault(inv.currency, {name: Decimal(0) for name, _, _ in BUCKETS})
        amounts[bucket_of(days)] += inv.amount_due
    return dict(sorted(result.items()))


def bucket_of(days_overdue: int) -> str:
    """The name of the aging bucket a number of days past the due date falls in."""
    for name, low, high in BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return name
    raise AssertionError(days_overdue)  # pragma: no cover - the buckets cover every integer


def days_sales_outstanding(
    open_invoices: Iterable[Invoice],
    paid: Iterable[PaidInvoice],
    today: date,
    days: int = 90,
) -> dict[str, Decimal | None]:
    """Days sales outstanding per currency: receivables / sales of the period x its days.

    The sales are the totals of invoices issued in the ``days`` up to ``today`` (the
    open ones and the paid ones); the receivables are what the open invoices owe now.

    Returns:
        ``{currency: days}`` rounded to one place; None where the period had no sales.
    """
    start = today - timedelta(days=days - 1)
    owed: dict[str, Decimal] = defaultdict(Decimal)
    sales: dict[str, Decimal] = defaultdict(Decimal)
    for inv in open_invoices:
        if not inv.is_open:
            continue
        owed[inv.currency] += inv.amount_due
        if start <= inv.issue_date <= today:
            sales[inv.currency] += inv.total
    seen: set[str] = set()
    for p in paid:
        if p.id not in seen and start <= p.issue_date <= today:
            seen.add(p.id)
            sales[p.currency] += p.total
    result: dict[str, Decimal | None] = {}
    for currency in sorted(set(owed) | set(sales)):
        if not sales[currency]:
            result[currency] = None
            continue
        value = owed[currency] / sales[currency] * days
        result[currency] = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return result


def late_payers(paid: Iterable[PaidInvoice], *, limit: int = 10) -> list[LatePayer]:
    """The customers who paid late most often, then by the longest average delay.

    Customers are told apart by the ledger's contact id. Those never late are left out.
    """
    by_contact: dict[str, list[PaidInvoice]] = defaultdict(list)
    for p in _unique(paid):
        by_contact[p.contact.id].append(p)
    payers: list[LatePayer] = []
    for items in by_contact.values():
        late = [p for p in items if p.days_late > 0]
        if not late:
            continue
        amounts: dict[str, Decimal] = defaultdict(Decimal)
        for p in late:
            amounts[p.currency] += p.total
        average = Decimal(sum(p.days_late for p in late)) / len(late)
        payers.append(
            LatePayer(
                name=items[-1].contact.name,
                paid=len(items),
                late=len(late),
                average_days_late=average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                most_days_late=max(p.days_late for p in late),
                late_amounts=dict(sorted(amounts.items())),
            )
        )
    payers.sort(key=lambda p: (-p.late, -p.average_days_late, p.name))
    return payers[:limit]


def sent_per_stage(sent: Iterable[SentAction]) -> dict[str, int]:
    """How many actions of each stage were done, in the order first met."""
    return dict(Counter(s.stage for s in sent))


def outcomes(
    sent: Sequence[SentAction],
    paid: Iterable[PaidInvoice],
    today: date,
    within: int,
    stage_order: Sequence[str] = (),
) -> list[StageOutcome]:
    """Per stage, how many reminders were followed by payment within ``within`` days.

    A payment is credited to the last reminder sent on or before the day it was paid,
    when it came no more than ``within`` days after that reminder. A reminder sent less
    than ``within`` days before ``today`` and not yet credited is still waiting.
    """
    paid_on = {p.id: p.paid_date for p in paid}
    reminders = sorted(
        (s for s in sent if s.action in REMINDER_ACTIONS), key=lambda s: (s.invoice_id, s.on)
    )
    by_invoice: dict[str, list[SentAction]] = defaultdict(list)
    for s in reminders:
        by_invoice[s.invoice_id].append(s)
    counts: dict[str, list[int]] = {}
    for invoice_id, items in by_invoice.items():
        day = paid_on.get(invoice_id)
        before = [s for s in items if day is not None and s.on <= day]
        credited = before[-1] if before and day and (day - before[-1].on).days <= within else None
        for s in items:
            row = counts.setdefault(s.stage, [0, 0, 0])
            row[0] += 1
            if s is credited:
                row[1] += 1
            elif day is None and (today - s.on).days < within:
                row[2] += 1
    order = {name: i for i, name in enumerate(stage_order)}
    stages = sorted(counts, key=lambda name: (order.get(name, len(order)), name))
    return [StageOutcome(name, *counts[name]) for name in stages]


def compute(
    open_invoices: Sequence[Invoice],
    paid: Sequence[PaidInvoice] | None,
    sent: Sequence[SentAction],
    *,
    today: date,
    since: date,
    within: int = 14,
    dso_days: int = 90,
    stage_order: Sequence[str] = (),
) -> Insights:
    """Compute every figure of the report.

    Args:
        open_invoices: The ledger's open invoices.
        paid: The invoices paid since ``since``; None when the ledger cannot say.
        sent: What the outbox holds as done since ``since``.
        today: The day the report is about, in the business's time zone.
        since: The first day of the history read.
        within: Days after a reminder in which a payment counts as its effect.
        dso_days: The period of days sales outstanding.
        stage_order: The policy's stages, to list them in ladder order.
    """
    history = list(_unique(paid or ()))
    order = tuple(stage_order)
    sent_counts = sent_per_stage(sent)
    ranked = {name: i for i, name in enumerate(order)}
    return Insights(
        today=today,
        since=since,
        within=within,
        dso_days=dso_days,
        aging=aging(open_invoices, today),
        dso=days_sales_outstanding(open_invoices, history, today, dso_days),
        sent=dict(sorted(sent_counts.items(), key=lambda kv: (ranked.get(kv[0], 99), kv[0]))),
        late_payers=late_payers(history) if paid is not None else None,
        outcomes=outcomes(sent, history, today, within, order) if paid is not None else None,
        open_count=sum(1 for inv in open_invoices if inv.is_open),
        paid_count=len(history),
        stage_order=order,
    )


def _unique(paid: Iterable[PaidInvoice]) -> list[PaidInvoice]:
    seen: dict[str, PaidInvoice] = {}
    for p in paid:
        seen.setdefault(p.id, p)
    return list(seen.values())

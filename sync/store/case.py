"""The state store's reads and writes for an escalation: one invoice's case, its promises.

The case of an invoice (every outbox row, reply, promise and hold) is read in four
queries however long its history, so a dossier costs the same few queries for an
invoice with three messages as for one with thirty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sync.store.database import Database
from sync.store.tables import ControlRow, OutboxRow, PromiseRow, ReplyRow


@dataclass(frozen=True)
class CaseFile:
    """What the state store knows about one invoice, oldest first.

    Attributes:
        rows: The invoice's outbox rows (messages, escalations, pauses, snoozes, notices).
        replies: The customer's replies about it.
        promises: The promises to pay recorded from those replies, by reply id.
        control: Its hold (paused, snoozed), if any.
    """

    rows: tuple[OutboxRow, ...]
    replies: tuple[ReplyRow, ...]
    promises: dict[int, PromiseRow]
    control: ControlRow | None


def read_case(store: Database, tenant: str, invoice_id: str) -> CaseFile:
    """Read everything about one invoice in four queries."""
    with store.session() as s:
        rows = s.scalars(
            select(OutboxRow)
            .where(OutboxRow.tenant == tenant, OutboxRow.invoice_id == invoice_id)
            .order_by(OutboxRow.id)
        ).all()
        replies = s.scalars(
            select(ReplyRow)
            .where(ReplyRow.tenant == tenant, ReplyRow.invoice_id == invoice_id)
            .order_by(ReplyRow.received_at, ReplyRow.id)
        ).all()
        promises = s.scalars(
            select(PromiseRow).where(
                PromiseRow.tenant == tenant, PromiseRow.invoice_id == invoice_id
            )
        ).all()
        control = s.get(ControlRow, (tenant, invoice_id))
    return CaseFile(
        rows=tuple(rows),
        replies=tuple(replies),
        promises={p.reply_id: p for p in promises},
        control=control,
    )


def remember_promise(
    store: Database,
    tenant: str,
    *,
    reply_id: int,
    invoice_id: str,
    promised: date,
    amount_due: Decimal,
    now: datetime,
) -> None:
    """Record a promise to pay and the amount due when it was made (once per reply)."""
    row = PromiseRow(
        tenant=tenant,
        reply_id=reply_id,
        invoice_id=invoice_id,
        promised=promised,
        amount_due=str(amount_due),
        made_at=now,
    )
    try:
        with store.session() as s:
            s.add(row)
    except IntegrityError:
        return  # recorded by an earlier try of the same reply


def promises_to_judge(store: Database, tenant: str, today: date) -> list[PromiseRow]:
    """The promises not yet judged whose day is over by ``today``."""
    with store.session() as s:
        query = select(PromiseRow).where(
            PromiseRow.tenant == tenant,
            PromiseRow.kept.is_(None),
            PromiseRow.promised < today,
        )
        return list(s.scalars(query.order_by(PromiseRow.reply_id)))


def judge_promise(store: Database, tenant: str, reply_id: int, kept: bool, now: datetime) -> None:
    """Record whether a promise was kept; a promise is judged once."""
    with store.session() as s:
        s.execute(
            update(PromiseRow)
            .where(
                PromiseRow.tenant == tenant,
                PromiseRow.reply_id == reply_id,
                PromiseRow.kept.is_(None),
            )
            .values(kept=kept, judged_at=now)
        )

"""The state store's part of statements: claim one, settle its rows, the customer's thread.

A statement is one email about several invoices. Its intent is one outbox row per
listed invoice (so each invoice's ladder, note and recovery work as for a reminder)
and one ``statements`` row naming the customer, all committed in one transaction: a
statement is claimed whole or not at all. The rows share the statement's Message-ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sync.plan.history import MessageStatus
from sync.store.database import Database
from sync.store.tables import OutboxRow, StatementRow, ThreadInfo


def claim_statement(
    store: Database, rows: Sequence[OutboxRow], statement: StatementRow
) -> list[int] | None:
    """Commit a statement's intent rows at once; their ids, or None when any is claimed.

    Each outbox row is unique per (invoice, stage, cycle), and a statement's cycle is
    the customer's date: an invoice is listed in at most one statement a day. The
    ``statements`` row outlives a claim released after a crash (the same statement is
    claimed again under the same Message-ID): it is merged, never duplicated.
    """
    try:
        with store.session() as s:
            s.add_all(rows)
            s.merge(statement)
            s.flush()
            return [row.id for row in rows]
    except IntegrityError:
        return None


def complete_all(store: Database, row_ids: Sequence[int], **fields: Any) -> None:
    """Update the outbox rows of one statement (status, ids, times) in one transaction."""
    with store.session() as s:
        s.execute(update(OutboxRow).where(OutboxRow.id.in_(list(row_ids))).values(**fields))


def statement_thread(store: Database, tenant: str, customer_id: str) -> ThreadInfo:
    """The mail thread of a customer's statements: the first one's, continued by the rest.

    Made from the statements the mailbox accepted, oldest first (Message-IDs once each).
    """
    with store.session() as s:
        ids = select(StatementRow.message_id).where(
            StatementRow.tenant == tenant, StatementRow.customer_id == customer_id
        )
        rows = s.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.tenant == tenant,
                OutboxRow.message_id.in_(ids),
                OutboxRow.status == MessageStatus.SENT,
            )
            .order_by(OutboxRow.id)
        ).all()
    delivered = [r for r in rows if r.thread]
    thread = delivered[0].thread if delivered else None
    subject = next((r.subject for r in rows if r.subject), None)
    seen: dict[str, None] = {}
    for r in sorted(rows, key=lambda r: (r.sent_at or r.created_at, r.id)):
        if r.message_id:
            seen.setdefault(r.message_id, None)
    return ThreadInfo(thread, subject, tuple(seen), reminders_sent=len(seen))


def statement_rows(store: Database, tenant: str, message_id: str) -> list[OutboxRow]:
    """The outbox rows of one statement, oldest first."""
    with store.session() as s:
        query = select(OutboxRow).where(
            OutboxRow.tenant == tenant, OutboxRow.message_id == message_id
        )
        return list(s.scalars(query.order_by(OutboxRow.id)))

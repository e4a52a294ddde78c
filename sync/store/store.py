"""The state store: what was sent (the outbox), pauses and snoozes, replies seen, cursors, runs.

SQLAlchemy over a SQLite file by default, or PostgreSQL by URL. The outbox is the source
of truth for "was this sent": an intent row, unique per (tenant, invoice, stage, cycle), is
committed before a send and completed after it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from sync.plan.actions import ActionKind
from sync.plan.history import History, Message, MessageStatus, ResendRequest
from sync.store.database import Database
from sync.store.tables import (
    INTERNAL_ACTIONS,
    MACHINE_KINDS,
    NOT_IN_THREAD,
    RESEND_KIND,
    SEND_REMINDER,
    ControlRow,
    CursorRow,
    FailingAddressRow,
    OutboxRow,
    ReplyRow,
    RunRow,
    ThreadInfo,
)


class Store(Database):
    """The state store of one configuration (any number of tenants).

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    """

    # -- outbox -------------------------------------------------------------------------

    def claim(self, row: OutboxRow) -> int | None:
        """Commit an intent row; return its id, or None when that rung is already claimed."""
        try:
            with self.session() as s:
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            return None

    def complete(self, row_id: int, **fields: Any) -> None:
        """Update an outbox row (status, ids, timestamps) in one transaction."""
        with self.session() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**fields))

    def release(self, row_id: int) -> None:
        """Forget an intent whose send certainly did not happen, so it can be tried again."""
        with self.session() as s:
            s.execute(delete(OutboxRow).where(OutboxRow.id == row_id))

    def rows(self, tenant: str, **where: Any) -> list[OutboxRow]:
        """Outbox rows of ``tenant`` matching the given column values, oldest first."""
        with self.session() as s:
            query = select(OutboxRow).where(OutboxRow.tenant == tenant)
            for column, value in where.items():
                query = query.where(getattr(OutboxRow, column) == value)
            return list(s.scalars(query.order_by(OutboxRow.id)))

    def unnoted(self, tenant: str) -> list[OutboxRow]:
        """Completed actions whose ledger note is still to be written."""
        with self.session() as s:
            query = select(OutboxRow).where(
                OutboxRow.tenant == tenant,
                OutboxRow.status == MessageStatus.SENT,
                OutboxRow.noted_at.is_(None),
            )
            return list(s.scalars(query.order_by(OutboxRow.id)))

    def threads(self, tenant: str) -> dict[str, ThreadInfo]:
        """The thread of every invoice with outbox rows or replies, in two queries.

        Each is what ``thread_of`` says of that invoice; a run looks them up here
        instead of asking once per email.
        """
        sent: dict[str, list[Any]] = defaultdict(list)
        with self.session() as s:
            rows = s.execute(
                select(
                    OutboxRow.invoice_id,
                    OutboxRow.action,
                    OutboxRow.message_id,
                    OutboxRow.status,
                    OutboxRow.thread,
                    OutboxRow.subject,
                    OutboxRow.sent_at,
                    OutboxRow.created_at,
                )
                .where(OutboxRow.tenant == tenant)
                .order_by(OutboxRow.id)
            ).all()
            replies = s.execute(
                select(
                    ReplyRow.invoice_id,
                    ReplyRow.received_at,
                    ReplyRow.message_id,
                    ReplyRow.kind,
                    ReplyRow.promised,
                ).where(ReplyRow.tenant == tenant, ReplyRow.invoice_id.is_not(None))
            ).all()
        for r in rows:
            found = sent[r.invoice_id]  # every invoice with a row has a thread, maybe empty
            if r.message_id and r.action not in NOT_IN_THREAD:
                found.append(r)
        replied: dict[str, list[Any]] = defaultdict(list)
        for rep in replies:
            replied[str(rep.invoice_id)].append(rep)
        return {
            invoice_id: _thread(sent.get(invoice_id, []), replied.get(invoice_id, []))
            for invoice_id in set(sent) | set(replied)
        }

    def thread_of(self, tenant: str, invoice_id: str) -> ThreadInfo:
        """The thread an invoice's messages live in, from what was sent and replied."""
        sent = [
            r
            for r in self.rows(tenant, invoice_id=invoice_id)
            if r.message_id and r.action not in NOT_IN_THREAD
        ]
        with self.session() as s:
            replies = s.scalars(
                select(ReplyRow).where(ReplyRow.tenant == tenant, ReplyRow.invoice_id == invoice_id)
            ).all()
        return _thread(sent, replies)

    # -- history ------------------------------------------------------------------------

    def history(self, tenant: str) -> dict[str, History]:
        """Everything the planner needs to know, by invoice id."""
        messages: dict[str, list[Message]] = defaultdict(list)
        for r in self.rows(tenant):
            at = r.sent_at or r.created_at
            if r.action in INTERNAL_ACTIONS:
                continue
            emailed = r.action not in (ActionKind.ESCALATE, ActionKind.PAUSE)
            listed = r.action == ActionKind.SEND_STATEMENT
            messages[r.invoice_id].append(
                Message(r.stage, r.cycle, at, r.status, emailed, listed)  # type: ignore[arg-type]
            )
        with self.session() as s:
            controls = {
                c.invoice_id: c
                for c in s.scalars(select(ControlRow).where(ControlRow.tenant == tenant))
            }
            replies = s.scalars(
                select(ReplyRow)
                .where(ReplyRow.tenant == tenant, ReplyRow.kind == RESEND_KIND)
                .order_by(ReplyRow.received_at, ReplyRow.id)
            ).all()
        requests: dict[str, list[ResendRequest]] = defaultdict(list)
        ordinals: dict[str, int] = defaultdict(int)
        for rep in replies:
            if rep.invoice_id is None:
                continue
            ordinals[rep.invoice_id] += 1
            if not rep.handled:
                requests[rep.invoice_id].append(
                    ResendRequest(rep.ref, rep.received_at, ordinals[rep.invoice_id])
                )
        result: dict[str, History] = {}
        for inv in set(messages) | set(controls) | set(requests):
            c = controls.get(inv)
            result[inv] = History(
                messages=tuple(messages.get(inv, ())),
                paused=c.paused if c else None,
                snoozed_until=c.snoozed_until if c else None,
                resend_requests=tuple(requests.get(inv, ())),
            )
        return result

    def tracked_invoices(self, tenant: str) -> list[str]:
        """Invoice ids that were emailed and are not closed: re-read them to see payment."""
        with self.session() as s:
            closed = set(
                s.scalars(
                    select(ControlRow.invoice_id).where(
                        ControlRow.tenant == tenant, ControlRow.closed.is_(True)
                    )
                )
            )
            ids = s.scalars(
                select(OutboxRow.invoice_id)
                .where(OutboxRow.tenant == tenant, OutboxRow.status == MessageStatus.SENT)
                .distinct()
            )
            return sorted(set(ids) - closed)

    # -- controls -----------------------------------------------------------------------

    def set_control(
        self, tenant: str, invoice_id: str, number: str, now: datetime, **values: Any
    ) -> None:
        """Pause, resume, snooze or close an invoice (only the given fields change)."""
        with self.session() as s:
            row = s.get(ControlRow, (tenant, invoice_id))
            if row is None:
                row = ControlRow(tenant=tenant, invoice_id=invoice_id, invoice_number=number)
                s.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now

    def controls(self, tenant: str) -> dict[str, ControlRow]:
        """Every hold on this tenant's invoices, by invoice id."""
        with self.session() as s:
            rows = s.scalars(select(ControlRow).where(ControlRow.tenant == tenant))
            return {r.invoice_id: r for r in rows}

    # -- replies and cursors ------------------------------------------------------------

    def record_reply(self, row: ReplyRow) -> bool:
        """Remember a reply; False when it was already seen."""
        try:
            with self.session() as s:
                s.add(row)
            return True
        except IntegrityError:
            return False

    def reply(self, tenant: str, reply_id: int) -> ReplyRow | None:
        """One recorded reply by its id, or None."""
        with self.session() as s:
            row = s.get(ReplyRow, reply_id)
            return row if row is not None and row.tenant == tenant else None

    def open_replies(self, tenant: str) -> list[ReplyRow]:
        """Replies whose action is not complete yet, oldest first."""
        with self.session() as s:
            query = select(ReplyRow).where(ReplyRow.tenant == tenant, ReplyRow.handled.is_(False))
            return list(s.scalars(query.order_by(ReplyRow.id)))

    def mark_failing(self, tenant: str, address: str, now: datetime, number: str | None) -> None:
        """Remember that mail to ``address`` bounced."""
        with self.session() as s:
            if s.get(FailingAddressRow, (tenant, address.lower())) is None:
                s.add(
                    FailingAddressRow(
                        tenant=tenant, address=address.lower(), since=now, invoice_number=number
                    )
                )

    def failing(self, tenant: str) -> dict[str, datetime]:
        """Addresses that bounced, with when."""
        with self.session() as s:
            rows = s.scalars(select(FailingAddressRow).where(FailingAddressRow.tenant == tenant))
            return {r.address: r.since for r in rows}

    def clear_failing(self, tenant: str, address: str) -> bool:
        """Forget a bounce (the address was fixed); False when it was not marked."""
        with self.session() as s:
            result = s.execute(
                delete(FailingAddressRow).where(
                    FailingAddressRow.tenant == tenant, FailingAddressRow.address == address.lower()
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def seen_reply(self, tenant: str, ref: str, message_id: str = "") -> bool:
        """True when this reply was already recorded, by its transport ref or its Message-ID.

        The same message can come back under another ref (a mailbox folder recreated,
        the message copied); acting on it again would, say, resend the invoice twice.
        """
        same = ReplyRow.ref == ref
        if message_id:
            same = or_(same, ReplyRow.message_id == message_id)
        with self.session() as s:
            found = s.scalar(select(ReplyRow.id).where(ReplyRow.tenant == tenant, same).limit(1))
            return found is not None

    def handle_reply(self, tenant: str, ref: str) -> None:
        """Mark a reply's request as answered."""
        with self.session() as s:
            s.execute(
                update(ReplyRow)
                .where(ReplyRow.tenant == tenant, ReplyRow.ref == ref)
                .values(handled=True)
            )

    def attach_reply(self, tenant: str, ref: str, invoice_id: str) -> None:
        """Give a reply recorded without its invoice's id (the invoice was unreadable) the id."""
        with self.session() as s:
            s.execute(
                update(ReplyRow)
                .where(ReplyRow.tenant == tenant, ReplyRow.ref == ref)
                .values(invoice_id=invoice_id)
            )

    def cursor(self, tenant: str, name: str) -> str | None:
        """The saved position of a feed."""
        with self.session() as s:
            row = s.get(CursorRow, (tenant, name))
            return row.value if row else None

    def save_cursor(self, tenant: str, name: str, value: str | None) -> None:
        """Save the position of a feed (None leaves it unchanged)."""
        if value is None:
            return
        with self.session() as s:
            row = s.get(CursorRow, (tenant, name))
            if row is None:
                s.add(CursorRow(tenant=tenant, name=name, value=value))
            else:
                row.value = value

    # -- runs ---------------------------------------------------------------------------

    def start_run(self, tenant: str, now: datetime) -> int:
        """Record that a run began."""
        with self.session() as s:
            row = RunRow(tenant=tenant, started_at=now, status="running", summary="{}")
            s.add(row)
            s.flush()
            return row.id

    def finish_run(self, run_id: int, now: datetime, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended."""
        self._update_run(run_id, finished_at=now, status=status, summary=json.dumps(summary))

    def _update_run(self, run_id: int, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(RunRow).where(RunRow.id == run_id).values(**values))

    def last_finished(self, tenant: str, status: str = "done") -> RunRow | None:
        """The run that most recently finished with ``status``, if any."""
        with self.session() as s:
            query = (
                select(RunRow)
                .where(RunRow.tenant == tenant, RunRow.status == status)
                .order_by(RunRow.finished_at.desc(), RunRow.id.desc())
                .limit(1)
            )
            return s.scalars(query).first()

    def last_runs(self, tenant: str, limit: int = 5) -> list[RunRow]:
        """The newest runs, newest first."""
        with self.session() as s:
            query = (
                select(RunRow)
                .where(RunRow.tenant == tenant)
                .order_by(RunRow.id.desc())
                .limit(limit)
            )
            return list(s.scalars(query))


def _thread(sent: Sequence[Any], replies: Sequence[Any]) -> ThreadInfo:
    """An invoice's thread from its messages with a Message-ID (oldest first) and replies."""
    delivered = [r for r in sent if r.status == MessageStatus.SENT and r.thread]
    thread = delivered[0].thread if delivered else None
    subject = next((r.subject for r in sent if r.subject), None)
    timeline = sorted(
        [(r.sent_at or r.created_at, r.message_id or "") for r in delivered]
        + [(r.received_at, r.message_id) for r in replies]
    )
    own = [r for r in replies if r.kind not in MACHINE_KINDS]
    promised = [r.promised for r in sorted(own, key=lambda r: r.received_at) if r.promised]
    reminders = sum(
        1 for r in delivered if r.status == MessageStatus.SENT and r.action == SEND_REMINDER
    )
    return ThreadInfo(
        thread,
        subject,
        tuple(mid for _, mid in timeline if mid),
        replied=bool(own),
        promised=promised[-1] if promised else None,
        reminders_sent=reminders,
    )

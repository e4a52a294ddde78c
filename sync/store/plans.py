"""The instalment plans' part of the state store: record, end, and read them.

Kept beside ``Store`` and sharing its database. At most one plan runs per invoice at a
time; an ended plan is kept (its messages' rungs are keyed by its id), and the latest
plan of each invoice reaches the planner through its ``History``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sync.config.instalments import InstalmentSettings
from sync.errors import StateError
from sync.plan.actions import ActionKind
from sync.plan.history import History, InstalmentPlan, MessageStatus
from sync.store.database import Database
from sync.store.tables import OutboxRow, PlanRow

Schedule = tuple[tuple[date, Decimal], ...]
PLAN_ENDED = "plan_ended"
"""The stage of the outbox row (and note) of a plan's end; its cycle is the plan's id."""


class PlanBook:
    """The instalment plans of one tenant.

    Args:
        db: The state store's database.
        tenant: The tenant the plans belong to.
    """

    def __init__(self, db: Database, tenant: str) -> None:
        self.db = db
        self.tenant = tenant

    def record(
        self,
        invoice_id: str,
        number: str,
        currency: str,
        schedule: Schedule,
        now: datetime,
    ) -> PlanRow:
        """Record a plan for one invoice and return it.

        Raises:
            StateError: A plan already runs for the invoice.
        """
        with self.db.session() as s:
            running = s.scalars(
                select(PlanRow).where(
                    PlanRow.tenant == self.tenant,
                    PlanRow.invoice_id == invoice_id,
                    PlanRow.ended.is_(None),
                )
            ).first()
            if running is not None:
                raise StateError(
                    f"invoice {number} already has instalment plan {running.id}, recorded"
                    f" {running.created_at:%Y-%m-%d}; end it with `tahseel instalments"
                    f" {number} --cancel` before recording another"
                )
            row = PlanRow(
                tenant=self.tenant,
                invoice_id=invoice_id,
                invoice_number=number,
                currency=currency,
                schedule=dump_schedule(schedule),
                created_at=now,
            )
            s.add(row)
            s.flush()
            return row

    def end(self, plan_id: int, why: str, now: datetime) -> bool:
        """End a running plan (``missed``, ``cancelled``, ``paid``); False if it had ended."""
        with self.db.session() as s:
            result = s.execute(
                update(PlanRow)
                .where(PlanRow.id == plan_id, PlanRow.ended.is_(None))
                .values(ended=why, ended_at=now)
            )
            return bool(getattr(result, "rowcount", 0))

    def cancel(self, invoice_id: str, now: datetime) -> PlanRow | None:
        """End the invoice's running plan as a person asked; None when none runs.

        The outbox row of the plan's end is claimed first (``plan_ended``, the plan's
        id), marked sent and not noted: the next run writes its ledger note, once, as it
        writes any note a run left unwritten.
        """
        running = [p for p in self.plans(running=True) if p.invoice_id == invoice_id]
        if not running:
            return None
        plan = running[0]
        detail = f"plan {plan.id} cancelled by a person; the ladder goes on from the rung reached"
        row = OutboxRow(
            tenant=self.tenant,
            invoice_id=invoice_id,
            invoice_number=plan.invoice_number,
            stage=PLAN_ENDED,
            cycle=plan.id,
            action=ActionKind.PLAN_ENDED,
            status=MessageStatus.SENT,
            recipients="",
            subject=detail,  # the note's words (sync.run.recovery.finish_notes)
            created_at=now,
            sent_at=now,
        )
        try:
            with self.db.session() as s:
                s.add(row)
        except IntegrityError:
            pass  # a run claimed the plan's end (it lapsed) and died before ending it
        self.end(plan.id, "cancelled", now)
        return plan

    def plans(self, *, running: bool = False) -> list[PlanRow]:
        """The tenant's plans, oldest first (only those still running when ``running``)."""
        with self.db.session() as s:
            query = select(PlanRow).where(PlanRow.tenant == self.tenant)
            if running:
                query = query.where(PlanRow.ended.is_(None))
            return list(s.scalars(query.order_by(PlanRow.id)))

    def latest(self) -> dict[str, PlanRow]:
        """The latest plan of every invoice that has one, by invoice id."""
        return {row.invoice_id: row for row in self.plans()}


def dump_schedule(schedule: Schedule) -> str:
    """A schedule as the table stores it."""
    return json.dumps([[d.isoformat(), str(a)] for d, a in schedule])


def load_schedule(text: str) -> Schedule:
    """A schedule from the table."""
    return tuple((date.fromisoformat(d), Decimal(a)) for d, a in json.loads(text))


def plan_of(row: PlanRow, terms: InstalmentSettings) -> InstalmentPlan:
    """The planner's view of a stored plan, with the configured reminder days and grace."""
    return InstalmentPlan(
        row.id,
        load_schedule(row.schedule),
        row.ended,
        terms.remind_days_before,
        terms.grace_days,
    )


def with_plans(
    history: Mapping[str, History], rows: Sequence[PlanRow], terms: InstalmentSettings
) -> dict[str, History]:
    """``history`` with each invoice's latest plan in it (an invoice without history gets one)."""
    result = dict(history)
    for row in rows:
        past = result.get(row.invoice_id, History())
        result[row.invoice_id] = replace(past, instalments=plan_of(row, terms))
    return result

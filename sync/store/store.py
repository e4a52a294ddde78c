"""The state store: what was sent (the outbox), pauses and snoozes, replies seen, cursors, runs.

SQLAlchemy over a SQLite file by default, or PostgreSQL by URL. The outbox is the source
of truth for "was this sent": an intent row, unique per (tenant, invoice, stage, cycle), is
committed before a send and completed after it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from sync.errors import RunLocked, StateError
from sync.plan.planner import History, Message, ResendRequest

INTERNAL_ACTIONS = ("notice", "snooze")
"""Outbox actions that are not contact with the customer: no rung, no thread."""

RESEND_KIND = "invoice_not_received"
"""The reply kind that asks for the invoice again."""


class _UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Base(DeclarativeBase):
    pass


class OutboxRow(_Base):
    """One intended or completed action on one invoice (email, escalation)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("tenant", "invoice_id", "stage", "cycle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(60))
    cycle: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # pending, sent, unknown, failed
    message_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    thread: Mapped[str | None] = mapped_column(String(400), nullable=True)
    transport_ref: Mapped[str | None] = mapped_column(String(400), nullable=True)
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_ref: Mapped[str | None] = mapped_column(String(400), nullable=True)
    created_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    noted_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ControlRow(_Base):
    """A person's or a reply's hold on an invoice: paused, snoozed, or closed for good."""

    __tablename__ = "controls"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(200))
    paused: Mapped[str | None] = mapped_column(Text, nullable=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(_UTCDateTime())


class ReplyRow(_Base):
    """A customer's message seen in the mailbox, and what it was understood to say."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("tenant", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(400))
    message_id: Mapped[str] = mapped_column(String(400))
    invoice_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    invoice_number: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(400))
    received_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)
    promised: Mapped[date | None] = mapped_column(Date, nullable=True)


class CursorRow(_Base):
    """Where the last read of a feed stopped (mailbox replies, ledger changes)."""

    __tablename__ = "cursors"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RunRow(_Base):
    """One run of the job and its summary."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="{}")


class FailingAddressRow(_Base):
    """An address a delivery failure report named: not emailed again until it changes."""

    __tablename__ = "failing_addresses"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    address: Mapped[str] = mapped_column(String(400), primary_key=True)
    since: Mapped[datetime] = mapped_column(_UTCDateTime())
    invoice_number: Mapped[str | None] = mapped_column(String(200), nullable=True)


class CachedInvoiceRow(_Base):
    """The last known copy of an invoice from a ledger read incrementally."""

    __tablename__ = "ledger_invoices"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class PaymentLinkRow(_Base):
    """A payment link fetched from the ledger, kept so it is fetched once per invoice."""

    __tablename__ = "payment_links"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    link: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(_UTCDateTime())


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """The mail thread of one invoice: its id, subject and Message-IDs, oldest first."""

    thread: str | None
    subject: str | None
    message_ids: tuple[str, ...]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


_SCHEMA_LOCK = int.from_bytes(hashlib.sha256(b"tahseel schema").digest()[:8], "big", signed=True)
"""The advisory lock key that serialises creating the tables on PostgreSQL."""


class Store:
    """The state store of one configuration (any number of tenants).

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            if self.is_sqlite:
                self._prepare_sqlite_path(url)
                self.engine: Engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
            self._create_tables()
        except SQLAlchemyError as exc:
            raise StateError(f"cannot open the state store: {_redact(exc)}") from None
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def _create_tables(self) -> None:
        """Create the tables that are missing, also when several runners start at once.

        Two processes opening a new store together would both find a table missing and
        both create it; the second would fail. PostgreSQL serialises them with a lock
        held until the tables are committed; SQLite looks again after such a failure
        (each failure means another runner created a table, so this ends).
        """
        if self.is_sqlite:
            for attempt in range(len(_Base.metadata.tables)):
                try:
                    _Base.metadata.create_all(self.engine)
                    return
                except OperationalError:
                    if attempt == len(_Base.metadata.tables) - 1:
                        raise
            return
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            _Base.metadata.create_all(conn)

    @staticmethod
    def _prepare_sqlite_path(url: str) -> None:
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not url.startswith("sqlite://?"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction that commits on success; database errors become StateError."""
        with self._session() as session:
            try:
                yield session
                session.commit()
            except IntegrityError:
                session.rollback()
                raise
            except SQLAlchemyError as exc:
                session.rollback()
                raise StateError(f"state store error: {_redact(exc)}") from None

    # -- lock ---------------------------------------------------------------------------

    @contextmanager
    def lock(self, tenant: str) -> Iterator[None]:
        """Hold the run lock for ``tenant``; raise RunLocked at once if another run has it.

        SQLite uses an advisory file lock next to the database, PostgreSQL an advisory
        lock on its own connection. Both are released by the operating system or the
        server when the holder dies, so a killed run never leaves a stale lock.
        """
        if self.is_sqlite:
            with self._file_lock(tenant):
                yield
        else:
            with self._pg_lock(tenant):
                yield

    @contextmanager
    def _file_lock(self, tenant: str) -> Iterator[None]:
        db = self.url.removeprefix("sqlite:///")
        if not db or db == ":memory:":
            yield
            return
        digest = hashlib.sha256(tenant.encode()).hexdigest()[:12]
        path = f"{db}.{digest}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunLocked(f"another run is working on {tenant!r} (lock {path})") from None
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _pg_lock(self, tenant: str) -> Iterator[None]:
        key = int.from_bytes(hashlib.sha256(tenant.encode()).digest()[:8], "big", signed=True)
        try:
            conn = self.engine.connect()
        except OperationalError as exc:
            raise StateError(f"cannot reach the state store: {_redact(exc)}") from None
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                raise RunLocked(f"another run is working on {tenant!r} (advisory lock)")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        finally:
            conn.close()

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
                OutboxRow.status == "sent",
                OutboxRow.noted_at.is_(None),
            )
            return list(s.scalars(query.order_by(OutboxRow.id)))

    def threaded_invoices(self, tenant: str) -> set[str]:
        """Ids of the invoices that have outbox rows or replies (the rest have no thread)."""
        with self.session() as s:
            found = set(s.scalars(select(OutboxRow.invoice_id).where(OutboxRow.tenant == tenant)))
            replies = select(ReplyRow.invoice_id).where(
                ReplyRow.tenant == tenant, ReplyRow.invoice_id.is_not(None)
            )
            found.update(str(i) for i in s.scalars(replies))
        return found

    def thread_of(self, tenant: str, invoice_id: str) -> ThreadInfo:
        """The thread an invoice's messages live in, from what was sent and replied."""
        sent = [
            r
            for r in self.rows(tenant, invoice_id=invoice_id)
            if r.message_id and r.action not in INTERNAL_ACTIONS
        ]
        delivered = [r for r in sent if r.status == "sent" and r.thread]
        thread = delivered[0].thread if delivered else None
        subject = next((r.subject for r in sent if r.subject), None)
        with self.session() as s:
            replies = s.scalars(
                select(ReplyRow).where(ReplyRow.tenant == tenant, ReplyRow.invoice_id == invoice_id)
            ).all()
        timeline = sorted(
            [(r.sent_at or r.created_at, r.message_id or "") for r in delivered]
            + [(r.received_at, r.message_id) for r in replies]
        )
        return ThreadInfo(thread, subject, tuple(mid for _, mid in timeline if mid))

    # -- history ------------------------------------------------------------------------

    def history(self, tenant: str) -> dict[str, History]:
        """Everything the planner needs to know, by invoice id."""
        messages: dict[str, list[Message]] = defaultdict(list)
        for r in self.rows(tenant):
            at = r.sent_at or r.created_at
            if r.action in INTERNAL_ACTIONS:
                continue
            emailed = r.action not in ("escalate", "pause")
            messages[r.invoice_id].append(
                Message(r.stage, r.cycle, at, r.status, emailed)  # type: ignore[arg-type]
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
                .where(OutboxRow.tenant == tenant, OutboxRow.status == "sent")
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


def _redact(exc: Exception) -> str:
    """A database error without the URL's password or the statement's parameters."""
    message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return message.split("[SQL:")[0].strip()

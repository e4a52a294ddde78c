"""The state store's database: SQLite by file or PostgreSQL by URL, its tables, its locks.

Errors from the database become ``StateError`` with the URL's password and the
statement's parameters left out.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sync.errors import RunLocked, StateError
from sync.store.tables import Base


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


_SCHEMA_LOCK = int.from_bytes(hashlib.sha256(b"tahseel schema").digest()[:8], "big", signed=True)
"""The advisory lock key that serialises creating the tables on PostgreSQL."""


class Database:
    """The connection to the state store: engine, tables, transactions and run locks.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = _where(url)
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
            raise StateError(
                f"cannot open the state store {self.where}: {redact(exc)}. {HELP}"
            ) from None
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def _create_tables(self) -> None:
        """Create the tables that are missing, also when several runners start at once.

        Two processes opening a new store together would both find a table missing and
        both create it; the second would fail. PostgreSQL serialises them with a lock
        held until the tables are committed; SQLite looks again after such a failure
        (each failure means another runner created a table, so this ends).
        """
        if self.is_sqlite:
            for attempt in range(len(Base.metadata.tables)):
                try:
                    Base.metadata.create_all(self.engine)
                    return
                except OperationalError:
                    if attempt == len(Base.metadata.tables) - 1:
                        raise
            return
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            Base.metadata.create_all(conn)

    @staticmethod
    def _prepare_sqlite_path(url: str) -> None:
        path = url.removeprefix("sqlite:///")
        # A ``file:`` URI (``?uri=true``, e.g. a read-only ``mode=ro``) names a file
        # that must already exist.
        if (
            path
            and path != ":memory:"
            and not url.startswith("sqlite://?")
            and not (path.startswith("file:"))
        ):
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
                raise StateError(f"state store {self.where}: {redact(exc)}. {HELP}") from None

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
            raise StateError(f"cannot reach the state store {self.where}: {redact(exc)}") from None
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


HELP = (
    "It holds what was sent: check the file's permissions and the free space, or"
    " restore it from a backup. A lost or damaged one can be replaced by a new, empty"
    " one (move it aside): the first run then asks the mailbox what was already sent"
    " and sends nothing twice"
)
"""What to do when the state store cannot be opened or written."""


def _where(url: str) -> str:
    """The store's file, or its URL without the password."""
    if url.startswith("sqlite"):
        return url.split("///", 1)[-1] or url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable URL)"


def redact(exc: Exception) -> str:
    """A database error without the URL's password or the statement's parameters."""
    message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return message.split("[SQL:")[0].strip()

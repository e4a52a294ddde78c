"""The text messages' part of the state store: their rows, opt-outs, the inbound cursor.

Kept beside ``Store`` (which holds the email outbox) and sharing its database: a text
row is claimed before its send and completed after it, as an email's row is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from sync.store.database import Database
from sync.store.tables import OptOutRow, TextRow


class TextLog:
    """The text rows and opt-outs of one tenant.

    Args:
        db: The state store's database.
        tenant: The tenant the rows belong to.
    """

    def __init__(self, db: Database, tenant: str) -> None:
        self.db = db
        self.tenant = tenant

    def claim(self, row: TextRow) -> int | None:
        """Commit an intent; its id, or None when that message is already claimed."""
        try:
            with self.db.session() as s:
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            return None

    def complete(self, row_id: int, **fields: Any) -> None:
        """Update a text row in one transaction."""
        with self.db.session() as s:
            s.execute(update(TextRow).where(TextRow.id == row_id).values(**fields))

    def release(self, row_id: int) -> None:
        """Forget an intent whose send certainly did not happen."""
        with self.db.session() as s:
            s.execute(delete(TextRow).where(TextRow.id == row_id))

    def rows(self, **where: Any) -> list[TextRow]:
        """The tenant's text rows matching the given column values, oldest first."""
        with self.db.session() as s:
            query = select(TextRow).where(TextRow.tenant == self.tenant)
            for column, value in where.items():
                query = query.where(getattr(TextRow, column) == value)
            return list(s.scalars(query.order_by(TextRow.id)))

    def unnoted(self) -> list[TextRow]:
        """Sent messages whose ledger note is still to be written."""
        return [r for r in self.rows(status="sent") if r.noted_at is None]

    def sent_since(self, start: datetime) -> tuple[int, int]:
        """Messages and segments sent (or possibly sent) since ``start``: the day's count."""
        with self.db.session() as s:
            count, segments = s.execute(
                select(func.count(TextRow.id), func.coalesce(func.sum(TextRow.segments), 0)).where(
                    TextRow.tenant == self.tenant,
                    TextRow.status.in_(("sent", "unknown", "pending")),
                    TextRow.created_at >= start,
                )
            ).one()
        return int(count), int(segments)

    def latest_to(self, number: str) -> TextRow | None:
        """The newest message sent to ``number``."""
        with self.db.session() as s:
            query = (
                select(TextRow)
                .where(TextRow.tenant == self.tenant, TextRow.number == number)
                .order_by(TextRow.id.desc())
                .limit(1)
            )
            return s.scalars(query).first()

    # -- opt-outs -------------------------------------------------------------------------

    def opt_out(self, number: str, since: datetime, how: str) -> bool:
        """Record that ``number`` wants no more messages; False when it already did."""
        try:
            with self.db.session() as s:
                s.add(OptOutRow(tenant=self.tenant, number=number, since=since, how=how))
            return True
        except IntegrityError:
            return False

    def opt_in(self, number: str) -> bool:
        """Forget an opt-out (the customer asked again); False when there was none."""
        with self.db.session() as s:
            result = s.execute(
                delete(OptOutRow).where(OptOutRow.tenant == self.tenant, OptOutRow.number == number)
            )
            return bool(getattr(result, "rowcount", 0))

    def opted_out(self) -> dict[str, OptOutRow]:
        """Every opted-out number, with when and how."""
        with self.db.session() as s:
            rows = s.scalars(select(OptOutRow).where(OptOutRow.tenant == self.tenant))
            return {r.number: r for r in rows}

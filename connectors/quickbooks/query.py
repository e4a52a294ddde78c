"""Reads through QuickBooks' query language: one page, every page, rows by id, changes.

Every page of a scan is ordered by ``Id`` and starts a few rows before the end of the
last one, so a row that leaves the result during the scan (an invoice paid meanwhile
shifts the later rows back) skips nothing; the caller drops the ids it has seen.
Invoice queries ask for ``include=invoiceLink``, which brings the customer's payment
link with each row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from connectors.batches import chunks
from connectors.quickbooks.client import QuickBooksClient
from connectors.quickbooks.mapping import Row

OVERLAP = 10
"""Rows each page re-reads from the previous one, against shifts during the scan."""

IDS_PER_QUERY = 1000
"""Ids per ``Id IN (...)`` query: one page of results."""

MAX_PAGES = 100_000
"""Pages a scan reads at most: a guard, far above any real company."""


class Queries:
    """The queries of one ledger, ``page_size`` rows a page.

    Args:
        client: Returns the ledger's SDK connection (built on first use).
        page_size: Rows per query, at most 1,000.
        problem: Records a problem with the read, e.g. a scan stopped by the guard.
    """

    def __init__(
        self,
        client: Callable[[], QuickBooksClient],
        page_size: int,
        problem: Callable[[str], None],
    ) -> None:
        self._client = client
        self.page_size = page_size
        self._problem = problem

    def page(
        self,
        operation: str,
        entity: str,
        where: str,
        *,
        start: int = 1,
        order: str | None = None,
    ) -> list[Row]:
        """One query: ``page_size`` rows of ``entity`` from the ``start``-th (1-based).

        Args:
            operation: Name for counts and messages, e.g. ``invoices.query``.
            entity: ``Invoice``, ``Customer``, ``Payment`` …
            where: The condition, e.g. ``Balance > '0'``.
            start: First row wanted.
            order: Column to order by.

        Raises:
            LedgerError: By kind.
        """
        select = f"SELECT * FROM {entity} WHERE {where}"
        if order:
            select += f" ORDERBY {order}"
        select += f" STARTPOSITION {start} MAXRESULTS {self.page_size}"
        params = {"include": "invoiceLink"} if entity == "Invoice" else None
        client = self._client()
        answer = client.call(operation, client.qb.query, select, params=params)
        found = (answer or {}).get("QueryResponse") or {}
        return list(found.get(entity) or ())

    def pages(self, operation: str, entity: str, where: str) -> Iterator[list[Row]]:
        """Every row of ``entity`` matching ``where``, a page at a time, by ``Id``.

        Consecutive pages overlap by up to ``OVERLAP`` rows (a tenth of a page at
        most), so a row may come twice.

        Raises:
            LedgerError: By kind.
        """
        overlap = min(OVERLAP, self.page_size // 10)
        start = 1
        for _ in range(MAX_PAGES):
            rows = self.page(operation, entity, where, start=start, order="Id")
            yield rows
            if len(rows) < self.page_size:
                return
            start += len(rows) - overlap
        self._problem(f"quickbooks: {operation}: stopped after 100,000 pages")

    def by_ids(
        self,
        operation: str,
        entity: str,
        ids: Sequence[str],
        *,
        where: str = "",
        per_query: int = IDS_PER_QUERY,
    ) -> Iterator[list[Row]]:
        """The rows of ``entity`` with the given ids, ``per_query`` ids a query.

        Args:
            operation: Name for counts and messages, e.g. ``invoices.get``.
            entity: ``Invoice``, ``Customer`` …
            ids: Ids to read; unknown ones are left out of the answer.
            where: A condition the rows must also meet, e.g. ``Active IN (true, false)``.
            per_query: Ids per query.

        Yields:
            The rows of each query.

        Raises:
            LedgerError: By kind.
        """
        for chunk in chunks(ids, per_query):
            condition = f"Id IN ({quoted(chunk)})"
            yield self.page(operation, entity, f"{where} AND {condition}" if where else condition)

    def changes(self, operation: str, entity: str, since: str) -> list[Row]:
        """What change data capture says changed since ``since`` (ISO 8601, in UTC).

        Deleted objects come as ``{"Id": ..., "status": "Deleted"}``.

        Raises:
            LedgerError: By kind.
        """
        client = self._client()
        answer = client.call(operation, client.qb.change_data_capture, entity, since)
        rows: list[Row] = []
        for block in answer.get("CDCResponse") or ():
            for found in block.get("QueryResponse") or ():
                rows += found.get(entity) or ()
        return rows


def quoted(ids: Sequence[str]) -> str:
    """The ids as an ``IN`` list: ``'1', '2'``."""
    return ", ".join(f"'{i}'" for i in ids)

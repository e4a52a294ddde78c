"""Reads through QuickBooks' query language: one page, every page, rows by id, changes.

Every page of a scan is ordered by ``Id`` and starts a few rows before the end of the
last one, so a row that leaves the result during the scan (an invoice paid meanwhile
shifts the later rows back) skips nothing; the caller drops the ids it has seen.

Only a query given ``links=True`` asks for ``include=invoiceLink`` (the customer's
payment link with each row). Intuit made the link opt-in because generating it made
queries time out ("The generation of invoiceLink was causing timeouts to developers
due to the additional roundtrip the service makes to generate that link", Intuit's
answer quoted in routablehq/python-quickbooks#241; intuit/QuickBooks-V3-PHP-SDK#276),
so list pages never ask for it, only the re-read of the invoices about to be emailed.

A row that is not a JSON object is left out of a page, with a problem line; the rows
around it go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

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
        links: bool = False,
    ) -> list[Row]:
        """One query: ``page_size`` rows of ``entity`` from the ``start``-th (1-based).

        Args:
            operation: Name for counts and messages, e.g. ``invoices.query``.
            entity: ``Invoice``, ``Customer``, ``Payment`` …
            where: The condition, e.g. ``Balance > '0'``.
            start: First row wanted.
            order: Column to order by.
            links: Ask for each invoice's payment link (``include=invoiceLink``).

        Raises:
            LedgerError: By kind.
        """
        return self._objects(
            operation, entity, self._raw(operation, entity, where, start, order, links)
        )

    def _raw(
        self, operation: str, entity: str, where: str, start: int, order: str | None, links: bool
    ) -> list[object]:
        select = f"SELECT * FROM {entity} WHERE {where}"
        if order:
            select += f" ORDERBY {order}"
        select += f" STARTPOSITION {start} MAXRESULTS {self.page_size}"
        params = {"include": "invoiceLink"} if links else None
        client = self._client()
        answer = client.call(operation, client.qb.query, select, params=params)
        found = answer.get("QueryResponse") if isinstance(answer, Mapping) else None
        rows = found.get(entity) if isinstance(found, Mapping) else None
        return list(rows) if isinstance(rows, list) else []

    def _objects(self, operation: str, entity: str, rows: Iterable[object]) -> list[Row]:
        """The rows that are JSON objects; each other one is a problem line."""
        kept: list[Row] = []
        for n, row in enumerate(rows, 1):
            if isinstance(row, Mapping):
                kept.append(row)
            else:
                self._problem(
                    f"quickbooks: {operation}: {entity} row {n} is not an object; skipped"
                )
        return kept

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
            rows = self._raw(operation, entity, where, start, "Id", False)
            yield self._objects(operation, entity, rows)
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
        links: bool = False,
    ) -> Iterator[list[Row]]:
        """The rows of ``entity`` with the given ids, ``per_query`` ids a query.

        Args:
            operation: Name for counts and messages, e.g. ``invoices.get``.
            entity: ``Invoice``, ``Customer`` …
            ids: Ids to read; unknown ones are left out of the answer.
            where: A condition the rows must also meet, e.g. ``Active IN (true, false)``.
            per_query: Ids per query.
            links: Ask for each invoice's payment link (``include=invoiceLink``).

        Yields:
            The rows of each query.

        Raises:
            LedgerError: By kind.
        """
        for chunk in chunks(ids, per_query):
            condition = f"Id IN ({quoted(chunk)})"
            condition = f"{where} AND {condition}" if where else condition
            yield self.page(operation, entity, condition, links=links)

    def changes(self, operation: str, entity: str, since: str) -> list[Row]:
        """What change data capture says changed since ``since`` (ISO 8601, in UTC).

        Deleted objects come as ``{"Id": ..., "status": "Deleted"}``.

        Raises:
            LedgerError: By kind.
        """
        client = self._client()
        answer = client.call(operation, client.qb.change_data_capture, entity, since)
        rows: list[object] = []
        for block in _list(answer, "CDCResponse"):
            for found in _list(block, "QueryResponse"):
                rows += _list(found, entity)
        return self._objects(operation, entity, rows)


def _list(value: object, name: str) -> list[object]:
    """The list ``value[name]``, or an empty one when the answer is not so shaped."""
    found = value.get(name) if isinstance(value, Mapping) else None
    return list(found) if isinstance(found, list) else []


def quoted(ids: Sequence[str]) -> str:
    """The ids as an ``IN`` list: ``'1', '2'``."""
    return ", ".join(f"'{i}'" for i in ids)

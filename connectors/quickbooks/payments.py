"""The paid history of a QuickBooks company: invoices paid in full, and when.

Reads ``SELECT * FROM Payment WHERE TxnDate >= since`` page by page, then the invoices
their lines link to (``Id IN (...)``, in bulk); those with nothing left to pay come
out, dated by the last payment linked to them.

Only a payment that moved money counts. QuickBooks applies a credit memo or a journal
entry to an invoice through a zero-dollar payment linking both (e.g. Breadwinner's
QuickBooks guide, "Applying Credit to an Invoice": "you need to create a zero-dollar
payment, which is the link between the Credit Memo and the Invoice"); an invoice so
settled is credited, not paid, and owed no thank-you.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

from connectors.models import InvoiceStatus, PaidInvoice
from connectors.quickbooks import mapping
from connectors.quickbooks.customers import Customers
from connectors.quickbooks.mapping import Row
from connectors.quickbooks.query import IDS_PER_QUERY, Queries


def paid_since(
    since: date,
    *,
    queries: Queries,
    customers: Customers,
    reference_field: str | None,
    problem: Callable[[str], None],
) -> Iterator[PaidInvoice]:
    """Yield the invoices paid in full by a payment dated on or after ``since``.

    Args:
        since: The first payment day of interest.
        queries: The ledger's queries.
        customers: The ledger's customers, to name whom each invoice was billed to.
        reference_field: Name of the custom field shown as the invoice's reference.
        problem: Records a row that cannot be read; the others still come out.

    Raises:
        LedgerError: By kind.
    """
    last: dict[str, date] = {}
    seen: dict[str, Row] = {}
    where = f"TxnDate >= '{since.isoformat()}'"
    for rows in queries.pages("payments.query", "Payment", where):
        for row in rows:
            if str(row.get("Id")) in seen:
                continue
            seen[str(row.get("Id"))] = row
            try:
                links = mapping.paid_invoice_dates(row)
            except mapping.MappingError as exc:
                problem(f"quickbooks: payment {row.get('Id')}: {exc}")
                continue
            for invoice_id, day in links.items():
                last[invoice_id] = max(day, last.get(invoice_id, day))
    wanted = [i for i in last if i.isdigit()]
    per_query = min(IDS_PER_QUERY, queries.page_size)
    for rows in queries.by_ids("invoices.paid", "Invoice", wanted, per_query=per_query):
        customers.load(mapping.customer_ids(rows))
        read_linked_payments(queries, rows, seen)
        for row in rows:
            if str(row.get("Id")) not in last:
                continue
            try:
                if mapping.to_status(row, seen) is not InvoiceStatus.PAID:
                    continue
                yield mapping.to_paid_invoice(
                    row,
                    customers.contact(row),
                    last[str(row["Id"])],
                    reference_field=reference_field,
                    payments=seen,
                )
            except mapping.MappingError as exc:
                problem(mapping.skipped("paid invoice", row, exc))


def read_linked_payments(queries: Queries, rows: Iterable[Row], known: dict[str, Row]) -> None:
    """Read into ``known``, in bulk, the payments linked to invoices with nothing left due.

    ``mapping.to_status`` needs them to tell a payment from a credit applied.

    Raises:
        LedgerError: By kind.
    """
    wanted = {i for row in rows for i in mapping.payments_to_check(row)}
    wanted = {i for i in wanted if i.isdigit() and i not in known}
    for found in queries.by_ids("payments.get", "Payment", sorted(wanted, key=int)):
        known.update({str(p["Id"]): p for p in found if mapping.plain(p.get("Id"))})

"""The customers' payment links of a QuickBooks company, asked for only when needed.

QuickBooks writes ``InvoiceLink`` only when asked (``include=invoiceLink``, minor
version 36 and later) and only for an invoice that allows online payment and has an
address to send to (Intuit's Invoice reference: "The link is generated only for
invoices with online payment enabled and having a valid customer email address.
Include query param include=invoiceLink to get the link back on query response",
quoted in routablehq/python-quickbooks#198). Intuit made it opt-in because making
the links slowed whole queries into timeouts (routablehq/python-quickbooks#241), so
the list pages never ask for it: the re-read of the invoices about to be emailed does
(``QuickBooksLedger.get_invoices``), and an invoice emailed without that re-read costs
one ``GET invoice/{id}?include=invoiceLink``. Each link is kept for the ledger's life.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from connectors.models import Invoice
from connectors.quickbooks.client import QuickBooksClient
from connectors.quickbooks.fields import plain
from connectors.quickbooks.mapping import Row


class Links:
    """The payment links read so far, and what the rows said about the others.

    Args:
        client: Returns the ledger's SDK connection.
        fallback: Link pattern with ``{number}`` and/or ``{id}``, for invoices
            QuickBooks gives none.
        remember: Keeps what an invoice row read for a link tells the ledger (the
            note's SyncToken).
    """

    def __init__(
        self,
        client: Callable[[], QuickBooksClient],
        fallback: str | None,
        remember: Callable[[Row], None],
    ) -> None:
        self._client = client
        self.fallback = fallback
        self._remember = remember
        self.known: dict[str, str] = {}
        self._asked: set[str] = set()  # read with include=invoiceLink
        self._payable: dict[str, bool] = {}  # whether QuickBooks would make a link

    def keep(self, row: Row, *, asked: bool = False) -> None:
        """Keep the link an invoice row brings, and whether it could have one.

        Args:
            row: The invoice.
            asked: The row was read with ``include=invoiceLink``.
        """
        if not plain(row.get("Id")):
            return
        key = str(row["Id"])
        link = row.get("InvoiceLink")
        if isinstance(link, str) and link.startswith("https://"):
            self.known[key] = link
        if asked:
            self._asked.add(key)
        online = row.get("AllowOnlineCreditCardPayment") is True
        online = online or row.get("AllowOnlineACHPayment") is True
        self._payable[key] = online and isinstance(row.get("BillEmail"), dict)

    def link(self, invoice: Invoice) -> str | None:
        """The invoice's payment link: QuickBooks', else the fallback pattern's.

        Asks QuickBooks (one call) only for an open invoice whose link was never asked
        for and whose row, if read, allowed online payment.

        Raises:
            LedgerError: By kind.
        """
        key = invoice.id
        if key not in self.known and key not in self._asked and invoice.is_open:
            if self._payable.get(key, True):
                self._fetch(invoice)
        if key in self.known:
            return self.known[key]
        if self.fallback:
            return self.fallback.format(
                number=quote(invoice.number, safe=""), id=quote(invoice.id, safe="")
            )
        return None

    def _fetch(self, invoice: Invoice) -> None:
        client = self._client()
        answer = client.call(
            "invoices.link",
            client.qb.get_single_object,
            "Invoice",
            invoice.id,
            params={"include": "invoiceLink"},
            subject=invoice.number,
        )
        row = answer.get("Invoice") if isinstance(answer, dict) else None
        self._asked.add(invoice.id)
        if isinstance(row, dict):
            self._remember(row)
            self.keep(row, asked=True)

"""Late fees in QuickBooks Online: an invoice with one line, created once.

``POST /v3/company/{realm}/invoice`` carries ``requestid`` (python-quickbooks'
``request_id=``), made from the fee's key: QuickBooks answers a repeated request id
with the first answer, so a create the client retries after a 429, a 500 or a dropped
connection makes no second invoice. Past the retries, or on a later run (``settle``),
the fee is looked for by its DocNumber (``SELECT * FROM Invoice WHERE DocNumber =
'…'``) before anything is created again. The fee's DocNumber is its ``FEE-`` number,
its line's description and its PrivateNote name the late invoice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connectors.base import CreatedFee, FeeRequest
from connectors.errors import LedgerDataError, LedgerRejected, LedgerUnavailable

if TYPE_CHECKING:
    from connectors.quickbooks.client import QuickBooksClient

DOC_NUMBER_LIMIT = 21
"""Most characters of an invoice's DocNumber (Intuit's Invoice reference)."""


def doc_number(number: str) -> str:
    """The fee's DocNumber: its number, or a short stable form of it when too long."""
    if len(number) <= DOC_NUMBER_LIMIT:
        return number
    return "FEE-" + hashlib.sha256(number.encode()).hexdigest()[: DOC_NUMBER_LIMIT - 4].upper()


def request_id(key: str) -> str:
    """The create's ``requestid``: stable for the fee, 36 characters (a UUID's length)."""
    digest = hashlib.sha256(f"tahseel-fee-{key}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


class QuickBooksFees:
    """``CreatesFees`` for ``QuickBooksLedger`` (mixed in; it sets ``fee_item_id``)."""

    fee_item_id: str | None

    if TYPE_CHECKING:

        @property
        def client(self) -> QuickBooksClient:
            """The ledger's SDK connection."""

    def create_fee(self, fee: FeeRequest, *, settle: bool = False) -> CreatedFee:
        """Create the fee invoice once; with ``settle``, first look for it by DocNumber.

        Raises:
            LedgerDataError: ``ledger.fee_item_id`` is not set.
            LedgerError: Not created, or not known whether it was.
        """
        if not self.fee_item_id:
            raise LedgerDataError(
                "quickbooks: ledger.fee_item_id is not set; a late fee's line needs the"
                " service item it sells (see `tahseel check`)"
            )
        if settle:
            found = self.find_fee(fee)
            if found is not None:
                return found
        client = self.client
        try:
            answer = client.call(
                "invoices.create",
                client.qb.create_object,
                "Invoice",
                json.dumps(self._body(fee)),
                request_id=request_id(fee.key),
                subject=fee.invoice.number,
            )
        except (LedgerUnavailable, LedgerRejected):
            # Unavailable: the create may have happened. Refused: its DocNumber may be
            # taken by this very fee, made by a try whose request id QuickBooks forgot.
            found = self.find_fee(fee)
            if found is not None:
                return found
            raise
        row = answer.get("Invoice") if isinstance(answer, Mapping) else None
        if not isinstance(row, Mapping) or not row.get("Id"):
            raise LedgerDataError(
                f"quickbooks: invoices.create (invoice {fee.invoice.number}): the answer holds"
                f" no invoice; look for invoice {doc_number(fee.number)} in QuickBooks"
            )
        return CreatedFee(str(row["Id"]), str(row.get("DocNumber") or row["Id"]))

    def find_fee(self, fee: FeeRequest) -> CreatedFee | None:
        """The fee invoice with the fee's DocNumber to the late invoice's customer, if any."""
        client = self.client
        number = doc_number(fee.number).replace("'", "")
        answer = client.call(
            "invoices.find_fee",
            client.qb.query,
            f"SELECT * FROM Invoice WHERE DocNumber = '{number}'",
            subject=fee.invoice.number,
        )
        found = answer.get("QueryResponse") if isinstance(answer, Mapping) else None
        for row in (found or {}).get("Invoice") or ():
            customer = (row.get("CustomerRef") or {}).get("value")
            if str(customer) == fee.invoice.contact.id:
                return CreatedFee(str(row["Id"]), str(row.get("DocNumber") or row["Id"]))
        return None

    def _body(self, fee: FeeRequest) -> dict[str, Any]:
        amount = float(fee.amount)
        return {
            "DocNumber": doc_number(fee.number),
            "CustomerRef": {"value": fee.invoice.contact.id},
            "CurrencyRef": {"value": fee.currency},
            "TxnDate": fee.issued.isoformat(),
            "DueDate": fee.issued.isoformat(),
            "PrivateNote": f"{fee.reference}: {fee.description}",
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": amount,
                    "Description": fee.description,
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": self.fee_item_id},
                        "Qty": 1,
                        "UnitPrice": amount,
                    },
                }
            ],
        }

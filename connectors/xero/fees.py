"""Late fees in Xero: an AUTHORISED ACCREC invoice with one line, created once.

``PUT /Invoices`` (xero-python's ``create_invoices``) carries an ``Idempotency-Key``
made from the fee's key, so a create the client retries after a 429, a 500 or a
dropped connection is answered from Xero's memory of the key (six minutes) and never
makes a second invoice. Past the retries, or on a later run (``settle``), the fee is
looked for by its reference (``GET /Invoices?where=Reference=="…"``) before anything is
created again. The fee invoice names the late invoice in its reference, its line and
a history note of its own (the late invoice's note is the run's, ``sync.run.fees``).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from xero_python.accounting import Contact as XeroContact
from xero_python.accounting import (
    CurrencyCode,
    HistoryRecord,
    HistoryRecords,
    Invoices,
    LineAmountTypes,
    LineItem,
)
from xero_python.accounting import Invoice as XeroInvoice

from connectors.base import CreatedFee, FeeRequest
from connectors.errors import LedgerDataError, LedgerError, LedgerUnavailable
from connectors.xero.mapping import clip_note, idempotency_key

if TYPE_CHECKING:
    from connectors.xero.client import XeroClient

KEY_LENGTH = 128
"""Most characters in an ``Idempotency-Key`` (the spec's ``idempotencyKey``)."""


def fee_note(fee: FeeRequest) -> str:
    """The note on the fee invoice: which invoice it is the late fee of (250 characters)."""
    return clip_note(
        f"Tahseel: late fee on invoice {fee.invoice.number}, reference '{fee.reference}'"
    )


def fee_key(key: str) -> str:
    """The create's ``Idempotency-Key``, hashed when long (Xero takes 128 characters)."""
    raw = f"tahseel-fee-{key}"
    if len(raw) <= KEY_LENGTH:
        return raw
    return "tahseel-fee-" + hashlib.sha256(raw.encode()).hexdigest()


class XeroFees:
    """``CreatesFees`` for ``XeroLedger`` (mixed in; it sets the attributes below)."""

    fee_account_code: str | None

    if TYPE_CHECKING:

        @property
        def client(self) -> XeroClient:
            """The ledger's SDK client."""

        @property
        def tenant_id(self) -> str:
            """The organisation's id."""

    def create_fee(self, fee: FeeRequest, *, settle: bool = False) -> CreatedFee:
        """Create the fee invoice once; with ``settle``, first look for it by reference.

        Raises:
            LedgerDataError: ``ledger.fee_account_code`` is not set.
            LedgerError: Not created, or not known whether it was.
        """
        if not self.fee_account_code:
            raise LedgerDataError(
                "xero: ledger.fee_account_code is not set; a late fee's line needs the"
                " revenue account it is posted to (see `tahseel check`)"
            )
        if settle:
            found = self.find_fee(fee)
            if found is not None:
                self._note_fee(fee, found, look=True)
                return found
        try:
            made = self.client.call(
                "invoices.create",
                self.client.accounting.create_invoices,
                self.tenant_id,
                Invoices(invoices=[self._invoice(fee)]),
                summarize_errors=True,
                idempotency_key=fee_key(fee.key),
                subject=fee.invoice.number,
            )
        except LedgerUnavailable:
            found = self.find_fee(fee)  # the create may have happened: settle it
            if found is not None:
                self._note_fee(fee, found, look=True)
                return found
            raise
        row = (made.invoices or [None])[0]
        if row is None or not row.invoice_id:
            raise LedgerDataError(
                f"xero: invoices.create (invoice {fee.invoice.number}): the answer holds no"
                f" invoice; look for a fee with reference '{fee.reference}' in Xero"
            )
        made = CreatedFee(str(row.invoice_id), str(row.invoice_number or row.invoice_id))
        self._note_fee(fee, made, look=False)
        return made

    def _note_fee(self, fee: FeeRequest, made: CreatedFee, *, look: bool) -> None:
        """Note on the fee invoice which invoice it is the late fee of, once.

        The note's key is the fee's, scoped to the fee invoice; ``look``: a retry, which
        first reads the fee invoice's history, as Xero forgets a key after six minutes.

        Raises:
            LedgerUnavailable: The note was not written (the fee invoice exists): a later
                try finds the fee by its reference and writes it. An authorisation
                error is raised as it is.
        """
        try:
            self._write_fee_note(fee, made, look=look)
        except LedgerError as exc:
            if exc.disposition == "abort":
                raise
            raise LedgerUnavailable(
                f"xero: the late fee of invoice {fee.invoice.number} is invoice {made.number};"
                f" its note is not written yet ({exc})"
            ) from exc

    def _write_fee_note(self, fee: FeeRequest, made: CreatedFee, *, look: bool) -> None:
        text = fee_note(fee)
        if look:
            history = self.client.call(
                "invoices.history",
                self.client.accounting.get_invoice_history,
                self.tenant_id,
                made.id,
                subject=made.number,
            )
            if any(row.details == text for row in history.history_records or ()):
                return
        self.client.call(
            "invoices.note",
            self.client.accounting.create_invoice_history,
            self.tenant_id,
            made.id,
            HistoryRecords(history_records=[HistoryRecord(details=text)]),
            idempotency_key=idempotency_key(made.id, fee.key),
            subject=made.number,
        )

    def find_fee(self, fee: FeeRequest) -> CreatedFee | None:
        """The fee invoice with ``fee.reference`` to the late invoice's contact, if any."""
        reference = fee.reference.replace('"', "")
        found = self.client.call(
            "invoices.find_fee",
            self.client.accounting.get_invoices,
            self.tenant_id,
            where=f'Type=="ACCREC" AND Reference=="{reference}"',
            statuses=["DRAFT", "SUBMITTED", "AUTHORISED", "PAID"],
            subject=fee.invoice.number,
        )
        for row in found.invoices or ():
            contact = getattr(row.contact, "contact_id", None)
            if str(contact) == fee.invoice.contact.id:
                return CreatedFee(str(row.invoice_id), str(row.invoice_number))
        return None

    def _invoice(self, fee: FeeRequest) -> Any:
        line = LineItem(
            description=fee.description,
            quantity=1.0,
            unit_amount=float(fee.amount),
            account_code=self.fee_account_code,
        )
        return XeroInvoice(
            type="ACCREC",
            contact=XeroContact(contact_id=fee.invoice.contact.id),
            line_items=[line],
            date=fee.issued,
            due_date=fee.issued,
            reference=fee.reference,
            currency_code=CurrencyCode(fee.currency),
            line_amount_types=LineAmountTypes.NOTAX,
            status="AUTHORISED",
        )

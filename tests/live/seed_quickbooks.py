"""Put the Ledger contract's seed into a QuickBooks Online company, through python-quickbooks.

Two customers and the invoices CT-101 to CT-106 (``tests/contract/ledger_contract.py``),
each looked up first (a customer by DisplayName, an invoice or credit memo by
DocNumber) and created only when missing, then paid, credited or voided until it
matches the seed; a second run creates nothing. Everything goes through the SDK's
client (``create_object``, ``query``, ``Invoice.void``), never hand-written HTTP.

What a sandbox company needs first, once, by hand: multicurrency on (SAR and USD), a
sales-form custom field named ``P.O. Number`` (its definition id, 1 for the first, in
``TAHSEEL_QBO_REFERENCE_FIELD_ID``), and an item to sell (``TAHSEEL_QBO_ITEM_ID``,
1 by default). QuickBooks Online's API creates no draft invoice, so CT-105 (a draft
in the contract) cannot be seeded: :func:`seed` leaves it out and says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from quickbooks.objects.invoice import Invoice as QboInvoice

from connectors.models import Invoice, InvoiceStatus
from connectors.quickbooks import QuickBooksLedger, fields
from tests.contract.ledger_contract import SEED

LANGUAGE = "Language"
REFERENCE = "P.O. Number"
VARIABLES = (
    "TAHSEEL_QBO_CLIENT_ID",
    "TAHSEEL_QBO_CLIENT_SECRET",
    "TAHSEEL_QBO_REALM_ID",
    "TAHSEEL_QBO_TOKEN",
)
CREDITED = "CT-106"


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Seeder:
    """Makes one company hold the seed, through the connector's python-quickbooks client.

    Args:
        client: A connector ``QuickBooksClient`` (retries, limits, token refresh).
        item_id: The item every invoice line sells.
        reference_field_id: Definition id of the ``P.O. Number`` sales-form field.
    """

    def __init__(self, client: Any, item_id: str = "1", reference_field_id: str = "1") -> None:
        self.client = client
        self.qb = client.qb
        self.item_id = item_id
        self.reference_field_id = reference_field_id
        self.created: list[str] = []
        self.skipped: list[str] = []

    def _query(self, text: str) -> dict[str, Any]:
        found = self.client.call("seed.query", self.qb.query, text)
        return dict(found.get("QueryResponse") or {})

    def _create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        made = self.client.call(
            f"seed.{entity.lower()}.create", self.qb.create_object, entity, json.dumps(body)
        )
        return dict(made[entity])

    def seed(self, invoices: Sequence[Invoice] = SEED) -> dict[str, str]:
        """Make the company hold ``invoices``; return number -> QuickBooks invoice id."""
        customers: dict[str, str] = {}
        numbers = ", ".join(_quoted(invoice.number) for invoice in invoices)
        rows = self._query(f"SELECT * FROM Invoice WHERE DocNumber IN ({numbers})")
        existing = {row["DocNumber"]: row for row in rows.get("Invoice", [])}
        ids = {}
        for invoice in invoices:
            if invoice.status is InvoiceStatus.DRAFT:
                self.skipped.append(f"{invoice.number} (the API makes no draft invoices)")
                continue
            contact = invoice.contact
            if contact.id not in customers:
                customers[contact.id] = self.customer(invoice)
            row = existing.get(invoice.number) or self._invoice(invoice, customers[contact.id])
            self._settle(invoice, row, customers[contact.id])
            ids[invoice.number] = str(row["Id"])
        return ids

    def customer(self, invoice: Invoice) -> str:
        """The id of the customer named as the invoice's contact, created when missing."""
        contact = invoice.contact
        rows = self._query(f"SELECT * FROM Customer WHERE DisplayName = {_quoted(contact.name)}")
        for row in rows.get("Customer", []):
            if row.get("DisplayName") == contact.name:
                return str(row["Id"])
        body: dict[str, Any] = {
            "DisplayName": contact.name,
            "PrimaryEmailAddr": {"Address": ", ".join(contact.emails)},
            "CurrencyRef": {"value": invoice.currency},
        }
        if contact.language:
            # Customer custom fields are not documented for the v3 API (the XSD has
            # CustomField on every entity); a sandbox may drop it, and the contract's
            # Arabic contact then reads no language.
            body["CustomField"] = [
                {
                    "DefinitionId": "1",
                    "Name": LANGUAGE,
                    "Type": "StringType",
                    "StringValue": contact.language,
                }
            ]
        made = self._create("Customer", body)
        self.created.append(f"customer {contact.name}")
        return str(made["Id"])

    def _line(self, invoice: Invoice, amount: Decimal) -> dict[str, Any]:
        return {
            "Amount": float(amount),
            "DetailType": "SalesItemLineDetail",
            "Description": f"Contract seed {invoice.number}",
            "SalesItemLineDetail": {"ItemRef": {"value": self.item_id}},
        }

    def _invoice(self, invoice: Invoice, customer_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "DocNumber": invoice.number,
            "CustomerRef": {"value": customer_id},
            "TxnDate": invoice.issue_date.isoformat(),
            "DueDate": invoice.due_date.isoformat(),
            "CurrencyRef": {"value": invoice.currency},
            "Line": [self._line(invoice, invoice.total)],
        }
        if invoice.reference:
            body["CustomField"] = [
                {
                    "DefinitionId": self.reference_field_id,
                    "Name": REFERENCE,
                    "Type": "StringType",
                    "StringValue": invoice.reference,
                }
            ]
        made = self._create("Invoice", body)
        self.created.append(f"invoice {invoice.number}")
        return made

    def _settle(self, invoice: Invoice, row: dict[str, Any], customer_id: str) -> None:
        """Pay, credit or void ``row`` until it matches the seed (nothing if it does)."""
        balance = Decimal(str(row.get("Balance", invoice.total)))
        voided = fields.to_status(row) is InvoiceStatus.VOIDED  # Intuit's shape, no status
        if invoice.status is InvoiceStatus.VOIDED:
            if not voided:
                sdk = QboInvoice.from_json({"Id": row["Id"], "SyncToken": row["SyncToken"]})
                self.client.call("seed.invoice.void", sdk.void, qb=self.qb)
                self.created.append(f"void of {invoice.number}")
            return
        owed = balance - invoice.amount_due
        if voided or owed <= 0:
            return
        link = {"TxnId": str(row["Id"]), "TxnType": "Invoice"}
        lines = [{"Amount": float(owed), "LinkedTxn": [link]}]
        total = owed
        if invoice.number == CREDITED:
            memo = self._credit_memo(invoice, customer_id, owed)
            lines.append({"Amount": float(owed), "LinkedTxn": [memo]})
            total = Decimal("0")  # the credit pays: Intuit applies a credit memo this way
        payment = {
            "CustomerRef": {"value": customer_id},
            "CurrencyRef": {"value": invoice.currency},
            "TxnDate": invoice.issue_date.isoformat(),
            "TotalAmt": float(total),
            "Line": lines,
        }
        self._create("Payment", payment)
        self.created.append(f"payment of {owed} on {invoice.number}")

    def _credit_memo(self, invoice: Invoice, customer_id: str, amount: Decimal) -> dict[str, str]:
        number = f"{invoice.number}-CN"
        rows = self._query(f"SELECT * FROM CreditMemo WHERE DocNumber = {_quoted(number)}")
        found = [row for row in rows.get("CreditMemo", []) if row.get("DocNumber") == number]
        if found:
            memo = found[0]
        else:
            memo = self._create(
                "CreditMemo",
                {
                    "DocNumber": number,
                    "CustomerRef": {"value": customer_id},
                    "TxnDate": invoice.issue_date.isoformat(),
                    "CurrencyRef": {"value": invoice.currency},
                    "Line": [self._line(invoice, amount)],
                },
            )
            self.created.append(f"credit memo {number}")
        return {"TxnId": str(memo["Id"]), "TxnType": "CreditMemo"}


def seed_from_env(environ: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """Seed the sandbox company the ``TAHSEEL_QBO_*`` variables name.

    Returns:
        The token set as the connector left it, for the recording.
    """
    token_file = workdir / "qbo-token.json"
    token_file.write_text(environ["TAHSEEL_QBO_TOKEN"])
    ledger = QuickBooksLedger(
        client_id=environ["TAHSEEL_QBO_CLIENT_ID"],
        client_secret=environ["TAHSEEL_QBO_CLIENT_SECRET"],
        token_file=token_file,
        realm_id=environ["TAHSEEL_QBO_REALM_ID"],
        environment="sandbox",
    )
    seeder = Seeder(
        ledger.client,
        item_id=environ.get("TAHSEEL_QBO_ITEM_ID", "1"),
        reference_field_id=environ.get("TAHSEEL_QBO_REFERENCE_FIELD_ID", "1"),
    )
    seeder.seed()
    print("quickbooks: " + ("; ".join(seeder.created) or "the seed was already there"))
    for skipped in seeder.skipped:
        print(f"quickbooks: not seeded: {skipped}")
    return {"TAHSEEL_QBO_TOKEN": json.dumps(json.loads(token_file.read_text()))}

"""Put the Ledger contract's seed into a Xero organisation, through xero-python.

The contract (``tests/contract/ledger_contract.py``) needs two customers and six sales
invoices, CT-101 to CT-106: open, part paid, paid, voided, draft, and open but fully
credited. :func:`seed` makes the organisation hold exactly that and is idempotent:
every object is looked up first (a contact or group by name, an invoice or credit note
by number) and only what is missing is created, so a second run creates nothing; a run
stopped halfway is finished by the next.

In a Xero demo company the sales account is ``200`` and the bank account ``090``;
``TAHSEEL_XERO_SALES_ACCOUNT`` and ``TAHSEEL_XERO_BANK_ACCOUNT`` name others. The
organisation must have the invoices' currencies (SAR and USD) enabled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    Contact,
    ContactGroup,
    ContactGroups,
    ContactPerson,
    Contacts,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
)

from connectors.models import Contact as SeedContact
from connectors.models import Invoice as SeedInvoice
from connectors.models import InvoiceStatus
from connectors.xero import XeroLedger
from tests.contract.ledger_contract import SEED

ARABIC = "Arabic"
"""The contact group whose members read Arabic (the replay test's ``arabic_group``)."""

VARIABLES = (
    "TAHSEEL_XERO_CLIENT_ID",
    "TAHSEEL_XERO_CLIENT_SECRET",
    "TAHSEEL_XERO_TENANT_ID",
    "TAHSEEL_XERO_TOKEN",
)
_STATUS = {
    InvoiceStatus.OPEN: "AUTHORISED",
    InvoiceStatus.PAID: "AUTHORISED",  # then paid in full
    InvoiceStatus.VOIDED: "AUTHORISED",  # then voided: Xero voids approved invoices only
    InvoiceStatus.DRAFT: "DRAFT",
}
CREDITED = "CT-106"
"""The invoice settled by a credit note rather than a payment."""


class Seeder:
    """Makes one organisation hold the seed, through the connector's SDK client.

    Args:
        client: A connector ``XeroClient`` (retries, rate limits, token refresh).
        tenant_id: The organisation.
        sales_account: Account code of the invoice and credit note lines.
        bank_account: Account code of the bank account payments go into.
    """

    def __init__(
        self, client: Any, tenant_id: str, sales_account: str = "200", bank_account: str = "090"
    ) -> None:
        self.client = client
        self.api = client.accounting
        self.tenant_id = tenant_id
        self.sales_account = sales_account
        self.bank_account = bank_account
        self.created: list[str] = []

    def _call(self, name: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        return self.client.call(f"seed.{name}", method, self.tenant_id, *args, **kwargs)

    def seed(self, invoices: Sequence[SeedInvoice] = SEED) -> dict[str, str]:
        """Make the organisation hold ``invoices``; return number -> Xero invoice id."""
        group_id = self.group(ARABIC)
        contacts: dict[str, str] = {}
        for invoice in invoices:
            if invoice.contact.id not in contacts:
                contacts[invoice.contact.id] = self.contact(invoice.contact, group_id)
        numbers = [invoice.number for invoice in invoices]
        found = self._call("invoices.find", self.api.get_invoices, invoice_numbers=numbers)
        existing = {row.invoice_number: row for row in found.invoices or ()}
        ids = {}
        for invoice in invoices:
            row = existing.get(invoice.number) or self._create(
                invoice, contacts[invoice.contact.id]
            )
            self._settle(invoice, row)
            ids[invoice.number] = str(row.invoice_id)
        return ids

    def group(self, name: str) -> str:
        """The id of the contact group ``name``, created when missing."""
        found = self._call("groups.find", self.api.get_contact_groups, where=f'Name=="{name}"')
        for group in found.contact_groups or ():
            if (group.name or "").casefold() == name.casefold():
                return str(group.contact_group_id)
        made = self._call(
            "groups.create",
            self.api.create_contact_group,
            ContactGroups(contact_groups=[ContactGroup(name=name)]),
        )
        self.created.append(f"contact group {name}")
        return str(made.contact_groups[0].contact_group_id)

    def contact(self, seed: SeedContact, group_id: str) -> str:
        """The id of the contact named as ``seed``, created when missing; Arabic ones join
        the group. Its first address is its own, the others are persons included in emails.
        """
        found = self._call("contacts.find", self.api.get_contacts, where=f'Name=="{seed.name}"')
        match = [row for row in found.contacts or () if row.name == seed.name]
        if match:
            contact_id = str(match[0].contact_id)
        else:
            first, *others = seed.emails
            persons = [
                ContactPerson(
                    first_name="Person", last_name=str(n), email_address=e, include_in_emails=True
                )
                for n, e in enumerate(others, 1)
            ]
            persons.append(
                ContactPerson(
                    first_name="Sales",
                    last_name="Only",
                    email_address="sales@example.net",
                    include_in_emails=False,
                )
            )
            body = Contact(name=seed.name, email_address=first, contact_persons=persons)
            made = self._call(
                "contacts.create", self.api.create_contacts, Contacts(contacts=[body])
            )
            contact_id = str(made.contacts[0].contact_id)
            self.created.append(f"contact {seed.name}")
        if seed.language == "ar":
            members = self._call("groups.get", self.api.get_contact_group, group_id)
            inside = {str(c.contact_id) for g in members.contact_groups for c in g.contacts or ()}
            if contact_id not in inside:
                self._call(
                    "groups.add",
                    self.api.create_contact_group_contacts,
                    group_id,
                    Contacts(contacts=[Contact(contact_id=contact_id)]),
                )
        return contact_id

    def _line(self, invoice: SeedInvoice) -> LineItem:
        return LineItem(
            description=f"Contract seed {invoice.number}",
            quantity=1,
            unit_amount=float(invoice.total),
            account_code=self.sales_account,
            tax_type="NONE",
        )

    def _create(self, invoice: SeedInvoice, contact_id: str) -> Any:
        body = Invoice(
            type="ACCREC",
            contact=Contact(contact_id=contact_id),
            invoice_number=invoice.number,
            reference=invoice.reference,
            date=invoice.issue_date,
            due_date=invoice.due_date,
            currency_code=CurrencyCode(invoice.currency),
            status=_STATUS[invoice.status],
            line_amount_types=LineAmountTypes.NOTAX,
            line_items=[self._line(invoice)],
        )
        made = self._call("invoices.create", self.api.create_invoices, Invoices(invoices=[body]))
        self.created.append(f"invoice {invoice.number}")
        return made.invoices[0]

    def _settle(self, invoice: SeedInvoice, row: Any) -> None:
        """Pay, credit or void ``row`` until it matches the seed (nothing if it does)."""
        status = str(getattr(row.status, "value", row.status))
        due = Decimal(str(row.amount_due if row.amount_due is not None else invoice.total))
        if invoice.status is InvoiceStatus.VOIDED and status == "AUTHORISED":
            self._call(
                "invoices.void",
                self.api.update_invoice,
                row.invoice_id,
                Invoices(invoices=[Invoice(invoice_id=row.invoice_id, status="VOIDED")]),
            )
            self.created.append(f"void of {invoice.number}")
        elif status == "AUTHORISED" and due > invoice.amount_due:
            if invoice.number == CREDITED:
                self._credit(invoice, row, due - invoice.amount_due)
            else:
                self._pay(invoice, row, due - invoice.amount_due)

    def _pay(self, invoice: SeedInvoice, row: Any, amount: Decimal) -> None:
        payment = Payment(
            invoice=Invoice(invoice_id=row.invoice_id),
            account=Account(code=self.bank_account),
            date=invoice.issue_date,
            amount=float(amount),
        )
        self._call("payments.create", self.api.create_payment, payment)
        self.created.append(f"payment of {amount} on {invoice.number}")

    def _credit(self, invoice: SeedInvoice, row: Any, amount: Decimal) -> None:
        number = f"{invoice.number}-CN"
        found = self._call(
            "credit_notes.find", self.api.get_credit_notes, where=f'CreditNoteNumber=="{number}"'
        )
        notes = [n for n in found.credit_notes or () if n.credit_note_number == number]
        if notes:
            note = notes[0]
        else:
            body = CreditNote(
                type="ACCRECCREDIT",
                contact=Contact(contact_id=row.contact.contact_id),
                credit_note_number=number,
                date=invoice.issue_date,
                currency_code=CurrencyCode(invoice.currency),
                status="AUTHORISED",
                line_amount_types=LineAmountTypes.NOTAX,
                line_items=[self._line(invoice)],
            )
            made = self._call(
                "credit_notes.create",
                self.api.create_credit_notes,
                CreditNotes(credit_notes=[body]),
            )
            note = made.credit_notes[0]
            self.created.append(f"credit note {number}")
        allocation = Allocation(
            invoice=Invoice(invoice_id=row.invoice_id),
            amount=float(amount),
            date=invoice.issue_date,
        )
        self._call(
            "credit_notes.allocate",
            self.api.create_credit_note_allocation,
            note.credit_note_id,
            Allocations(allocations=[allocation]),
        )
        self.created.append(f"allocation of {amount} to {invoice.number}")


def seed_from_env(environ: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """Seed the organisation the ``TAHSEEL_XERO_*`` variables name.

    Returns:
        The variables to hand on to the recording: the token set as the connector left
        it (refreshed, when it had to be).
    """
    token_file = workdir / "xero-token.json"
    token_file.write_text(environ["TAHSEEL_XERO_TOKEN"])
    ledger = XeroLedger(
        client_id=environ["TAHSEEL_XERO_CLIENT_ID"],
        client_secret=environ["TAHSEEL_XERO_CLIENT_SECRET"],
        token_file=token_file,
        tenant_id=environ["TAHSEEL_XERO_TENANT_ID"],
    )
    seeder = Seeder(
        ledger.client,
        environ["TAHSEEL_XERO_TENANT_ID"],
        sales_account=environ.get("TAHSEEL_XERO_SALES_ACCOUNT", "200"),
        bank_account=environ.get("TAHSEEL_XERO_BANK_ACCOUNT", "090"),
    )
    seeder.seed()
    print("xero: " + ("; ".join(seeder.created) or "the seed was already there"))
    return {"TAHSEEL_XERO_TOKEN": json.dumps(json.loads(token_file.read_text()))}

"""The writes the contract's seed makes (``tests/live/seed_xero.py``), answered for an Org.

Only what seeding needs: create contact groups, add contacts to them, create contacts,
invoices, payments and credit notes, allocate a credit note, void an invoice, and find
contacts and credit notes by ``where``. Each rule names its source in Xero's OpenAPI
description (``shared/specs/xero_accounting.yaml``, the xero-node/xero-python source
of truth); where it is silent the emulator is strict and says so.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tests.emulators.xero.org import BadRequest, Org, ms_date

Answer = tuple[int, str, bytes, dict[str, str]]
_ID = r"[^/]+"


def answer(org: Org, method: str, path: str, query: dict[str, str], body: bytes) -> Answer | None:
    """Answer a seeding write (or a ``where`` lookup) for ``org``; None when not one."""
    data = json.loads(body) if body and method in ("PUT", "POST") else {}
    if method == "GET" and path == "/Contacts" and "where" in query:
        return _ok(
            Contacts=[c.full() for c in _where(query["where"], "Name", org.contacts).values()]
        )
    if method == "GET" and path == "/CreditNotes":
        with org.lock:
            notes = _credit_notes(org)
            wanted = (
                _where(query["where"], "CreditNoteNumber", notes) if "where" in query else notes
            )
            return _ok(CreditNotes=[_note_json(n) for n in wanted.values()])
    if method == "PUT" and path == "/ContactGroups":
        return _ok(ContactGroups=[_add_group(org, row["Name"]) for row in data["ContactGroups"]])
    match = re.fullmatch(rf"/ContactGroups/({_ID})/Contacts", path)
    if method == "PUT" and match:
        return _ok(Contacts=_join_group(org, match.group(1), data["Contacts"]))
    if method == "PUT" and path == "/Contacts":
        return _ok(Contacts=[_add_contact(org, row) for row in data["Contacts"]])
    match = re.fullmatch(rf"/Invoices/({_ID})", path)
    if method == "POST" and match:
        return _ok(Invoices=[_void(org, match.group(1), data["Invoices"][0])])
    # xero-python's create_payment POSTs one Payment (the spec: POST /Payments, "Creates a
    # single payment"); PUT /Payments takes a Payments array.
    if method in ("PUT", "POST") and path == "/Payments":
        return _ok(Payments=[_pay(org, row) for row in data.get("Payments", [data])])
    if method == "PUT" and path == "/CreditNotes":
        return _ok(CreditNotes=[_add_note(org, row) for row in data["CreditNotes"]])
    match = re.fullmatch(rf"/CreditNotes/({_ID})/Allocations", path)
    if method == "PUT" and match:
        return _ok(Allocations=[_allocate(org, match.group(1), row) for row in data["Allocations"]])
    return None


def _where(where: str, field: str, rows: dict[str, Any]) -> dict[str, Any]:
    """Rows whose ``field`` equals the one ``Field=="value"`` asks for.

    Strict: any other ``where`` is refused (the seed asks only this form; Xero's own
    grammar is wider, see "Filtering" in the spec's ``where`` parameter).
    """
    match = re.fullmatch(rf'\s*{field}\s*==\s*"(.*)"\s*', where)
    if not match:
        raise BadRequest(f"The emulator filters {field} by equality only, not {where!r}")
    key = "name" if field == "Name" else "number"
    return {k: v for k, v in rows.items() if getattr(v, key, None) == match.group(1)}


def _add_group(org: Org, name: str) -> dict[str, Any]:
    with org.lock:
        # The spec is silent on a second group of one name; strict: refused (the
        # connector matches groups by name, so two of one name would be ambiguous).
        if any(n.casefold() == name.casefold() for n, _ in org.groups.values()):
            raise BadRequest(f"A contact group named {name} already exists")
        gid = str(uuid.uuid4())
        org.groups[gid] = (name, [])
        return {"ContactGroupID": gid, "Name": name, "Status": "ACTIVE"}


def _join_group(org: Org, group_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with org.lock:
        if group_id not in org.groups:
            raise BadRequest(f"Contact group {group_id} was not found")
        members = org.groups[group_id][1]
        for row in rows:
            if row["ContactID"] not in org.contacts:
                raise BadRequest(f"Contact {row['ContactID']} was not found")
            if row["ContactID"] not in members:
                members.append(row["ContactID"])
        return [org.contacts[c].summary() for c in members]


def _add_contact(org: Org, row: dict[str, Any]) -> dict[str, Any]:
    name = row["Name"]
    with org.lock:
        # PUT /Contacts example: "The contact name ... is already assigned to another
        # contact. The contact name must be unique across all active contacts."
        if any(c.name == name and c.status == "ACTIVE" for c in org.contacts.values()):
            raise BadRequest(
                f"The contact name {name} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
        persons = [
            (p.get("FirstName", ""), p.get("LastName", ""), p["EmailAddress"], p["IncludeInEmails"])
            for p in row.get("ContactPersons", [])
        ]
        contact_id = org.add_contact(name, row.get("EmailAddress"), persons=persons)
        return org.contacts[contact_id].full()


def _add_invoice(org: Org, row: dict[str, Any]) -> dict[str, Any]:
    number = row["InvoiceNumber"]
    with org.lock:
        # PUT /Invoices example: ValidationErrors "Invoice # must be unique."
        if any(i.number == number for i in org.invoices.values()):
            raise BadRequest("Invoice # must be unique.")
        contact_id = row["Contact"]["ContactID"]
        if contact_id not in org.contacts:
            raise BadRequest(f"Contact {contact_id} was not found")
        invoice_id = org.add_invoice(
            number,
            contact_id,
            _total(row),
            status=row.get("Status", "DRAFT"),
            currency=row.get("CurrencyCode", "USD"),
            issued=_date(row["Date"]),
            due_date=_date(row["DueDate"]),
            reference=row.get("Reference"),
        )
        record = org.invoices[invoice_id]
        return record.json(org.contacts[contact_id], summary=False)


def _void(org: Org, invoice_id: str, row: dict[str, Any]) -> dict[str, Any]:
    with org.lock:
        record = org.invoices.get(invoice_id)
        if record is None or row.get("Status") != "VOIDED":
            raise BadRequest("The emulator updates an invoice only to void it")
        # The spec is silent on which invoices can be voided; strict: an approved one
        # with nothing paid or credited (a draft is deleted, not voided).
        if record.status != "AUTHORISED" or record.paid or record.credited:
            raise BadRequest("Only an approved invoice with nothing paid can be voided")
        org.void(invoice_id)
        return record.json(org.contacts[record.contact_id], summary=False)


def _pay(org: Org, row: dict[str, Any]) -> dict[str, Any]:
    amount = Decimal(str(row["Amount"]))
    with org.lock:
        record = org.invoices[row["Invoice"]["InvoiceID"]]
        # PUT /Payments example: "Payment amount exceeds the amount outstanding on this
        # document".
        if record.status != "AUTHORISED" or amount > record.amount_due:
            raise BadRequest("Payment amount exceeds the amount outstanding on this document")
        org.pay(record.invoice_id, amount, on=_date(row.get("Date") or date.today()))
        return {"PaymentID": str(uuid.uuid4()), "Amount": float(amount), "Status": "AUTHORISED"}


def _credit_notes(org: Org) -> dict[str, Any]:
    """The org's credit notes, kept beside its invoices (created on first use)."""
    notes: dict[str, Any] = org.__dict__.setdefault("credit_notes", {})
    return notes


class _Note:
    def __init__(self, number: str, contact_id: str, total: Decimal, currency: str) -> None:
        self.note_id = str(uuid.uuid4())
        self.number, self.contact_id, self.total, self.currency = (
            number,
            contact_id,
            total,
            currency,
        )
        self.remaining = total


def _note_json(note: _Note) -> dict[str, Any]:
    return {
        "CreditNoteID": note.note_id,
        "CreditNoteNumber": note.number,
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED" if note.remaining else "PAID",
        "Contact": {"ContactID": note.contact_id},
        "Total": float(note.total),
        "RemainingCredit": float(note.remaining),
        "CurrencyCode": note.currency,
    }


def _add_note(org: Org, row: dict[str, Any]) -> dict[str, Any]:
    with org.lock:
        notes = _credit_notes(org)
        number = row["CreditNoteNumber"]
        # The spec is silent on duplicate credit note numbers; strict: refused.
        if any(n.number == number for n in notes.values()):
            raise BadRequest("Credit note number must be unique")
        note = _Note(
            number, row["Contact"]["ContactID"], _total(row), row.get("CurrencyCode", "USD")
        )
        notes[note.note_id] = note
        return _note_json(note)


def _allocate(org: Org, note_id: str, row: dict[str, Any]) -> dict[str, Any]:
    amount = Decimal(str(row["Amount"]))
    with org.lock:
        note = _credit_notes(org)[note_id]
        record = org.invoices[row["Invoice"]["InvoiceID"]]
        # Strict: no more than the credit left nor the amount due (the spec is silent).
        if amount > note.remaining or amount > record.amount_due:
            raise BadRequest("The allocation exceeds the credit or the amount due")
        note.remaining -= amount
        record.credited += amount
        if record.amount_due <= 0:
            record.status = "PAID"  # Xero marks a fully credited invoice PAID
            record.fully_paid_on = _date(row.get("Date") or date.today())
        record.updated = org.tick()
        return {
            "AllocationID": str(uuid.uuid4()),
            "Amount": float(amount),
            "Date": ms_date(datetime.now(UTC)),
            "Invoice": {"InvoiceID": record.invoice_id, "InvoiceNumber": record.number},
            "CreditNote": {"CreditNoteID": note.note_id},
        }


def _total(row: dict[str, Any]) -> Decimal:
    return sum(
        (Decimal(str(line["UnitAmount"])) * Decimal(str(line.get("Quantity", 1))))
        for line in row.get("LineItems", [])
    ) or Decimal("0")


def _date(value: Any) -> date:
    """A date as xero-python writes it (ISO) or Xero does (``/Date(ms)/``)."""
    if isinstance(value, date):
        return value
    ms = re.search(r"/Date\((\d+)", str(value))
    if ms:
        return datetime.fromtimestamp(int(ms.group(1)) / 1000, UTC).date()
    return date.fromisoformat(str(value)[:10])


def _ok(**collections: Any) -> Answer:
    body = {"Id": str(uuid.uuid4()), "Status": "OK", **collections}
    return 200, "application/json; charset=utf-8", json.dumps(body).encode(), {}

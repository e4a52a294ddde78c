"""The creates the contract's seed makes (``tests/live/seed_quickbooks.py``), for a Company.

Only what seeding needs: create a customer, an invoice, a credit memo and a payment
(which may apply a credit memo), void an invoice, and query credit memos by DocNumber.
Sources: Intuit's API reference for each entity (developer.intuit.com, "Invoice",
"Payment", "CreditMemo", "Customer") and the XSDs in ``shared/specs/qbo-xsd/``; where
they are silent the emulator is strict and says so.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from tests.emulators.quickbooks import query as ql
from tests.emulators.quickbooks.company import Company
from tests.emulators.quickbooks.faults import Fault

Answer = tuple[int, str, bytes]


def answer(
    company: Company, method: str, rest: str, params: dict[str, str], body: bytes
) -> Answer | None:
    """Answer a seeding create (or a credit memo query); None when not one."""
    if rest == "query":
        text = body.decode() if method == "POST" else params.get("query", "")
        parsed = ql.parse(text)
        if parsed.entity.lower() != "creditmemo":
            return None
        found = ql.run(parsed, [_memo_json(m) for m in _memos(company).values()])
        return _json({"QueryResponse": {"CreditMemo": found} if found else {}})
    if method != "POST" or rest not in ("customer", "invoice", "payment", "creditmemo"):
        return None
    data = json.loads(body)
    if rest == "invoice" and params.get("operation") == "void":
        return _json({"Invoice": _void(company, data)})
    if rest == "invoice" and "Id" in data:
        return None  # an update: the routes' sparse update answers it
    # Intuit's "Idempotency" guide: a create repeated with the same ``requestid`` gets
    # the first answer and changes nothing. Whether a refused create's answer is kept
    # too is not said; strict: only a create that was made is kept and replayed.
    request_id = params.get("requestid")
    with company.lock:
        kept = _requests(company)
        if request_id and (rest, request_id) in kept:
            return kept[rest, request_id]
        made = {
            "customer": lambda: ("Customer", _customer(company, data)),
            "invoice": lambda: ("Invoice", _invoice(company, data)),
            "creditmemo": lambda: ("CreditMemo", _memo(company, data)),
            "payment": lambda: ("Payment", _payment(company, data)),
        }[rest]()
        answered = _json({made[0]: made[1]})
        if request_id:
            kept[rest, request_id] = answered
    return answered


def _requests(company: Company) -> dict[tuple[str, str], Answer]:
    """The creates answered so far, by entity and ``requestid``."""
    kept: dict[tuple[str, str], Answer] = company.__dict__.setdefault("request_ids", {})
    return kept


def created_lines(company: Company, invoice_id: str) -> list[dict[str, Any]]:
    """The lines an invoice was created with (the test API)."""
    lines: dict[str, list[dict[str, Any]]] = company.__dict__.setdefault("created_lines", {})
    return lines.get(invoice_id, [])


def _customer(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    name = data["DisplayName"]
    # Intuit's error list: 6240 "Duplicate Name Exists Error" for a DisplayName in use.
    if any(c.name == name for c in company.customers.values()):
        raise Fault.validation("6240", "Duplicate Name Exists Error", "DisplayName")
    emails = [e.strip() for e in data.get("PrimaryEmailAddr", {}).get("Address", "").split(",")]
    fields = {f["Name"]: f["StringValue"] for f in data.get("CustomField", [])}
    customer_id = company.add_customer(name, *[e for e in emails if e], fields=fields)
    return company.customers[customer_id].json()


def _invoice(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    number = data.get("DocNumber")
    # Intuit's Invoice reference: DocNumber "max 21 characters"; a line is required,
    # and a SalesItemLineDetail line names its item (ItemRef). Strict on both.
    if number is not None and len(number) > 21:
        raise Fault.validation("6000", "DocNumber is longer than 21 characters", "DocNumber")
    lines = data.get("Line") or []
    if not lines:
        raise Fault.validation("6000", "An invoice needs at least one line", "Line")
    for line in lines:
        detail = line.get("SalesItemLineDetail") or {}
        if line.get("DetailType") != "SalesItemLineDetail" or not detail.get("ItemRef"):
            raise Fault.validation("6000", "A sales line needs an ItemRef", "Line")
    # Whether a duplicate DocNumber is refused depends on a company preference (the
    # docs are silent on its default for the API); strict: refused, as 6140.
    if any(r.number == number for r in company.invoices.values()):
        raise Fault.validation("6140", "Duplicate Document Number Error", "DocNumber")
    customer_id = data["CustomerRef"]["value"]
    if customer_id not in company.customers:
        raise Fault.not_found("Customer", customer_id)
    fields = {f["Name"]: f["StringValue"] for f in data.get("CustomField", [])}
    invoice_id = company.add_invoice(
        number,
        customer_id,
        _total(data),
        currency=data.get("CurrencyRef", {}).get("value", "USD"),
        issued=date.fromisoformat(data["TxnDate"]),
        due=date.fromisoformat(data["DueDate"]),
        fields=fields,
        private_note=data.get("PrivateNote"),
    )
    company.__dict__.setdefault("created_lines", {})[invoice_id] = lines
    return company.invoice_json(company.invoices[invoice_id], link=False)


def _void(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    with company.lock:
        record = company.invoices.get(str(data.get("Id")))
        if record is None:
            raise Fault.not_found("Invoice", str(data.get("Id")))
        if str(data.get("SyncToken")) != str(record.sync_token):
            raise Fault.stale()
        company.void(record.id)
        return company.invoice_json(record, link=False)


def _memos(company: Company) -> dict[str, dict[str, Any]]:
    memos: dict[str, dict[str, Any]] = company.__dict__.setdefault("credit_memos", {})
    return memos


def _memo_json(memo: dict[str, Any]) -> dict[str, Any]:
    return {**memo, "TotalAmt": float(memo["TotalAmt"]), "Balance": float(memo["Balance"])}


def _memo(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    memos = _memos(company)
    # The docs are silent on duplicate credit memo numbers; strict, as for invoices.
    if any(m["DocNumber"] == data.get("DocNumber") for m in memos.values()):
        raise Fault.validation("6140", "Duplicate Document Number Error", "DocNumber")
    memo_id = str(7000 + len(memos))
    total = _total(data)
    memos[memo_id] = {
        "Id": memo_id,
        "SyncToken": "0",
        "DocNumber": data.get("DocNumber"),
        "CustomerRef": data["CustomerRef"],
        "TotalAmt": total,
        "Balance": total,
    }
    return _memo_json(memos[memo_id])


def _payment(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """Apply the lines: Intuit's Payment reference links invoices and credit memos by
    ``LinkedTxn``; TotalAmt is what the invoices take less what the credits give."""
    applied, credited = Decimal("0"), Decimal("0")
    for line in data.get("Line", []):
        amount = Decimal(str(line["Amount"]))
        for link in line["LinkedTxn"]:
            if link["TxnType"] == "Invoice":
                record = company.invoices.get(link["TxnId"])
                if record is None or amount > record.balance:
                    raise Fault.validation("6000", "Payment exceeds the invoice's balance")
                applied += amount
            elif link["TxnType"] == "CreditMemo":
                memo = _memos(company).get(link["TxnId"])
                if memo is None or amount > memo["Balance"]:
                    raise Fault.validation("6000", "Credit exceeds the credit memo's balance")
                credited += amount
    if Decimal(str(data.get("TotalAmt", 0))) != applied - credited:
        raise Fault.validation("6000", "TotalAmt does not match the lines applied")
    for line in data.get("Line", []):
        amount = Decimal(str(line["Amount"]))
        for link in line["LinkedTxn"]:
            if link["TxnType"] == "Invoice":
                company.pay(link["TxnId"], amount)
            else:
                _memos(company)[link["TxnId"]]["Balance"] -= amount
    return {"Id": str(9500 + len(company.payment_records)), "TotalAmt": float(applied - credited)}


def _total(data: dict[str, Any]) -> Decimal:
    return sum((Decimal(str(line["Amount"])) for line in data.get("Line", [])), Decimal("0"))


def _json(body: dict[str, Any]) -> Answer:
    return 200, "application/json", json.dumps(body).encode()

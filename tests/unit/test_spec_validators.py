"""The spec checks catch what they are for, and the emulators run them on every exchange.

Each validator is fed known-bad requests and answers (so a check cannot silently pass),
and a running emulator is shown to answer ``599 spec violation`` for a bad answer and to
report a bad request, as ``tests/conftest.py`` then fails the test that caused it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.emulators.gmail.server import GmailEmulator
from tests.emulators.gmail.server import _Handler as GmailHandler
from tests.emulators.quickbooks.faults import THROTTLE_XML
from tests.emulators.quickbooks.server import QuickBooksEmulator
from tests.emulators.quickbooks.server import _Handler as QuickBooksHandler
from tests.emulators.validate import TALLY, Call, gmail, quickbooks, xero
from tests.emulators.validate.record import thin
from tests.emulators.xero import org as xero_org
from tests.emulators.xero.server import XeroEmulator
from tests.emulators.xero.server import _Handler as XeroHandler
from tests.support import tally

TENANT = {"xero-tenant-id": "b6a1b0c2-44e5-4c44-b2a9-3a2f3e0a1b7d"}
INVOICE = {
    "Type": "ACCREC",
    "InvoiceID": "0e64a623-c2a1-446a-93ed-eb897f118cbc",
    "InvoiceNumber": "INV-1",
    "Status": "AUTHORISED",
    "Date": "/Date(1790812800000+0000)/",
    "DueDate": "/Date(1793404800000+0000)/",
    "AmountDue": 100.5,
}
caught = 0


def _call(method: str, path: str, query: str = "", **kw: Any) -> Call:
    fields = {"headers": {}, "body": b"", "status": 200, "content_type": "application/json"}
    fields.update(kw)
    if not isinstance(fields["answer"], bytes):
        fields["answer"] = json.dumps(fields["answer"]).encode()
    return Call(method, path, query, **fields)  # type: ignore[arg-type]


def _bad(verdict: Any, side: str, *words: str) -> None:
    global caught
    problems = " | ".join(getattr(verdict, side))
    assert problems, f"the {side} was let through"
    for word in words:
        assert word in problems, problems
    caught += 1


# -- Xero --------------------------------------------------------------------------------


def xero_invoices(**changes: Any) -> Call:
    answer = {"Invoices": [{**INVOICE, **changes}]}
    return _call("GET", "/api.xro/2.0/Invoices", "page=1", headers=TENANT, answer=answer)


def test_xero_a_good_answer_passes() -> None:
    verdict = xero.check(xero_invoices())
    assert verdict.operation == "getInvoices"
    assert verdict.request == verdict.answer == ()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"DueDate": "2026-11-30"}, ["DueDate", "/Date(ms+0000)/"]),  # reference 1.9
        ({"Status": "OPEN"}, ["Status", "OPEN"]),
        ({"InvoiceID": "INV-1"}, ["InvoiceID", "uuid"]),
        ({"AmountDue": "100.50"}, ["AmountDue", "number"]),
        ({"Colour": "red"}, ["Colour", "does not define"]),
    ],
)
def test_xero_a_bad_answer_is_caught(changes: dict[str, Any], words: list[str]) -> None:
    _bad(xero.check(xero_invoices(**changes)), "answer", *words)


def test_xero_bad_requests_are_caught() -> None:
    no_tenant = _call("GET", "/api.xro/2.0/Invoices", answer={"Invoices": []})
    _bad(xero.check(no_tenant), "request", "xero-tenant-id", "required")
    typo = _call("GET", "/api.xro/2.0/Invoices", "summaryonly=true", headers=TENANT, answer={})
    _bad(xero.check(typo), "request", "summaryonly")
    ids = _call("GET", "/api.xro/2.0/Invoices", "IDs=INV-1", headers=TENANT, answer={})
    _bad(xero.check(ids), "request", "IDs", "uuid")
    note = {"HistoryRecords": [{"Details": "x", "DateUTC": "/Date(0)/"}]}  # read-only field
    path = f"/api.xro/2.0/Invoices/{INVOICE['InvoiceID']}/History"
    headers = {**TENANT, "Content-Type": "application/json"}
    sent = _call("PUT", path, headers=headers, body=json.dumps(note).encode(), answer={})
    _bad(xero.check(sent), "request", "DateUTC")


def test_xero_error_answers_are_checked() -> None:
    problem = {"Title": "Unauthorized", "Status": 401}  # no Detail
    _bad(xero.check(xero_invoices() and _error(401, problem)), "answer", "Detail")
    bare_429 = _call("GET", "/api.xro/2.0/Invoices", headers=TENANT, status=429, answer=b"")
    _bad(xero.check(bare_429), "answer", "retry-after", "x-rate-limit-problem")
    teapot = _call("GET", "/api.xro/2.0/Invoices", headers=TENANT, status=418, answer=b"")
    _bad(xero.check(teapot), "answer", "418")
    plain_400 = _call(
        "GET", "/api.xro/2.0/Invoices", headers=TENANT, status=400,
        content_type="text/plain", answer=b"Bad Request",
    )  # fmt: skip
    _bad(xero.check(plain_400), "answer", "text/plain")


def _error(status: int, body: dict[str, Any]) -> Call:
    return _call("GET", "/api.xro/2.0/Invoices", headers=TENANT, status=status, answer=body)


# -- Gmail -------------------------------------------------------------------------------


def test_gmail_bad_requests_and_answers_are_caught() -> None:
    path = "/gmail/v1/users/me/messages/abc"
    good = _call("GET", path, "format=metadata&metadataHeaders=Subject", answer={"id": "abc"})
    assert gmail.check(good).operation == "gmail.users.messages.get"
    assert gmail.check(good).request == gmail.check(good).answer == ()
    _bad(gmail.check(_call("GET", path, "format=fullish", answer={})), "request", "format")
    _bad(gmail.check(_call("GET", path, "labelid=INBOX", answer={})), "request", "labelid")
    wrong = {"id": "abc", "historyId": "12a", "snippets": "x"}
    _bad(gmail.check(_call("GET", path, answer=wrong)), "answer", "historyId", "snippets")
    send = "/gmail/v1/users/me/messages/send"
    body = json.dumps({"raw": "YQ", "threadid": "t"}).encode()
    _bad(gmail.check(_call("POST", send, body=body, answer={"id": "m"})), "request", "threadid")
    no_errors = {"error": {"code": 500, "message": "Backend Error", "errors": [{"reason": "x"}]}}
    _bad(gmail.check(_call("GET", path, status=429, answer=no_errors)), "answer", "error.code")
    deleted = _call("DELETE", "/gmail/v1/users/me/drafts/d1", status=200, answer={"id": "d1"})
    _bad(gmail.check(deleted), "answer", "answers none")


# -- QuickBooks --------------------------------------------------------------------------


def qbo_invoice(**changes: Any) -> dict[str, Any]:
    invoice = {
        "Id": "130",
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "DocNumber": "1037",
        "TxnDate": "2026-10-01",
        "TotalAmt": 362.07,
        "Balance": 362.07,
        "CustomerRef": {"value": "24", "name": "Sonnenschein Family Store"},
        "EmailStatus": "NotSet",
        "Line": [{"Id": "1", "LineNum": 1, "Amount": 362.07, "DetailType": "SalesItemLineDetail"}],
        "MetaData": {"CreateTime": "2026-10-01T10:00:00-08:00"},
    }
    return {**invoice, **changes}


def qbo_read(answer: Any, status: int = 200, ctype: str = "application/json") -> Call:
    path = "/v3/company/4620816365/invoice/130"
    return _call("GET", path, "minorversion=75", status=status, content_type=ctype, answer=answer)


def test_quickbooks_a_good_answer_passes() -> None:
    verdict = quickbooks.check(qbo_read({"Invoice": qbo_invoice(), "time": "2026-10-01T10:00:00Z"}))
    assert verdict.operation == "read Invoice"
    assert verdict.request == verdict.answer == ()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"TotalAmt": "362.07"}, ["TotalAmt", "JSON number"]),
        ({"EmailStatus": "Sent"}, ["EmailStatus", "EmailStatusEnum"]),
        ({"TxnDate": "10/01/2026"}, ["TxnDate", "xs:date"]),
        ({"Line": {"Amount": 1}}, ["Line", "array"]),
        ({"CustomerRef": "24"}, ["CustomerRef", "object"]),
        ({"Colour": "red"}, ["Colour", "not defined"]),
        ({"status": "Gone"}, ["status", "EntityStatusEnum"]),
    ],
)
def test_quickbooks_a_bad_answer_is_caught(changes: dict[str, Any], words: list[str]) -> None:
    verdict = quickbooks.check(qbo_read({"Invoice": qbo_invoice(**changes)}))
    _bad(verdict, "answer", *words)


def test_quickbooks_bad_requests_and_error_answers_are_caught() -> None:
    cdc = _call("GET", "/v3/company/1/cdc", "entities=Invoice", answer={"CDCResponse": []})
    _bad(quickbooks.check(cdc), "request", "changedSince")
    sparse = json.dumps({"Id": "130", "SyncToken": "0", "sparse": True, "Memo": "x"}).encode()
    update = _call("POST", "/v3/company/1/invoice", body=sparse, answer={"Invoice": qbo_invoice()})
    _bad(quickbooks.check(update), "request", "Memo")
    fault = {"Fault": {"Error": [{"Message": "m", "code": 5010}], "type": "ValidationFault"}}
    _bad(quickbooks.check(qbo_read(fault, status=400)), "answer", "code", "JSON string")
    _bad(quickbooks.check(qbo_read({"time": "now"}, status=400)), "answer", "Fault")
    throttle = THROTTLE_XML.replace(b"<Message>", b"<Messages>").replace(
        b"</Message>", b"</Messages>"
    )
    _bad(quickbooks.check(qbo_read(throttle, 429, "application/xml")), "answer", "XML")
    assert quickbooks.check(qbo_read(THROTTLE_XML, 429, "application/xml")).answer == ()
    auth = {"fault": {"error": [{"message": "m", "detail": "d", "code": "3200", "hint": 1}]}}
    _bad(quickbooks.check(qbo_read(auth, status=401)), "answer", "hint")


def test_long_lists_are_checked_on_a_sample() -> None:
    rows = list(range(1000))
    sample = thin({"Invoices": rows})["Invoices"]  # type: ignore[index]
    assert len(sample) == 100 and sample[:60] == rows[:60] and sample[-1] > 950
    assert thin({"Invoices": rows[:100]}) == {"Invoices": rows[:100]}


# -- the hook ----------------------------------------------------------------------------


def test_every_emulator_checks_its_exchanges() -> None:
    assert XeroHandler.spec is not None and QuickBooksHandler.spec is not None
    assert GmailHandler.spec is not None


def test_a_bad_answer_becomes_a_599_and_fails_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xero_org, "ms_date", lambda moment: moment.isoformat())
    with XeroEmulator() as emulator, TALLY.expected() as found:
        org = emulator.org
        org.add_invoice("INV-1", org.add_contact("Rawda", "ap@rawda.example"), "10")
        token = emulator.issue_token()["access_token"]
        request = urllib.request.Request(
            emulator.api_url + "/Invoices",
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": org.tenant_id},
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=5)
    assert answer.value.code == 599
    assert b"DueDate" in answer.value.read()
    assert [v.side for v in found] == ["answer"] and found[0].operation == "getInvoices"
    tally.record("real services: spec checks", bad_inputs=1)


def test_a_departure_from_the_spec_is_answered_as_is_and_collected() -> None:
    with XeroEmulator() as emulator:
        org = emulator.org
        org.add_invoice("INV-1", org.add_contact("Rawda", "ap@rawda.example"), "10", currency="XCG")
        token = emulator.issue_token()["access_token"]
        request = urllib.request.Request(
            emulator.api_url + "/Invoices",
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": org.tenant_id},
        )
        with TALLY.departing("a currency newer than the spec") as found:
            with urllib.request.urlopen(request, timeout=5) as answer:
                assert answer.status == 200 and b'"XCG"' in answer.read()
        assert [v.side for v in found] == ["answer"] and "XCG" in str(found[0])
        assert TALLY.departures == []
        with TALLY.expected(), pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 599, "outside the block the answer is refused again"
    tally.record("real services: spec checks", bad_inputs=1)


def test_a_bad_request_is_reported_and_still_answered() -> None:
    with GmailEmulator() as emulator, TALLY.expected() as found:
        url = emulator.base_url + "gmail/v1/users/me/labels?labelid=INBOX"
        request = urllib.request.Request(url, headers={"Authorization": "Bearer t"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
    assert [v.side for v in found] == ["request"]
    assert "labelid" in str(found[0])
    tally.record("real services: spec checks", bad_inputs=1)


def test_quickbooks_hook_counts_validations() -> None:
    before = TALLY.validated["quickbooks", "query Invoice"]
    with QuickBooksEmulator() as emulator:
        token = emulator.issue_token()["access_token"]
        realm = emulator.company.realm_id
        url = f"{emulator.api_url}/company/{realm}/query?query=select%20*%20from%20Invoice"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
    assert TALLY.validated["quickbooks", "query Invoice"] == before + 1


def test_zz_the_known_bad_cases_feed_the_summary() -> None:
    assert caught >= 20
    tally.record("real services: spec checks", bad_inputs=caught)

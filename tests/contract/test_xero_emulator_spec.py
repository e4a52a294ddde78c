"""The emulator's answers validate against Xero's official OpenAPI spec.

Every accounting endpoint the ledger uses is called through the real SDK. The emulator
checks each request and answer itself as it goes (``tests/emulators/validate``, on for
the whole suite); here the recorded answers are checked a second time, independently,
with openapi-core against ``tests/fixtures/specs/xero_accounting.yaml`` (the official
spec, vendored), and error answers (401, 403, 429, 500) are shown to pass the same check.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from xero_python.accounting import HistoryRecord, HistoryRecords

from tests.emulators.validate import TALLY
from tests.emulators.xero import XeroEmulator, ledger_for
from tests.support import tally

SPEC = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[1] / "fixtures" / "specs" / "xero_accounting.yaml",
        )
        if p.exists()
    ),
    None,
)
#: Operations the emulator's own check validated during the scenario.
CHECKED: set[str] = set()


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    if SPEC is None:
        pytest.fail(
            "the Xero OpenAPI spec is missing: expected tests/fixtures/specs/xero_accounting.yaml"
        )
    # The spec itself fails strict spec validation (string defaults for booleans),
    # so only the answers are validated, not the spec.
    return OpenAPI.from_file_path(str(SPEC), config=Config(spec_validator_cls=None))


@pytest.fixture
def exchanges(tmp_path: Path) -> Iterator[list]:  # type: ignore[type-arg]
    before = Counter(TALLY.validated)
    with XeroEmulator(record=True) as emulator:
        org = emulator.org
        persons = [("Huda", "A", "huda@rawda.example", True)]
        rawda = org.add_contact("Rawda", "ap@rawda.example", persons=persons, groups=("Arabic",))
        first = org.add_invoice("INV-1", rawda, "100.50", reference="PO-1", currency="SAR")
        org.add_invoice("INV-2", rawda, "20", status="DRAFT")
        org.pay(org.add_invoice("INV-3", rawda, "70", currency="SAR"), on=date(2026, 11, 2))
        ledger = ledger_for(emulator, tmp_path, arabic_group="Arabic", page_size=1)
        invoices = list(ledger.list_open_invoices())
        ledger.get_invoices([first])
        ledger.fetch_pdf(invoices[0])
        ledger.payment_link(invoices[0])
        ledger.add_note(invoices[0], "Reminder 1 sent", key="ob-1")
        ledger.client.accounting.get_invoice(org.tenant_id, first)  # one invoice, full
        ledger.client.accounting.get_invoice_history(org.tenant_id, first)
        draft = ledger.get_invoices([i for i, r in org.invoices.items() if r.status == "DRAFT"])
        ledger.client.accounting.get_invoices(org.tenant_id, page=1)  # full rows, paged
        assert ledger.payment_link(draft[0]) is None  # drafts have no online invoice
        (paid,) = ledger.paid_invoices(date(2026, 1, 1))  # PAID, with FullyPaidOnDate
        assert paid.number == "INV-3" and paid.paid_date == date(2026, 11, 2)
        too_long = HistoryRecords(history_records=[HistoryRecord(details="x" * 300)])
        with pytest.raises(Exception, match="400"):  # a validation error, as Xero writes it
            ledger.client.accounting.create_invoice_history(org.tenant_id, first, too_long)
        checked = Counter(TALLY.validated)
        checked.subtract(before)
        CHECKED.update(op for (service, op), n in checked.items() if service == "xero" and n)
        yield emulator.exchanges


def test_every_answer_follows_the_official_spec(openapi: OpenAPI, exchanges: list) -> None:  # type: ignore[type-arg]
    routes = set()
    for exchange in exchanges:
        path = exchange.path
        if exchange.content_type == "application/pdf":
            path += "/pdf"  # the spec's pseudo-path for GET /Invoices/{id} as PDF
        request = MockRequest(
            "https://api.xero.com",
            exchange.method.lower(),
            "/api.xro/2.0" + path,
            args=exchange.query,
            headers={"xero-tenant-id": "x"},
        )
        response = MockResponse(
            exchange.body,
            status_code=exchange.status,
            content_type=exchange.content_type.split(";")[0],
        )
        openapi.validate_response(request, response)
        routes.add((exchange.method, exchange.status, exchange.content_type.split(";")[0]))
    assert len(exchanges) >= 12
    assert ("PUT", 400, "application/json") in routes
    assert ("GET", 200, "application/pdf") in routes
    assert ("PUT", 200, "application/json") in routes
    # The emulator's own check ran on every one of these calls, as on every test's.
    assert {
        "getInvoices", "getInvoice", "getInvoiceAsPdf", "getOnlineInvoice", "getContacts",
        "getInvoiceHistory", "createInvoiceHistory",
    } <= CHECKED  # fmt: skip


def test_error_answers_follow_the_spec_and_xeros_pages() -> None:
    """401, 403, 429 and 500 go through the same check as every other answer."""
    before = TALLY.validated["xero", "getInvoices"]
    with XeroEmulator() as emulator:
        org = emulator.org
        org.add_invoice("INV-1", org.add_contact("Rawda", "ap@rawda.example"), "10")
        token = emulator.issue_token()["access_token"]
        cases = [
            ({"Authorization": "Bearer expired"}, 401),
            ({"Authorization": f"Bearer {token}", "xero-tenant-id": "not-ours"}, 403),
            ({"Authorization": f"Bearer {token}", "xero-tenant-id": org.tenant_id}, 429),
            ({"Authorization": f"Bearer {token}", "xero-tenant-id": org.tenant_id}, 500),
        ]
        for headers, status in cases:
            emulator.faults.clear()
            if status in (429, 500):
                emulator.fail(str(status), probability=1.0)
            headers.setdefault("xero-tenant-id", org.tenant_id)
            request = urllib.request.Request(emulator.api_url + "/Invoices", headers=headers)
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(request, timeout=5)
            assert answer.value.code == status  # not 599: the answer passed the check
    assert TALLY.validated["xero", "getInvoices"] == before + len(cases)
    tally.record("real services: spec checks", bad_inputs=len(cases))


def test_a_broken_answer_fails_validation(openapi: OpenAPI) -> None:
    request = MockRequest("https://api.xero.com", "get", "/api.xro/2.0/Invoices")
    bad = b'{"Invoices": [{"Status": "OPEN", "InvoiceID": "not-a-uuid"}]}'
    with pytest.raises(OpenAPIError):
        openapi.validate_response(request, MockResponse(bad))

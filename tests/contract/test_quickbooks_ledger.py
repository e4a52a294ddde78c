"""QuickBooksLedger against the Ledger contract: live on the loopback emulator, and replayed.

``TestQuickBooksLedger`` seeds the emulator and runs the real python-quickbooks client
over HTTP. ``TestQuickBooksLedgerReplay`` replays cassettes in
``tests/cassettes/test_quickbooks_ledger/`` with ``record_mode="none"``: no server
runs, and a request the cassette lacks fails.

Re-recording (see ``recording``): ``TAHSEEL_QBO_RECORD=emulator`` records from a
freshly seeded emulator; ``TAHSEEL_QBO_RECORD=live`` records from the sandbox company
named by ``TAHSEEL_QBO_REALM_ID`` with the token set in ``TAHSEEL_QBO_TOKEN`` (JSON)
and the app in ``TAHSEEL_QBO_CLIENT_ID``/``_SECRET``. ``python -m tests.live.record
quickbooks`` seeds that company (``tests/live/seed_quickbooks.py``), records, and
checks the files for secrets (``tests.support.cassettes`` scrubs them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.models import Invoice, InvoiceStatus
from connectors.quickbooks import QuickBooksLedger, mapping
from tests.contract.ledger_contract import LedgerContract, SeededLedger
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
from tests.emulators.quickbooks.company import Company
from tests.support import cassettes

CASSETTES = Path(__file__).parent.parent / "cassettes" / "test_quickbooks_ledger"
STATUS = {
    InvoiceStatus.OPEN: None,
    InvoiceStatus.PAID: None,
    InvoiceStatus.VOIDED: "Voided",
    InvoiceStatus.DRAFT: "Draft",
    InvoiceStatus.DELETED: "Deleted",
}
LANGUAGE = "Language"
REFERENCE = "P.O. Number"
REPLAY_REALM = cassettes.REPLAY_REALM


def seed_company(company: Company, invoices: Sequence[Invoice]) -> dict[str, str]:
    """Put the invoices in an emulated company; return number -> QuickBooks id.

    What was paid of an open or paid invoice is paid by a Payment: QuickBooks calls an
    invoice paid only when a payment is linked to it.
    """
    customers: dict[str, str] = {}
    ids = {}
    for invoice in invoices:
        contact = invoice.contact
        if contact.id not in customers:
            fields = {LANGUAGE: contact.language} if contact.language else {}
            customers[contact.id] = company.add_customer(
                contact.name, *contact.emails, fields=fields
            )
        paid = invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.PAID)
        ids[invoice.number] = company.add_invoice(
            invoice.number,
            customers[contact.id],
            invoice.total,
            balance=invoice.total if paid else invoice.amount_due,
            status=STATUS[invoice.status],
            currency=invoice.currency,
            issued=invoice.issue_date,
            due=invoice.due_date,
            fields={REFERENCE: invoice.reference} if invoice.reference else {},
            updated=invoice.updated_at,
        )
        if paid and invoice.amount_due < invoice.total:
            company.pay(ids[invoice.number], invoice.total - invoice.amount_due)
    return ids


def note_texts(private_note: str | None) -> list[str]:
    """Tahseel's notes in a PrivateNote, oldest first."""
    return [text for _, text in mapping.note_lines(private_note)]


def api_notes(ledger: QuickBooksLedger) -> Any:
    """Read notes back through the API (GET invoice/{id})."""

    def read_notes(invoice: Invoice) -> list[str]:
        found = ledger.client.call(
            "invoices.read", ledger.client.qb.get_single_object, "Invoice", invoice.id
        )
        return note_texts(found["Invoice"].get("PrivateNote"))

    return read_notes


@pytest.fixture(scope="module")
def emulator() -> Iterator[QuickBooksEmulator]:
    with QuickBooksEmulator() as running:
        yield running


class TestQuickBooksLedger(LedgerContract):
    @pytest.fixture(autouse=True)
    def _emulator(self, emulator: QuickBooksEmulator) -> None:
        self.emulator = emulator

    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        company = self.emulator.add_company(f"Contract {tmp_path.name}")
        ids = seed_company(company, invoices)
        token = tmp_path / "token.json"
        token.write_text(json.dumps(self.emulator.issue_token(company.realm_id)))
        ledger = ledger_for(
            self.emulator,
            tmp_path,
            token_file=token,
            language_field=LANGUAGE,
            reference_field=REFERENCE,
        )
        stored = json.loads(token.read_text())
        return SeededLedger(
            ledger=ledger,
            read_notes=lambda invoice: note_texts(company.notes(invoice.id)),
            ids=ids,
            secrets=[
                self.emulator.identity.client_secret,
                stored["access_token"],
                stored["refresh_token"],
            ],
        )

    def test_language_comes_from_the_custom_field(self, seeded: SeededLedger) -> None:
        languages = {i.number: i.contact.language for i in seeded.ledger.list_open_invoices()}
        assert languages == {"CT-101": "ar", "CT-102": None}

    def test_notes_read_back_through_the_api(self, seeded: SeededLedger) -> None:
        assert isinstance(seeded.ledger, QuickBooksLedger)
        invoice = seeded.ledger.get_invoices([seeded.ids["CT-101"]])[0]
        seeded.ledger.add_note(invoice, "Reminder\n1   sent", key="ob-7")
        assert api_notes(seeded.ledger)(invoice) == ["Reminder 1 sent"]

    def test_payment_link_comes_with_the_reread_not_the_list(self, seeded: SeededLedger) -> None:
        ledger = seeded.ledger
        assert isinstance(ledger, QuickBooksLedger)
        asked = "POST query include=invoiceLink"
        start = self.emulator.calls[asked]
        listed = list(ledger.list_open_invoices())
        assert self.emulator.calls[asked] == start
        # The re-read before sending asks for the links: they then cost no call.
        invoices = ledger.get_invoices([invoice.id for invoice in listed])
        assert self.emulator.calls[asked] == start + 1
        before = dict(ledger.calls)
        links = [ledger.payment_link(invoice) for invoice in invoices]
        assert all(link and link.startswith("https://connect.intuit.com/") for link in links)
        assert ledger.calls == before

    def test_payment_link_without_the_reread_costs_one_call_once(
        self, seeded: SeededLedger
    ) -> None:
        ledger = seeded.ledger
        assert isinstance(ledger, QuickBooksLedger)
        invoice = next(i for i in ledger.list_open_invoices() if i.number == "CT-101")
        first = ledger.payment_link(invoice)
        assert first and first.startswith("https://connect.intuit.com/")
        assert ledger.payment_link(invoice) == first
        assert ledger.calls["invoices.link"] == 1


def recording() -> bool:
    """True when ``TAHSEEL_QBO_RECORD`` asks to record (``emulator`` or ``live``)."""
    return os.environ.get("TAHSEEL_QBO_RECORD") in ("emulator", "live")


def cassette(name: str) -> Any:
    """A cassette named after the test, scrubbed by ``tests.support.cassettes``."""
    return cassettes.cassette(
        CASSETTES, name, recording=recording(), match_on=("method", "path", "query", "body")
    )


class TestQuickBooksLedgerReplay(LedgerContract):
    """The contract, replayed from cassettes recorded from the emulator (or a sandbox)."""

    @pytest.fixture(autouse=True)
    def _cassette(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
        self._source: QuickBooksEmulator | None = None
        with cassette(request.node.name):
            yield
        if self._source is not None:
            self._source.__exit__(None, None, None)

    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        options = self._connection(tmp_path, invoices)
        ledger = QuickBooksLedger(language_field=LANGUAGE, reference_field=REFERENCE, **options)
        numbers = ", ".join(f"'{invoice.number}'" for invoice in invoices)
        found = ledger.client.call(
            "invoices.ids",
            ledger.client.qb.query,
            f"SELECT * FROM Invoice WHERE DocNumber IN ({numbers}) MAXRESULTS 1000",
        )
        rows = found.get("QueryResponse", {}).get("Invoice", [])
        return SeededLedger(
            ledger=ledger,
            read_notes=api_notes(ledger),
            ids={row["DocNumber"]: row["Id"] for row in rows},
            secrets=[options["client_secret"]],
        )

    def _connection(self, tmp_path: Path, invoices: Sequence[Invoice]) -> dict[str, Any]:
        mode = os.environ.get("TAHSEEL_QBO_RECORD")
        token_file = tmp_path / "token.json"
        if mode == "live":
            token_file.write_text(os.environ["TAHSEEL_QBO_TOKEN"])
            return {
                "client_id": os.environ["TAHSEEL_QBO_CLIENT_ID"],
                "client_secret": os.environ["TAHSEEL_QBO_CLIENT_SECRET"],
                "token_file": token_file,
                "realm_id": os.environ["TAHSEEL_QBO_REALM_ID"],
                "environment": "sandbox",
            }
        if mode == "emulator":
            self._source = QuickBooksEmulator().__enter__()
            seed_company(self._source.company, invoices)
            token = self._source.issue_token()
            token.pop("expires_at")
            token_file.write_text(json.dumps(token))
            return {
                "client_id": self._source.identity.client_id,
                "client_secret": self._source.identity.client_secret,
                "token_file": token_file,
                "realm_id": self._source.company.realm_id,
                "api_url": self._source.api_url,
                "discovery_url": self._source.discovery_url,
            }
        # Replay: nothing is reachable; dummies stand in for the credentials.
        dummy = {"access_token": "dummy", "refresh_token": "dummy", "token_type": "bearer"}
        token_file.write_text(json.dumps(dummy))
        return {
            "client_id": os.environ.get("TAHSEEL_QBO_CLIENT_ID", "dummy-client"),
            "client_secret": os.environ.get("TAHSEEL_QBO_CLIENT_SECRET", "dummy-secret"),
            "token_file": token_file,
            "realm_id": REPLAY_REALM,
            "api_url": "http://127.0.0.1:9/v3",
        }

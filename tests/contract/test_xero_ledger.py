"""XeroLedger against the Ledger contract: live on the loopback emulator, and replayed.

``TestXeroLedger`` seeds the emulator and runs the real xero-python client over HTTP.
``TestXeroLedgerReplay`` replays cassettes in ``tests/cassettes/test_xero_ledger/``
with ``record_mode="none"``: no server runs, and a request the cassette lacks fails.

Re-recording (see ``recording``): ``TAHSEEL_XERO_RECORD=emulator`` records from a
freshly seeded emulator; ``TAHSEEL_XERO_RECORD=live`` records from the Xero
organisation named by ``TAHSEEL_XERO_TENANT_ID`` with the token set in
``TAHSEEL_XERO_TOKEN`` (JSON) and the app in ``TAHSEEL_XERO_CLIENT_ID``/``_SECRET``.
``python -m tests.live.record xero`` seeds that organisation (``tests/live/seed_xero.py``),
records, and checks the files for secrets.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.models import Contact, Invoice, InvoiceStatus
from connectors.xero import XeroLedger
from tests.contract.ledger_contract import LedgerContract, SeededLedger
from tests.emulators.xero import XeroEmulator, ledger_for
from tests.emulators.xero.org import Org
from tests.support import cassettes

CASSETTES = Path(__file__).parent.parent / "cassettes" / "test_xero_ledger"
XERO_STATUS = {
    InvoiceStatus.OPEN: "AUTHORISED",
    InvoiceStatus.PAID: "PAID",
    InvoiceStatus.VOIDED: "VOIDED",
    InvoiceStatus.DRAFT: "DRAFT",
    InvoiceStatus.DELETED: "DELETED",
}
ARABIC = "Arabic"


def seed_org(org: Org, invoices: Sequence[Invoice]) -> dict[str, str]:
    """Put the invoices in an emulated organisation; return number -> Xero id.

    Ids are derived from the numbers, so a recording made from one seeding matches
    the next. A contact's first address is its own, the others are persons included
    in emails; one more person, not included, must never be emailed.
    """
    contacts: dict[str, str] = {}
    ids = {}
    for invoice in invoices:
        contact = invoice.contact
        if contact.id not in contacts:
            contacts[contact.id] = _add_contact(org, contact)
        ids[invoice.number] = org.add_invoice(
            invoice.number,
            contacts[contact.id],
            invoice.total,
            invoice_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"tahseel:{invoice.number}")),
            due=invoice.amount_due,
            status=XERO_STATUS[invoice.status],
            currency=invoice.currency,
            issued=invoice.issue_date,
            due_date=invoice.due_date,
            reference=invoice.reference,
            updated=invoice.updated_at,
        )
    return ids


def _add_contact(org: Org, contact: Contact) -> str:
    first, *others = contact.emails or (None,)
    persons = [("Accounts", f"Person {n}", email, True) for n, email in enumerate(others, 1)]
    persons.append(("Sales", "Only", "sales@example.net", False))
    return org.add_contact(
        contact.name,
        first,
        persons=persons,
        groups=(ARABIC,) if contact.language == "ar" else (),
        contact_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"tahseel:{contact.id}")),
    )


def history_reader(ledger: XeroLedger) -> Any:
    """Read notes back through the API (GET /Invoices/{id}/History), oldest first."""

    def read_notes(invoice: Invoice) -> list[str]:
        found = ledger.client.call(
            "invoices.history",
            ledger.client.accounting.get_invoice_history,
            ledger.tenant_id,
            invoice.id,
        )
        rows = [row for row in found.history_records or () if row.changes == "Note"]
        return [row.details for row in sorted(rows, key=lambda row: row.date_utc)]

    return read_notes


@pytest.fixture(scope="module")
def emulator() -> Iterator[XeroEmulator]:
    with XeroEmulator() as running:
        yield running


class TestXeroLedger(LedgerContract):
    @pytest.fixture(autouse=True)
    def _emulator(self, emulator: XeroEmulator) -> None:
        self.emulator = emulator

    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        org = self.emulator.add_org(f"Contract {tmp_path.name}")
        ids = seed_org(org, invoices)
        token = tmp_path / "token.json"
        token.write_text(json.dumps(self.emulator.issue_token([org.tenant_id])))
        ledger = ledger_for(self.emulator, tmp_path, token_file=token, arabic_group=ARABIC)
        stored = json.loads(token.read_text())
        return SeededLedger(
            ledger=ledger,
            read_notes=lambda invoice: org.notes(invoice.id),
            ids=ids,
            secrets=[
                self.emulator.identity.client_secret,
                stored["access_token"],
                stored["refresh_token"],
            ],
        )

    def test_arabic_group_sets_the_language(self, seeded: SeededLedger) -> None:
        languages = {i.number: i.contact.language for i in seeded.ledger.list_open_invoices()}
        assert languages == {"CT-101": "ar", "CT-102": None}

    def test_notes_read_back_through_the_api(self, seeded: SeededLedger) -> None:
        assert isinstance(seeded.ledger, XeroLedger)
        invoice = seeded.ledger.get_invoices([seeded.ids["CT-101"]])[0]
        seeded.ledger.add_note(invoice, "x" * 400, key="long")
        assert history_reader(seeded.ledger)(invoice) == ["x" * 249 + "…"]


def recording() -> bool:
    """True when ``TAHSEEL_XERO_RECORD`` asks to record (``emulator`` or ``live``)."""
    return os.environ.get("TAHSEEL_XERO_RECORD") in ("emulator", "live")


def cassette(name: str) -> Any:
    """A cassette named after the test, scrubbed by ``tests.support.cassettes``."""
    return cassettes.cassette(
        CASSETTES, name, recording=recording(), match_on=("method", "path", "query")
    )


class TestXeroLedgerReplay(LedgerContract):
    """The contract, replayed from cassettes recorded from the emulator (or live Xero)."""

    @pytest.fixture(autouse=True)
    def _cassette(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
        self._source: XeroEmulator | None = None
        name = request.node.name
        with cassette(name):
            yield
        if self._source is not None:
            self._source.__exit__(None, None, None)

    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        options = self._connection(tmp_path, invoices)
        ledger = XeroLedger(arabic_group=ARABIC, **options)
        numbers = [invoice.number for invoice in invoices]
        found = ledger.client.call(
            "invoices.ids",
            ledger.client.accounting.get_invoices,
            ledger.tenant_id,
            invoice_numbers=numbers,
            summary_only=True,
        )
        ids = {row.invoice_number: str(row.invoice_id) for row in found.invoices or ()}
        return SeededLedger(
            ledger=ledger,
            read_notes=history_reader(ledger),
            ids=ids,
            secrets=[options["client_secret"]],
        )

    def _connection(self, tmp_path: Path, invoices: Sequence[Invoice]) -> dict[str, Any]:
        mode = os.environ.get("TAHSEEL_XERO_RECORD")
        token_file = tmp_path / "token.json"
        if mode == "live":
            token_file.write_text(os.environ["TAHSEEL_XERO_TOKEN"])
            return {
                "client_id": os.environ["TAHSEEL_XERO_CLIENT_ID"],
                "client_secret": os.environ["TAHSEEL_XERO_CLIENT_SECRET"],
                "token_file": token_file,
                "tenant_id": os.environ["TAHSEEL_XERO_TENANT_ID"],
            }
        if mode == "emulator":
            self._source = XeroEmulator().__enter__()
            seed_org(self._source.org, invoices)
            token = self._source.issue_token()
            token.pop("expires_at")
            token_file.write_text(json.dumps(token))
            return {
                "client_id": self._source.identity.client_id,
                "client_secret": self._source.identity.client_secret,
                "token_file": token_file,
                "tenant_id": self._source.org.tenant_id,
                "api_url": self._source.api_url,
            }
        # Replay: nothing is reachable; dummies stand in for the credentials.
        dummy = {"access_token": "dummy", "token_type": "Bearer", "expires_in": 1800, "scope": []}
        token_file.write_text(json.dumps(dummy))
        return {
            "client_id": os.environ.get("TAHSEEL_XERO_CLIENT_ID", "dummy-client"),
            "client_secret": os.environ.get("TAHSEEL_XERO_CLIENT_SECRET", "dummy-secret"),
            "token_file": token_file,
            "tenant_id": "00000000-0000-0000-0000-000000000000",
            "api_url": "http://127.0.0.1:9/api.xro/2.0",
        }

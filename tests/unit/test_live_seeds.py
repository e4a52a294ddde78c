"""The live seeds, run twice through the real SDKs into the loopback emulators.

``tests/live/seed_*.py`` put the Ledger contract's seed into a real Xero demo company
or QuickBooks sandbox, and ready a Gmail test account, for ``python -m
tests.live.record``. Here the same code runs against the emulators: a second run must
create nothing, and what the first made must read back as the contract's seed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from connectors.models import InvoiceStatus
from tests.contract.ledger_contract import SEED
from tests.support import tally

# -- the seeds, through the real SDKs, into the emulators ----------------------------------


def test_the_xero_seed_twice_creates_nothing_twice(tmp_path: Path) -> None:
    from tests.emulators.xero import XeroEmulator, ledger_for
    from tests.live.seed_xero import ARABIC, Seeder

    with XeroEmulator() as emulator:
        org = emulator.add_org("Demo Company (Global)")
        token = tmp_path / "token.json"
        token.write_text(json.dumps(emulator.issue_token([org.tenant_id])))
        ledger = ledger_for(emulator, tmp_path, token_file=token, arabic_group=ARABIC)
        first = Seeder(ledger.client, org.tenant_id)
        ids = first.seed()
        again = Seeder(ledger.client, org.tenant_id)
        assert again.seed() == ids and again.created == []
        assert len(first.created) > len(SEED)
        assert (len(org.invoices), len(org.contacts), len(org.groups)) == (6, 2, 1)
        found = {i.number: i for i in ledger.get_invoices(list(ids.values()))}
    for seed in SEED:
        invoice = found[seed.number]
        assert (invoice.total, invoice.amount_due) == (seed.total, seed.amount_due)
        assert invoice.contact.emails == seed.contact.emails
        assert invoice.contact.language == seed.contact.language
        assert invoice.reference == seed.reference and invoice.currency == seed.currency
        if seed.number != "CT-106":  # fully credited: Xero says PAID
            assert invoice.status is seed.status
    tally.record("real services: recording", runs=2, duplicates=0)


def test_the_xero_seed_finishes_what_a_stopped_run_left(tmp_path: Path) -> None:
    from tests.emulators.xero import XeroEmulator, ledger_for
    from tests.live.seed_xero import Seeder

    with XeroEmulator() as emulator:
        org = emulator.org
        token = tmp_path / "token.json"
        token.write_text(json.dumps(emulator.issue_token()))
        ledger = ledger_for(emulator, tmp_path, token_file=token)
        seeder = Seeder(ledger.client, org.tenant_id)
        seeder.seed(SEED[:2])
        part = org.invoices[seeder.seed(SEED[:2])["CT-102"]]
        part.paid = Decimal("0")  # as if stopped before the payment
        seeder = Seeder(ledger.client, org.tenant_id)
        seeder.seed(SEED[:2])
    assert seeder.created == ["payment of 1799.50 on CT-102"]
    assert part.amount_due == Decimal("1200.50")


def test_the_gmail_seed_clears_an_earlier_recording_once(tmp_path: Path) -> None:
    from google.oauth2.credentials import Credentials

    from mailer.gmail.api import GmailApi
    from tests.contract.test_gmail_transport import gmail_transport, send_chain
    from tests.emulators.gmail import GmailEmulator
    from tests.live.seed_gmail import LABEL, seed

    with GmailEmulator("huda@nakheel.example") as emulator:
        to = "ap@alwaha.example"
        send_chain(gmail_transport(emulator), ["courtesy", "due"], to=to)  # last recording
        send_chain(gmail_transport(emulator), ["courtesy"], invoice="INV-0043", to=to)
        api = GmailApi(Credentials(token="seed"), base_url=emulator.base_url)
        first = seed(api, to)
        assert first == [f"label {LABEL}", "2 earlier scenario message(s) moved to the Trash"]
        assert seed(api, to) == []
        names = [label["name"] for label in emulator.mailbox.labels.values()]
        trashed = {m.header("X-Tahseel-Invoice") for m in emulator.sent() if "TRASH" in m.labels}
    assert names.count(LABEL) == 1 and trashed == {"INV-0042"}
    tally.record("real services: recording", runs=2, duplicates=0)


def test_the_quickbooks_seed_twice_creates_nothing_twice(tmp_path: Path) -> None:
    from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
    from tests.live.seed_quickbooks import LANGUAGE, REFERENCE, Seeder

    with QuickBooksEmulator() as emulator:
        company = emulator.company
        ledger = ledger_for(emulator, tmp_path, language_field=LANGUAGE, reference_field=REFERENCE)
        first = Seeder(ledger.client)
        ids = first.seed()
        again = Seeder(ledger.client)
        assert again.seed() == ids and again.created == []
        assert first.skipped == again.skipped == ["CT-105 (the API makes no draft invoices)"]
        assert (len(company.invoices), len(company.customers)) == (5, 2)
        found = {i.number: i for i in ledger.get_invoices(list(ids.values()))}
    for seed in SEED:
        if seed.number == "CT-105":
            continue
        invoice = found[seed.number]
        if seed.status is InvoiceStatus.VOIDED:  # QuickBooks zeroes a voided invoice
            assert (invoice.total, invoice.amount_due) == (0, 0)
        else:
            assert (invoice.total, invoice.amount_due) == (seed.total, seed.amount_due)
        assert invoice.contact.emails == seed.contact.emails
        assert invoice.contact.language == seed.contact.language
        assert invoice.reference == seed.reference and invoice.currency == seed.currency
        if seed.number != "CT-106":
            assert invoice.status is seed.status
    tally.record("real services: recording", runs=2, duplicates=0)

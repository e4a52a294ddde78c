"""What QuickBooksLedger reads, against the emulator: pages, customers, links, CDC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.models import Invoice, InvoiceStatus
from connectors.quickbooks import QuickBooksLedger
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
from tests.emulators.quickbooks.company import ABSENT
from tests.emulators.validate import TALLY
from tests.support.tally import record

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def emulator() -> Iterator[QuickBooksEmulator]:
    with QuickBooksEmulator(per_minute=100_000) as running:
        yield running


def seed(emulator: QuickBooksEmulator, count: int, *, customers: int = 20) -> list[str]:
    """``count`` open invoices over ``customers`` customers, changed long ago."""
    company = emulator.company
    people = [company.add_customer(f"Customer {n}", f"ap{n}@example.com") for n in range(customers)]
    return [
        company.add_invoice(f"INV-{n:05d}", people[n % customers], "100.00", updated=LONG_AGO)
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 5000])
def test_every_open_invoice_once_at_each_page_boundary(
    emulator: QuickBooksEmulator, tmp_path: Path, count: int
) -> None:
    ids = seed(emulator, count)
    ledger = ledger_for(emulator, tmp_path)
    listed = [invoice.id for invoice in ledger.list_open_invoices()]
    assert len(listed) == len(set(listed)) == count
    assert set(listed) == set(ids)
    # Pages of 1,000 that overlap by 10 rows; a short page ends the scan.
    assert ledger.calls["invoices.query"] == (1 if count < 1000 else (count - 1000) // 990 + 2)
    assert ledger.calls.get("customers.query", 0) == (1 if count else 0)
    assert emulator.calls["POST query"] == sum(ledger.calls.values())


def test_invoices_paid_mid_scan_skip_nothing(emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    ids = seed(emulator, 2500, customers=1000)  # a full customer query lets page one go
    company = emulator.company
    listed: list[str] = []
    for invoice in ledger_for(emulator, tmp_path).list_open_invoices():
        if not listed:  # page one is read; pay invoices before the cursor
            for n in (3, 5, 7, 500, 999):
                company.pay(ids[n])
        listed.append(invoice.id)
    assert len(listed) == len(set(listed))
    still_open = {i for i, r in company.invoices.items() if r.balance > 0}
    assert still_open <= set(listed)


def test_customers_are_read_a_full_query_at_a_time_across_pages(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    company = emulator.company
    people = [company.add_customer(f"Customer {n}", f"ap{n}@example.com") for n in range(300)]
    # Each page of 1,000 brings 100 customers not seen before.
    for n in range(3000):
        who = people[(n // 1000) * 100 + n % 100]
        company.add_invoice(f"INV-{n:05d}", who, "100.00", updated=LONG_AGO)
    ledger = ledger_for(emulator, tmp_path)
    listed = list(ledger.list_open_invoices())
    assert len({i.id for i in listed}) == 3000
    assert all(i.contact.emails for i in listed)
    assert ledger.calls["customers.query"] == 1  # 300 customers, 1,000 ids a query


def test_rows_wait_for_their_customers_only_so_long(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 5000, customers=20)
    company = emulator.company
    listed: list[str] = []
    for invoice in ledger_for(emulator, tmp_path).list_open_invoices():
        if not listed:
            company.pay(ids[4995])  # on the last page, read after the first rows were let go
        listed.append(invoice.id)
    assert len(listed) == 4999 and ids[4995] not in listed


def test_only_open_invoices_with_money_due(emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    company = emulator.company
    who = company.add_customer("Nakheel", "ap@nakheel.example")
    company.add_invoice("VOID-1", who, "50", status="Voided")
    company.add_invoice("DRAFT-1", who, "50", status="Draft")
    company.add_invoice("PAID-1", who, "50", balance="0")
    company.add_invoice("PART-1", who, "1000.00", balance="250.75")
    company.add_invoice("EUR-1", who, "99.99", currency="EUR")
    listed = {i.number: i for i in ledger_for(emulator, tmp_path).list_open_invoices()}
    assert set(listed) == {"PART-1", "EUR-1"}
    assert listed["PART-1"].amount_due == Decimal("250.75")
    assert isinstance(listed["PART-1"].total, Decimal)
    assert listed["EUR-1"].currency == "EUR"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("bill", ("billing@rawda.example",)),
        ("customer", ("ap@rawda.example", "cfo@rawda.example")),
        ("both", ("billing@rawda.example", "ap@rawda.example", "cfo@rawda.example")),
    ],
)
def test_email_source_chooses_the_addresses(
    emulator: QuickBooksEmulator, tmp_path: Path, source: str, expected: tuple[str, ...]
) -> None:
    company = emulator.company
    rawda = company.add_customer("Rawda", "ap@rawda.example", "cfo@rawda.example")
    company.add_invoice("INV-1", rawda, "10", bill_emails=("billing@rawda.example",))
    nobill = company.add_customer("No Bill", "only@customer.example")
    company.add_invoice("INV-2", nobill, "10", bill_emails=())
    ledger = ledger_for(emulator, tmp_path, email_source=source)
    contacts = {i.number: i.contact for i in ledger.list_open_invoices()}
    assert contacts["INV-1"].emails == expected
    assert contacts["INV-2"].emails == ("only@customer.example",)


def test_customers_in_bulk_including_inactive_and_language(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    company = emulator.company
    people = [
        company.add_customer(f"C{n}", f"c{n}@example.com", active=n % 2 == 0) for n in range(30)
    ]
    company.add_customer("Arabic Co", "ar@example.com", fields={"Language": "Arabic"})
    arabic = list(company.customers)[-1]
    for n, person in enumerate(people):
        company.add_invoice(f"INV-{n}", person, "10")
    company.add_invoice("INV-AR", arabic, "10")
    company.add_invoice("INV-EN", people[0], "10", fields={"Language": "en"})
    ledger = ledger_for(emulator, tmp_path, language_field="language")
    listed = {i.number: i.contact for i in ledger.list_open_invoices()}
    assert listed["INV-1"].name == "C1" and listed["INV-1"].emails == ("c1@example.com",)
    assert listed["INV-AR"].language == "ar" and listed["INV-EN"].language == "en"
    assert listed["INV-0"].language is None
    assert ledger.calls == {"invoices.query": 1, "customers.query": 1}


def test_company_without_online_payments_uses_the_fallback(tmp_path: Path) -> None:
    with QuickBooksEmulator(payments=False) as emulator:
        seed(emulator, 2)
        plain = ledger_for(emulator, tmp_path)
        fallback = ledger_for(
            emulator, tmp_path, payment_link_fallback="https://pay.example/{number}"
        )
        invoice = next(iter(plain.list_open_invoices()))
        list(fallback.list_open_invoices())
        before, fallback_before = dict(plain.calls), dict(fallback.calls)
        # Online payment is off on every invoice: no link to ask QuickBooks for.
        assert plain.payment_link(invoice) is None
        assert fallback.payment_link(invoice) == f"https://pay.example/{invoice.number}"
        assert plain.calls == before and fallback.calls == fallback_before


def test_payments_company_link_wins_over_the_fallback(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 1)
    ledger = ledger_for(emulator, tmp_path, payment_link_fallback="https://pay.example/{number}")
    invoice = ledger.get_invoices(ids)[0]
    assert ledger.payment_link(invoice) == emulator.company.payment_url(ids[0])


def test_incremental_read_reports_paid_voided_and_deleted(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 1200)
    cursor = datetime.now(UTC)
    rerun = ledger_for(emulator, tmp_path)
    assert list(rerun.list_open_invoices(since=cursor)) == []
    assert rerun.calls == {"invoices.cdc": 1}

    company = emulator.company
    company.pay(ids[3])
    company.void(ids[4])
    company.pay(ids[5], "40.00")
    company.delete(ids[6])
    changed = {i.id: i for i in ledger_for(emulator, tmp_path).list_open_invoices(since=cursor)}
    assert set(changed) == {ids[3], ids[4], ids[5], ids[6]}
    assert changed[ids[3]].is_paid and changed[ids[4]].status is InvoiceStatus.VOIDED
    assert changed[ids[5]].is_open and changed[ids[5]].amount_due == Decimal("60")
    assert changed[ids[6]].status is InvoiceStatus.DELETED


def test_cursor_older_than_the_cdc_window_reads_everything(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    seed(emulator, 5)
    ledger = ledger_for(emulator, tmp_path)
    listed = list(ledger.list_open_invoices(since=datetime.now(UTC) - timedelta(days=31)))
    assert len(listed) == 5
    assert "invoices.cdc" not in ledger.calls and ledger.calls["invoices.query"] == 1
    recent = ledger_for(emulator, tmp_path)
    list(recent.list_open_invoices(since=datetime.now(UTC) - timedelta(days=29)))
    assert recent.calls == {"invoices.cdc": 1}


def test_full_cdc_answer_falls_back_to_a_query(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 1100)
    cursor = datetime.now(UTC)
    for invoice_id in ids:
        emulator.company.pay(invoice_id, "1.00")
    ledger = ledger_for(emulator, tmp_path)
    changed = [i.id for i in ledger.list_open_invoices(since=cursor)]
    assert sorted(changed) == sorted(ids)
    assert ledger.calls["invoices.cdc"] == 1 and ledger.calls["invoices.changed"] == 2


def test_get_invoices_in_one_query(emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    ids = seed(emulator, 120)
    emulator.company.pay(ids[7])
    ledger = ledger_for(emulator, tmp_path)
    found = ledger.get_invoices(list(reversed(ids)) + ["not-an-id", "99999"])
    assert [i.id for i in found] == list(reversed(ids))
    # The paid one's payment is read to tell money received from a credit applied.
    assert ledger.calls == {"invoices.get": 1, "customers.query": 1, "payments.get": 1}
    assert sum(i.status is InvoiceStatus.PAID for i in found) == 1


def test_list_pages_ask_for_no_payment_links_only_the_reread_does(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 2500)
    company = emulator.company
    ledger = ledger_for(emulator, tmp_path)
    assert len(list(ledger.list_open_invoices())) == 2500
    changed = datetime.now(UTC)
    company.pay(ids[0], "1.00")
    list(ledger_for(emulator, tmp_path).list_open_invoices(since=changed - timedelta(minutes=1)))
    # Intuit made links opt-in because making them slowed whole queries into timeouts.
    assert [name for name in emulator.calls if "include=invoiceLink" in name] == []
    assert company.links_made == 0
    # The re-read of the invoices about to be emailed asks for theirs, and no others.
    chosen = ledger.get_invoices(ids[10:13])
    before = dict(ledger.calls)
    assert [ledger.payment_link(i) for i in chosen] == [company.payment_url(i) for i in ids[10:13]]
    assert ledger.calls == before and company.links_made == 3
    assert emulator.calls["POST query include=invoiceLink"] == 1
    record("real services: QuickBooks data", bad_inputs=1, runs=1)


ODD_VALUES = [
    ("CurrencyRef", {"value": "US$", "name": "Dollar"}),
    ("CustomerRef", ABSENT),
    ("CustomerRef", "24"),
    ("Balance", "n/a"),
    ("status", "Archived"),
    ("BillEmail", "ap@odd.example"),
    ("DueDate", ABSENT),
]


@pytest.mark.parametrize(
    ("field", "value"),
    ODD_VALUES,
    ids=[f"{f}={'absent' if v is ABSENT else v!r}" for f, v in ODD_VALUES],
)
def test_one_odd_row_is_skipped_with_a_reason_and_the_others_go_on(
    emulator: QuickBooksEmulator, tmp_path: Path, field: str, value: object
) -> None:
    ids = seed(emulator, 30)
    company = emulator.company
    cursor = datetime.now(UTC)
    company.tamper(ids[7], **{field: value})

    def check(ledger: QuickBooksLedger, found: list[Invoice]) -> None:
        assert len(found) == 29 and ids[7] not in {i.id for i in found}
        assert len(ledger.problems) == 1, ledger.problems
        assert ledger.problems[0].startswith("quickbooks: invoice INV-00007: ")
        assert field in ledger.problems[0]

    # Some of these values are outside Intuit's XSD: QuickBooks should never send them,
    # but one odd row must cost only its row whatever arrives, so the answer goes out.
    with TALLY.departing("odd rows, some outside the XSD, to prove a row costs its row"):
        full = ledger_for(emulator, tmp_path)
        check(full, list(full.list_open_invoices()))
        reread = ledger_for(emulator, tmp_path)
        check(reread, reread.get_invoices(ids))
        for invoice_id in ids:
            company.edit(invoice_id)  # every row changed: the change feed brings them all
        changes = ledger_for(emulator, tmp_path)
        check(changes, list(changes.list_open_invoices(since=cursor)))
    record("real services: QuickBooks data", bad_inputs=3, runs=3)


def test_paid_history_leaves_out_credited_and_voided_invoices(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, 4)
    company = emulator.company
    company.pay(ids[0])
    company.credit(ids[1])
    company.credit(ids[2], by="JournalEntry")
    company.void(ids[3])
    ledger = ledger_for(emulator, tmp_path)
    paid = list(ledger.paid_invoices(datetime.now(UTC).date() - timedelta(days=1)))
    assert [p.id for p in paid] == [ids[0]] and ledger.problems == []
    statuses = {i.id: i.status for i in ledger.get_invoices(ids)}
    assert statuses == {
        ids[0]: InvoiceStatus.PAID,
        ids[1]: InvoiceStatus.CREDITED,
        ids[2]: InvoiceStatus.CREDITED,
        ids[3]: InvoiceStatus.VOIDED,
    }
    record("real services: QuickBooks data", bad_inputs=3, runs=1)

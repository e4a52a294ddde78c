"""The job reads an online ledger at the least cost, and misses nothing by doing so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from mailer.maildir import MaildirTransport
from sync.cli import demo
from sync.config.loader import load_settings
from sync.run.job import Job
from sync.run.wiring import build_renderer
from sync.store.ledger_cache import LedgerCache
from sync.store.store import Store
from tests.support.memory_ledger import MemoryLedger

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=RIYADH)


@pytest.fixture
def world(tmp_path):
    demo.install(tmp_path / "d", anchor=date(2026, 11, 23))
    settings = load_settings(tmp_path / "d" / "tahseel.yaml")
    ledger = MemoryLedger()
    ledger.add("A-1", date(2026, 11, 22), datetime(2026, 11, 1, tzinfo=UTC))
    ledger.add("C-3", date(2026, 11, 23), datetime(2026, 11, 2, tzinfo=UTC))
    ledger.add("B-2", date(2026, 12, 20), datetime(2026, 11, 3, tzinfo=UTC))
    store = Store(settings.state_url)
    transport = MaildirTransport(settings.resolve(settings.mailbox.path))
    renderer = build_renderer(settings)

    def run(moment: datetime, *, dry_run: bool = False):
        ledger.calls.clear()
        job = Job(settings, ledger, transport, store, renderer, moment, dry_run=dry_run)
        return job.run()

    return ledger, store, settings, run


def test_a_rerun_with_nothing_changed_costs_one_call(world):
    ledger, _, _, run = world
    first = run(at("2026-11-23"))
    assert first.sent == {"overdue": 1, "due": 1}
    assert ledger.reads == [None]
    assert first.api_calls["memory"]["invoices.link"] == 2

    again = run(at("2026-11-23", 10))
    assert again.emails == 0
    assert dict(ledger.calls) == {"invoices.list": 1}
    assert ledger.reads[-1] == at("2026-11-23"), "reads from where the last read started"


def test_a_payment_seen_on_a_weekend_still_gets_its_thank_you(world):
    ledger, store, settings, run = world
    run(at("2026-11-23"))
    ledger.pay("A-1", datetime(2026, 11, 27, 7, tzinfo=UTC))
    friday = run(at("2026-11-27", 11))  # Friday: a weekend day in Riyadh, no mail
    assert friday.thank_yous == 0
    ledger.add("E-5", date(2026, 12, 30), datetime(2026, 11, 28, 6, tzinfo=UTC))
    run(at("2026-11-28", 11))  # Saturday: the cursor moves past the payment
    sunday = run(at("2026-11-29"))  # the ledger no longer reports the payment
    assert ledger.reads[-1] == at("2026-11-28", 11)
    assert sunday.thank_yous == 1
    cache = LedgerCache(store, settings.tenant)
    assert "id-A-1" not in cache.load(), "closed once thanked"
    assert run(at("2026-11-30")).thank_yous == 0


def test_payment_links_are_fetched_once_per_invoice(world):
    ledger, _, _, run = world
    run(at("2026-11-23"))
    report = run(at("2026-11-24"))  # C-3 climbs to its overdue rung
    assert report.sent == {"overdue": 1}
    assert "invoices.link" not in ledger.calls


def test_a_full_read_comes_back_every_week(world):
    ledger, _, _, run = world
    run(at("2026-11-23"))
    run(at("2026-11-24"))
    assert ledger.reads == [None, at("2026-11-23")]
    run(at("2026-12-01"))
    assert ledger.reads[-1] is None


def test_an_invoice_added_between_runs_is_picked_up(world):
    ledger, _, _, run = world
    run(at("2026-11-23"))
    ledger.add("D-4", date(2026, 11, 23), datetime(2026, 11, 23, 7, tzinfo=UTC))
    report = run(at("2026-11-24"))
    assert report.sent == {"overdue": 2}
    assert len(ledger.reads) == 2 and ledger.reads[-1] is not None


def test_a_dry_run_leaves_no_cursor(world):
    ledger, store, settings, run = world
    run(at("2026-11-23"), dry_run=True)
    assert store.cursor(settings.tenant, "ledger") is None
    assert LedgerCache(store, settings.tenant).load() == {}
    run(at("2026-11-23"))
    assert ledger.reads == [None, None]


def test_a_full_read_outside_the_window_does_not_lose_a_thank_you(world):
    ledger, _, _, run = world
    run(at("2026-11-23"))  # the first read is a full one; A-1 is reminded
    ledger.pay("A-1", datetime(2026, 11, 29, 2, tzinfo=UTC))
    assert run(at("2026-11-29", 6)).thank_yous == 0  # before the window: seen, waits
    # A week after the last full read, the next read is full again. It lists open
    # invoices only; the paid one, still owed its thank-you, must not drop out.
    assert run(at("2026-11-30", 19)).thank_yous == 0  # after the window
    assert run(at("2026-12-01")).thank_yous == 1

"""Wall time of a first run under Xero's and Gmail's rate limits, against the bound.

Usage: ``python bench/wall_time.py [--quick | --smoke] [--sizes N ...] [--factor F]``

Three runs per ledger size N, each a first run, live, into ``mailbox: gmail``:

- ``xero``: ``ledger: xero``. Xero allows 60 calls a minute, 5,000 a day and 5 in
  flight per organisation, and every email costs Xero a note and a payment link, so
  Xero decides the bound.
- ``quickbooks``: ``ledger: quickbooks``. QuickBooks allows 500 calls a minute (each
  item of a batch counts as one), 120 batch requests a minute and 10 in flight per
  company; notes go 10 to a batch and payment links come with the read, so Gmail
  decides the bound. Its limits are scaled by the Gmail factor, on one
  ``ScaledClock`` shared by the emulator and the ledger.
- ``csv``: the CSV ledger, which has no limit, so Gmail decides the bound.

The emulators enforce the documented limits: Xero's above, and Gmail's 15,000 quota
units per user per minute (250 a second on average; the emulator's sliding window is
a minute). Time is scaled: ``--factor`` (30 by default) for the Xero runs, where
client and server share one ``ScaledClock`` (the emulator's ``clock``, the ledger's
``clock`` and ``sleep``); ``--gmail-factor`` (4 by default) for Gmail, whose emulator
counts real seconds, so its rate is multiplied and its window divided by the factor,
and the transport's ``QuotaBudget`` (its defaults: 245 units a second over 10 s) is
scaled the same way. A smaller factor for Gmail leaves the local time of each email
(render, compose, state writes, and the emulator serving it in the same process) well
under the time Gmail's quota allows it: at 10x, 2,000 invoices measured 1.26 because
the scaled quota left 45 ms an email; at 4x the same run measured 1.04. The CLI cannot
pass a clock or a budget, so the job is built in-process with the ledger and the
transport made by hand; the configuration is the one ``bench/run_calls.py`` writes.

Columns, per N and ledger:

- ``emails``: emails the run sent.
- ``ledger calls`` / ``gmail units``: what the run spent on each service (QuickBooks:
  calls as its minute's limit counts them, each batch item one).
- ``ledger bound s`` / ``gmail bound s``: spend ÷ allowed rate (Xero: 1 call a second;
  QuickBooks: 500 a minute; Gmail: 250 units a second), in unscaled seconds ("-" for
  the CSV file).
- ``wall s``: the run's wall time, unscaled (real seconds × factor).
- ``wall/bound``: wall time ÷ the larger bound (the slowest service decides).
- ``429s``: rate-limit refusals the run provoked (Xero's 429s plus Gmail's).

Targets (PASS/MISS per N): wall/bound <= 1.10; zero 429s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import (  # noqa: E402
    SENDER,
    fast_loopback,
    gmail_token,
    moment,
    size_options,
    table,
    verdict,
    write_config,
    write_csv,
)
from bench.run_calls import QuickBooksWorld, World  # noqa: E402
from connectors.limits import ScaledClock  # noqa: E402
from connectors.quickbooks import QuickBooksLedger  # noqa: E402
from connectors.xero import XeroLedger  # noqa: E402
from mailer.gmail.api import UNITS, QuotaBudget  # noqa: E402
from mailer.gmail.auth import load_token  # noqa: E402
from mailer.gmail.transport import GmailTransport  # noqa: E402
from sync.run.job import Job  # noqa: E402
from sync.run.wiring import build_ledger, build_renderer, build_store  # noqa: E402
from tests.emulators.gmail import GmailEmulator  # noqa: E402
from tests.emulators.quickbooks import QuickBooksEmulator  # noqa: E402
from tests.emulators.xero import XeroEmulator  # noqa: E402

FULL = (300, 1_000, 2_000)
QUICK = (200,)
SMOKE = (40,)
XERO_PER_MINUTE, XERO_PER_DAY, XERO_CONCURRENT = 60, 5_000, 5
QBO_PER_MINUTE, QBO_BATCHES_PER_MINUTE, QBO_CONCURRENT = 500, 120, 10
GMAIL_UNITS_PER_SECOND = 250
CSV_LEDGER = "ledger:\n  type: csv\n  path: invoices.csv\n"


def gmail_emulator(factor: float) -> GmailEmulator:
    """Gmail's per-minute quota, scaled: the rate multiplied, the window divided."""
    return GmailEmulator(
        SENDER, units_per_second=int(GMAIL_UNITS_PER_SECOND * factor), quota_window=60 / factor
    )


def gmail_transport(gmail: GmailEmulator, token: Path, factor: float) -> GmailTransport:
    """The transport with its default budget, scaled as the emulator is."""
    default = QuotaBudget()
    return GmailTransport(
        credentials=load_token(token, token_uri=gmail.token_uri),
        address=SENDER,
        daily_cap=10**9,
        base_url=gmail.base_url,
        budget=QuotaBudget(default.rate * factor, default.window / factor),
    )


def measure(size: int, factor: float) -> list[object]:
    """One first run over ``size`` invoices in Xero; its table row."""
    clock = ScaledClock(factor)
    with (
        XeroEmulator(
            per_minute=XERO_PER_MINUTE,
            per_day=XERO_PER_DAY,
            concurrent=XERO_CONCURRENT,
            clock=clock.now,
        ) as xero,
        gmail_emulator(factor) as gmail,
        tempfile.TemporaryDirectory() as tmp,
    ):
        world = World(xero, gmail, Path(tmp), size)
        ledger = XeroLedger(
            client_id=xero.identity.client_id,
            client_secret=xero.identity.client_secret,
            token_file=world.xero_token,
            api_url=xero.api_url,
            identity_url=xero.base_url,
            connections_url=xero.base_url,
            arabic_group="Arabic",
            per_minute=XERO_PER_MINUTE,
            per_day=XERO_PER_DAY,
            concurrent=XERO_CONCURRENT,
            clock=clock.now,
            sleep=clock.sleep,
        )
        transport = gmail_transport(gmail, world.gmail_token, factor)
        job = Job(
            world.settings,
            ledger,
            transport,
            world.store,
            world.renderer,
            moment(10),
            started_at=datetime.now(UTC),
        )
        calls = lambda: xero.requests  # noqa: E731
        refusals = lambda: sum(xero.limit_429s.values())  # noqa: E731
        return _row(size, "xero", job, gmail, factor, calls, refusals, XERO_PER_MINUTE)


def measure_quickbooks(size: int, factor: float) -> list[object]:
    """One first run over ``size`` invoices in QuickBooks; its table row."""
    clock = ScaledClock(factor)
    with (
        QuickBooksEmulator(
            per_minute=QBO_PER_MINUTE,
            concurrent=QBO_CONCURRENT,
            batches_per_minute=QBO_BATCHES_PER_MINUTE,
            clock=clock.now,
        ) as qbo,
        gmail_emulator(factor) as gmail,
        tempfile.TemporaryDirectory() as tmp,
    ):
        world = QuickBooksWorld(qbo, gmail, Path(tmp), size)
        ledger = QuickBooksLedger(
            client_id=qbo.identity.client_id,
            client_secret=qbo.identity.client_secret,
            token_file=world.token,
            api_url=qbo.api_url,
            discovery_url=qbo.discovery_url,
            language_field="Language",
            per_minute=QBO_PER_MINUTE,
            concurrent=QBO_CONCURRENT,
            batches_per_minute=QBO_BATCHES_PER_MINUTE,
            clock=clock.now,
            sleep=clock.sleep,
        )
        job = Job(
            world.settings,
            ledger,
            gmail_transport(gmail, world.gmail_token, factor),
            world.store,
            world.renderer,
            moment(10),
            started_at=datetime.now(UTC),
        )
        calls = lambda: qbo.units  # noqa: E731
        refusals = lambda: sum(qbo.limit_429s.values())  # noqa: E731
        return _row(size, "quickbooks", job, gmail, factor, calls, refusals, QBO_PER_MINUTE)


def measure_gmail_bound(size: int, factor: float) -> list[object]:
    """One first run over ``size`` invoices in the CSV ledger; its table row."""
    with gmail_emulator(factor) as gmail, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_csv(folder / "invoices.csv", size, min(300, max(1, size // 3)))
        mailbox = (
            f"mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
            f"  daily_cap: 1000000000\n  api_url: {gmail.base_url}\n"
            f"  token_uri: {gmail.token_uri}\n"
        )
        settings = write_config(folder, ledger=CSV_LEDGER, mailbox=mailbox)
        transport = gmail_transport(gmail, gmail_token(folder), factor)
        job = Job(
            settings,
            build_ledger(settings),
            transport,
            build_store(settings),
            build_renderer(settings),
            moment(10),
            started_at=datetime.now(UTC),
        )
        return _row(size, "csv", job, gmail, factor, None, lambda: 0, 0)


def _row(
    size: int,
    name: str,
    job: Job,
    gmail: GmailEmulator,
    factor: float,
    ledger_calls: Callable[[], int] | None,
    refusals: Callable[[], int],
    per_minute: int,
) -> list[object]:
    start = time.perf_counter()
    report = job.run()
    wall = (time.perf_counter() - start) * factor
    if report.aborted:
        print(f"N={size} {name}: run aborted: {report.aborted}", file=sys.stderr)
    units = sum(UNITS.get(m, 1) * n for m, n in gmail.calls.items() if m != "token")
    calls = ledger_calls() if ledger_calls else None
    ledger_bound = calls / (per_minute / 60) if calls is not None else 0.0
    bound = max(ledger_bound, units / GMAIL_UNITS_PER_SECOND)
    return [
        f"{size:,}",
        name,
        report.emails,
        calls if calls is not None else "-",
        f"{ledger_bound:.0f}" if calls is not None else "-",
        units,
        f"{units / GMAIL_UNITS_PER_SECOND:.0f}",
        f"{wall:.0f}",
        f"{wall / bound:.2f}",
        refusals() + gmail.quota_rejections,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    chosen = size_options(parser, FULL, QUICK, SMOKE)
    parser.add_argument("--factor", type=float, default=30.0, help="Xero time scale (default 30)")
    parser.add_argument(
        "--gmail-factor", type=float, help="Gmail time scale (default 4; 10 with --smoke)"
    )
    args = parser.parse_args(argv)
    fast_loopback()
    sizes = chosen(args)
    # The smoke run's few emails fit the faster scale; it checks the table, not the time.
    args.gmail_factor = args.gmail_factor or (10.0 if args.smoke else 4.0)
    headers = [
        "N",
        "ledger",
        "emails",
        "ledger calls",
        "ledger bound s",
        "gmail units",
        "gmail bound s",
        "wall s",
        "wall/bound",
        "429s",
    ]
    rows: list[list[object]] = []
    for size in sizes:
        rows.append(measure(size, args.factor))
        rows.append(measure_quickbooks(size, args.gmail_factor))
        rows.append(measure_gmail_bound(size, args.gmail_factor))
    print(
        f"time scaled x{args.factor:g} (xero) and x{args.gmail_factor:g} (quickbooks and"
        " csv, Gmail-bound); seconds below are unscaled"
    )
    print(table(headers, rows))
    print()
    for row in rows:
        name = f"N={row[0]} {row[1]}"
        print(f"{verdict(float(str(row[8])) <= 1.10)}  {name}: wall/bound <= 1.10")
        print(f"{verdict(row[9] == 0)}  {name}: zero 429s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

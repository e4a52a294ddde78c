"""Wall time of a first run under Xero's and Gmail's rate limits, against the bound.

Usage: ``python bench/wall_time.py [--quick | --smoke] [--sizes N ...] [--factor F]``

The emulators enforce their documented limits: Xero 60 calls a minute, 5,000 a day
and 5 in flight per organisation; Gmail 250 quota units per user per second. Time is
scaled by ``--factor`` (30 by default: Xero's 60 a minute become 60 per 2 s). Client
and server share one ``ScaledClock`` on the Xero side (the emulator's ``clock``, the
ledger's ``clock`` and ``sleep``); on the Gmail side, whose emulator counts real
seconds, both rates are multiplied by the factor instead (the emulator's
``units_per_second`` and the transport's ``QuotaBudget``, left at its default 120
units a second). The CLI cannot pass a clock or a budget, so the job is built
in-process, as ``tests/e2e/test_incremental_reads.py`` does, with the ledger and the
transport made by hand; the configuration is the one ``bench/run_calls.py`` writes.

Columns, per ledger size N (first run, live, ``ledger: xero`` + ``mailbox: gmail``):

- ``emails``: emails the run sent.
- ``xero calls`` / ``gmail units``: what the run spent on each service.
- ``xero bound s`` / ``gmail bound s``: calls ÷ allowed rate (Xero: 1 call a second;
  Gmail: 250 units a second), in unscaled seconds.
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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import SENDER, fast_loopback, moment, table, verdict  # noqa: E402
from bench.run_calls import World  # noqa: E402
from connectors.limits import ScaledClock  # noqa: E402
from connectors.xero import XeroLedger  # noqa: E402
from mailer.gmail import GmailTransport  # noqa: E402
from mailer.gmail_api import UNITS, QuotaBudget  # noqa: E402
from mailer.gmail_auth import load_token  # noqa: E402
from sync.job import Job  # noqa: E402
from tests.emulators.gmail import GmailEmulator  # noqa: E402
from tests.emulators.xero import XeroEmulator  # noqa: E402

FULL = (300, 1_000, 2_000)
QUICK = (200,)
SMOKE = (40,)
XERO_PER_MINUTE, XERO_PER_DAY, XERO_CONCURRENT = 60, 5_000, 5
GMAIL_UNITS_PER_SECOND = 250
TRANSPORT_UNITS_PER_SECOND = 120  # QuotaBudget's default


def measure(size: int, factor: float) -> list[object]:
    """One first run over ``size`` invoices; its table row."""
    clock = ScaledClock(factor)
    with (
        XeroEmulator(
            per_minute=XERO_PER_MINUTE,
            per_day=XERO_PER_DAY,
            concurrent=XERO_CONCURRENT,
            clock=clock.now,
        ) as xero,
        GmailEmulator(SENDER, units_per_second=int(GMAIL_UNITS_PER_SECOND * factor)) as gmail,
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
        transport = GmailTransport(
            credentials=load_token(world.gmail_token, token_uri=gmail.token_uri),
            address=SENDER,
            daily_cap=10**9,
            base_url=gmail.base_url,
            budget=QuotaBudget(TRANSPORT_UNITS_PER_SECOND * factor),
        )
        job = Job(
            world.settings,
            ledger,
            transport,
            world.store,
            world.renderer,
            moment(10),
            started_at=datetime.now(UTC),
        )
        start = time.perf_counter()
        report = job.run()
        wall = (time.perf_counter() - start) * factor
        if report.aborted:
            print(f"N={size}: run aborted: {report.aborted}", file=sys.stderr)
        xero_calls = xero.requests
        units = sum(UNITS.get(m, 1) * n for m, n in gmail.calls.items() if m != "token")
        bounds = (xero_calls / (XERO_PER_MINUTE / 60), units / GMAIL_UNITS_PER_SECOND)
        refusals = sum(xero.limit_429s.values()) + gmail.quota_rejections
        return [
            f"{size:,}",
            report.emails,
            xero_calls,
            f"{bounds[0]:.0f}",
            units,
            f"{bounds[1]:.0f}",
            f"{wall:.0f}",
            f"{wall / max(bounds):.2f}",
            refusals,
        ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help=f"sizes {QUICK}")
    mode.add_argument("--smoke", action="store_true", help=f"sizes {SMOKE} (for tests)")
    mode.add_argument("--sizes", type=int, nargs="+", help=f"ledger sizes (default {FULL})")
    parser.add_argument("--factor", type=float, default=30.0, help="time scale (default 30)")
    args = parser.parse_args(argv)
    fast_loopback()
    sizes = args.sizes or (SMOKE if args.smoke else QUICK if args.quick else FULL)
    headers = [
        "N",
        "emails",
        "xero calls",
        "xero bound s",
        "gmail units",
        "gmail bound s",
        "wall s",
        "wall/bound",
        "429s",
    ]
    rows = [measure(size, args.factor) for size in sizes]
    print(f"time scaled x{args.factor:g}; seconds below are unscaled")
    print(table(headers, rows))
    print()
    for row in rows:
        print(f"{verdict(float(str(row[7])) <= 1.10)}  N={row[0]}: wall/bound <= 1.10")
        print(f"{verdict(row[8] == 0)}  N={row[0]}: zero 429s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

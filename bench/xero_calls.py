"""Count Xero API calls for a first run and a no-change rerun, through the emulator.

Run: ``.venv/bin/python -m bench.xero_calls`` (optionally ``--invoices 1000 10000``).
Prints one row per size: calls by operation on the first (full) read and on an
incremental rerun with nothing changed, as the emulator counted them.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulators.xero import XeroEmulator, ledger_for

LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)


def measure(count: int, contacts: int) -> tuple[dict[str, int], dict[str, int], int]:
    """Seed ``count`` open invoices over ``contacts`` customers; return both runs' calls."""
    with XeroEmulator(per_day=1_000_000) as emulator, tempfile.TemporaryDirectory() as tmp:
        org = emulator.org
        people = [
            org.add_contact(
                f"Customer {n}", f"ap{n}@example.com", groups=("Arabic",) * (n % 3 == 0)
            )
            for n in range(contacts)
        ]
        for n in range(count):
            org.add_invoice(
                f"INV-{n:06d}",
                people[n % contacts],
                "100.00",
                updated=LONG_AGO + timedelta(seconds=n),
            )
        first = ledger_for(emulator, Path(tmp), arabic_group="Arabic")
        listed = sum(1 for _ in first.list_open_invoices())
        cursor = datetime.now(UTC)
        before = emulator.requests
        rerun = ledger_for(emulator, Path(tmp), arabic_group="Arabic")
        assert list(rerun.list_open_invoices(since=cursor)) == []
        assert emulator.requests - before == sum(rerun.calls.values())
        return first.calls, rerun.calls, listed


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--contacts", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"{'open invoices':>13} {'contacts':>8} {'first run':>9} {'rerun':>5}  first-run breakdown"
    )
    for count in args.invoices:
        first, rerun, listed = measure(count, min(args.contacts, count))
        assert listed == count
        detail = ", ".join(f"{k} {v}" for k, v in sorted(first.items()))
        print(
            f"{count:>13} {min(args.contacts, count):>8} {sum(first.values()):>9} "
            f"{sum(rerun.values()):>5}  {detail}"
        )


if __name__ == "__main__":
    main()

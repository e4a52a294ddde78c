"""Count QuickBooks Online API calls for a first run, a no-change rerun and 300 notes.

Run: ``.venv/bin/python -m bench.quickbooks_calls`` (optionally ``--invoices 1000 10000``).
Prints one row per size: calls by operation on the first (full) read and on an
incremental rerun (change data capture) with nothing changed, as the emulator counted
them; then the calls to write 300 notes one by one and through the batch endpoint.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for

LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)


def measure(count: int, customers: int) -> tuple[dict[str, int], dict[str, int], int]:
    """Seed ``count`` open invoices over ``customers`` customers; return both runs' calls."""
    with QuickBooksEmulator(per_minute=10**9) as emulator, tempfile.TemporaryDirectory() as tmp:
        company = emulator.company
        people = [
            company.add_customer(
                f"Customer {n}",
                f"ap{n}@example.com",
                fields={"Language": "ar"} if n % 3 == 0 else {},
            )
            for n in range(customers)
        ]
        for n in range(count):
            company.add_invoice(f"INV-{n:06d}", people[n % customers], "100.00", updated=LONG_AGO)
        first = ledger_for(emulator, Path(tmp), language_field="Language")
        listed = sum(1 for _ in first.list_open_invoices())
        cursor = datetime.now(UTC)
        before = emulator.requests
        rerun = ledger_for(emulator, Path(tmp), language_field="Language")
        assert list(rerun.list_open_invoices(since=cursor)) == []
        assert emulator.requests - before == sum(rerun.calls.values())
        return first.calls, rerun.calls, listed


def measure_notes(count: int) -> tuple[int, int]:
    """Calls to write ``count`` notes on invoices just read: one by one, and batched."""
    with QuickBooksEmulator(per_minute=10**9) as emulator, tempfile.TemporaryDirectory() as tmp:
        who = emulator.company.add_customer("Notes Co", "ap@notes.example")
        for n in range(count):
            emulator.company.add_invoice(f"N-{n:04d}", who, "10")
        results = []
        for batched in (False, True):
            ledger = ledger_for(emulator, Path(tmp))
            invoices = list(ledger.list_open_invoices())
            before = emulator.requests
            items = [(i, "Reminder 1 sent", f"ob-{batched}-{i.id}") for i in invoices]
            if batched:
                assert ledger.add_notes(items) == {}
            else:
                for invoice, text, key in items:
                    ledger.add_note(invoice, text, key=key)
            results.append(emulator.requests - before)
        return results[0], results[1]


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=300)
    args = parser.parse_args()
    print(
        f"{'open invoices':>13} {'customers':>9} {'first run':>9} {'rerun':>5}  first-run breakdown"
    )
    for count in args.invoices:
        customers = min(args.customers, count)
        first, rerun, listed = measure(count, customers)
        assert listed == count
        detail = ", ".join(f"{k} {v}" for k, v in sorted(first.items()))
        print(
            f"{count:>13} {customers:>9} {sum(first.values()):>9} "
            f"{sum(rerun.values()):>5}  {detail}"
        )
    single, batched = measure_notes(args.notes)
    print(
        f"\n{args.notes} notes: {single} calls one by one, {batched} calls batched (10 a request)"
    )


if __name__ == "__main__":
    main()

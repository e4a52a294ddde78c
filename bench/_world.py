"""Shared set-up of the benchmarks: a seeded ledger, a configuration and a live job.

The invoices have a realistic spread of due dates around the run's day: a quarter not
yet due, a few falling due this week, half a few days late, and a tail up to six months
late; a few hundred customers, a third of them reading Arabic. The same seed gives the
same ledger, so numbers are comparable between runs of a script.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sync.config.loader import load_settings  # noqa: E402
from sync.config.settings import Settings  # noqa: E402

RIYADH = ZoneInfo("Asia/Riyadh")
DAY = date(2026, 11, 23)  # a Monday in Riyadh, a business day
SENDER = "accounts@nakheel.example"
CONFIG = ROOT / "config" / "tahseel.yaml"

# (share of invoices, days from due date to the run's day: low, high); negative = not due
SPREAD = (
    (0.25, -60, -4),  # not due yet: nothing to say
    (0.05, -3, 0),  # falling due: courtesy or due reminder
    (0.50, 1, 14),  # a few days late: the bulk
    (0.15, 15, 44),  # weeks late
    (0.05, 45, 180),  # the tail: months late
)


def moment(hour: int, day: date = DAY) -> datetime:
    """``hour`` o'clock in Riyadh on ``day`` (inside the send window for 8..17)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=RIYADH)


@dataclass(frozen=True)
class Customer:
    """One seeded customer."""

    key: str
    name: str
    email: str
    arabic: bool

    @property
    def mobile(self) -> str:
        """A Saudi mobile number of its own (for WhatsApp and SMS)."""
        return f"+96650{int(self.key.removeprefix('C-')):07d}"


@dataclass(frozen=True)
class Seeded:
    """One seeded open invoice."""

    key: str
    number: str
    customer: Customer
    total: Decimal
    currency: str
    due_date: date
    issue_date: date


def customers(count: int) -> list[Customer]:
    """``count`` customers; every third one reads Arabic."""
    return [
        Customer(f"C-{n:04d}", f"Customer {n}", f"ap{n}@customer{n}.example", n % 3 == 0)
        for n in range(count)
    ]


def invoices(count: int, people: list[Customer], *, seed: int = 8) -> Iterator[Seeded]:
    """``count`` open invoices spread over due dates as ``SPREAD`` says."""
    rng = random.Random(seed)
    shares = [s for s, _, _ in SPREAD]
    for n in range(count):
        _, low, high = rng.choices(SPREAD, weights=shares)[0]
        due = DAY - timedelta(days=rng.randint(low, high))
        currency = "SAR" if rng.random() < 0.4 else "USD"
        total = Decimal(rng.randint(50, 20_000)) + Decimal(rng.randint(0, 99)) / 100
        yield Seeded(
            f"id-{n:07d}",
            f"INV-{n:07d}",
            people[rng.randrange(len(people))],
            total,
            currency,
            due,
            due - timedelta(days=30),
        )


def write_csv(path: Path, count: int, contacts: int) -> None:
    """Write a CSV ledger of ``count`` open invoices (columns as FileLedger reads them)."""
    columns = [
        "invoice_id",
        "number",
        "status",
        "currency",
        "total",
        "amount_due",
        "issue_date",
        "due_date",
        "contact_id",
        "contact_name",
        "emails",
        "language",
        "updated_at",
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for inv in invoices(count, customers(contacts)):
            c = inv.customer
            writer.writerow(
                [
                    inv.key,
                    inv.number,
                    "open",
                    inv.currency,
                    inv.total,
                    inv.total,
                    inv.issue_date.isoformat(),
                    inv.due_date.isoformat(),
                    c.key,
                    c.name,
                    c.email,
                    "ar" if c.arabic else "",
                    "2026-10-01T00:00:00+00:00",
                ]
            )


def seed_xero(org: Any, count: int, contacts: int) -> list[str]:
    """Add the customers and ``count`` open invoices to an emulated Xero org.

    Returns:
        The Xero invoice ids, in seeding order.
    """
    # Entered over the past days, a few seconds apart, the last an hour ago: older than
    # the overlap an incremental read looks back over.
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    people = customers(contacts)
    ids = {
        c.key: org.add_contact(
            c.name,
            c.email,
            groups=("Arabic",) if c.arabic else (),
            phones=[("MOBILE", c.mobile)],
        )
        for c in people
    }
    return [
        org.add_invoice(
            inv.number,
            ids[inv.customer.key],
            inv.total,
            currency=inv.currency,
            issued=inv.issue_date,
            due_date=inv.due_date,
            updated=hour_ago - timedelta(seconds=3 * (count - n)),
        )
        for n, inv in enumerate(invoices(count, people))
    ]


def seed_quickbooks(company: Any, count: int, contacts: int) -> list[str]:
    """Add the customers and ``count`` open invoices to an emulated QuickBooks company.

    The same customers and invoices as ``seed_xero``; a customer reading Arabic says so
    in the custom field ``Language`` (``language_field: Language``).

    Returns:
        The QuickBooks invoice ids, in seeding order.
    """
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    people = customers(contacts)
    ids = {
        c.key: company.add_customer(
            c.name, c.email, fields={"Language": "ar"} if c.arabic else None, mobile=c.mobile
        )
        for c in people
    }
    return [
        company.add_invoice(
            inv.number,
            ids[inv.customer.key],
            inv.total,
            currency=inv.currency,
            issued=inv.issue_date,
            due=inv.due_date,
            updated=hour_ago - timedelta(seconds=3 * (count - n)),
        )
        for n, inv in enumerate(invoices(count, people))
    ]


def write_config(
    folder: Path,
    *,
    ledger: str,
    mailbox: str,
    mode: str = "live",
) -> Settings:
    """Write ``folder/tahseel.yaml`` from the example, with the given blocks; load it.

    The circuit breaker's limits are raised so that a first run over a large ledger
    goes ahead, and the built-in templates are used.
    """
    text = CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^mode: live$", f"mode: {mode}", text)
    text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", ledger.rstrip() + "\n\n", text)
    text = re.sub(r"(?ms)^mailbox:\n.*?(?=^state:)", mailbox.rstrip() + "\n\n", text)
    text = re.sub(r"(?m)^templates: .*$", "", text)
    text = re.sub(
        r"(?ms)^safety:.*\Z",
        "safety:\n  max_emails_per_run: 10000000\n  max_share_of_open: 1.0\n"
        "  max_growth: 1000000\n  floor: 20\n",
        text,
    )
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "tahseel.yaml"
    config.write_text(text, encoding="utf-8")
    return load_settings(config)


def gmail_token(folder: Path) -> Path:
    """A Gmail token file the emulator accepts."""
    token = {
        "token": "access-1",
        "refresh_token": "refresh-1",
        "client_id": "tahseel-bench",
        "client_secret": "not-a-secret",
        "expiry": (datetime.now(UTC) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = folder / "gmail-token.json"
    path.write_text(json.dumps(token), encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list[Any]], *, widths: list[int] | None = None) -> str:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = widths or [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]

    numeric = [
        all(re.fullmatch(r"[-+]?[\d,.]+[a-zA-Z%]*|-|inf", r[i]) for r in cells)
        for i in range(len(headers))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn``; return its result and the real seconds it took."""
    import time

    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def fast_loopback() -> None:
    """Answer without Nagle's delay on the emulators' sockets.

    The emulators write an answer's headers and body in separate sends; with Nagle's
    algorithm on, the body waits for the client's delayed ACK (about 40 ms on Linux),
    which no real service adds. ``disable_nagle_algorithm`` is the stdlib's switch.
    """
    from tests.emulators.gmail import server as gmail_server
    from tests.emulators.quickbooks import server as quickbooks_server
    from tests.emulators.xero import server as xero_server

    xero_server._Handler.disable_nagle_algorithm = True
    gmail_server._Handler.disable_nagle_algorithm = True
    quickbooks_server._Handler.disable_nagle_algorithm = True


def size_options(
    parser: argparse.ArgumentParser,
    full: tuple[int, ...],
    quick: tuple[int, ...],
    smoke: tuple[int, ...],
) -> Callable[[argparse.Namespace], tuple[int, ...]]:
    """Add ``--quick``, ``--smoke`` and ``--sizes``; return what gives the sizes chosen."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help=f"sizes {quick}")
    mode.add_argument("--smoke", action="store_true", help=f"sizes {smoke} (for tests)")
    mode.add_argument("--sizes", type=int, nargs="+", help=f"ledger sizes (default {full})")
    return lambda args: tuple(
        args.sizes or (smoke if args.smoke else quick if args.quick else full)
    )

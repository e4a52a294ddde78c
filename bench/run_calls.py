"""API calls of a real run against the Xero and Gmail emulators, beside the floor.

Usage: ``python bench/run_calls.py [--quick | --smoke] [--sizes N ...]``

For each ledger size N (open invoices over a few hundred customers, due dates spread
as ``bench/_world.py`` describes), the job runs live with ``ledger: xero`` and
``mailbox: gmail`` three times on one business day: (a) a first run, (b) a rerun with
nothing changed, (c) a rerun after 1% of the invoices changed (half paid in full, half
part-paid). Every run builds a fresh ledger and mailbox, as a new ``tahseel run`` does.
The circuit breaker's limits are raised so the first run may send its whole plan, and
the emulators' and clients' rate limits are lifted (``bench/wall_time.py`` measures
time under the limits; calls do not depend on them).

Columns, per N, run and service (counted by the emulators, server side):

- ``calls``: requests the service answered during the run, by operation.
- ``floor``: the fewest the API allows for the same work:
  Xero: invoice list pages at the largest page size (1,000; the answer's ``pagination``
  says when a page is the last); contacts by id in batches of 50 (Xero's URL limit)
  for the customers of the invoices read; the Arabic contact group looked up and read
  (2) when contacts are read; one history note per action (email or escalation);
  payment links only for invoices emailed for the first time (once per invoice); one
  PDF per email that attaches one; no re-reads.
  Gmail: the transport sends by draft-then-send, so its floor is 2 calls per email
  (``drafts.create`` + ``drafts.send``; the API's own minimum is 1, ``messages.send``,
  which cannot make a retry safe); one reply read per run (two on the first run: a
  search, and the history id to continue from); a rerun's read pages through every
  message added since the last run's history id, 500 a page, the last run's own
  drafts and sends included (Gmail's history filters by one label only, and a reply
  may have been filtered out of the inbox, so they cannot be left out). Above it by design: one
  ``messages.batchModify`` per 100 sent messages (the Tahseel label; Gmail keeps no
  user label on a draft), the label's id once per run, the daily cap's count of the
  last 24 hours of Sent mail (500 a page) once per run, and one ``threads.get`` per
  email that continues a thread (Gmail replaced the earlier messages' Message-IDs, and
  References must name the ones the customer received).
- ``calls/floor``: the ratio; ``above floor`` names the operations over their floor.

Targets (PASS/MISS printed per N): Xero reads (list pages, contacts, groups) equal the
floor; each service's total within 5% of its floor (ratio <= 1.05).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import (  # noqa: E402
    SENDER,
    fast_loopback,
    gmail_token,
    moment,
    seed_xero,
    table,
    verdict,
    write_config,
)
from connectors.xero import XeroLedger  # noqa: E402
from connectors.xero.ledger import IDS_PER_CALL, PAGE_SIZE  # noqa: E402
from mailer.gmail import GmailTransport  # noqa: E402
from mailer.gmail_api import QuotaBudget  # noqa: E402
from mailer.gmail_auth import load_token  # noqa: E402
from sync.job import Job  # noqa: E402
from sync.settings import Settings  # noqa: E402
from sync.state import Store  # noqa: E402
from sync.wiring import build_renderer, build_store  # noqa: E402
from tests.emulators.gmail import GmailEmulator  # noqa: E402
from tests.emulators.xero import XeroEmulator, token_file_for  # noqa: E402

# history.list's maxResults, the largest Gmail allows (mailer/gmail_replies.py).
HISTORY_PAGE = 500

FULL = (1_000, 10_000, 100_000)
QUICK = (200, 1_000)
SMOKE = (60,)
UNLIMITED = 10**9
EMAIL_ACTIONS = ("send_reminder", "resend_invoice", "thank_you", "acknowledge")
# Xero operations that read the ledger's data (the "reads" target), by emulator route.
READS = ("GET /Invoices", "GET /Contacts", "GET /ContactGroups", "GET /ContactGroups/{id}")
XERO_NAMES = {
    "GET /Invoices": "invoices.list",
    "GET /Invoices?IDs": "invoices.get (re-read)",
    "GET /Contacts": "contacts.list",
    "GET /ContactGroups": "contact_groups.list",
    "GET /ContactGroups/{id}": "contact_groups.get",
    "GET /Invoices/{id}/OnlineInvoice": "invoices.online (link)",
    "GET /Invoices/{id}": "invoices.pdf",
    "PUT /Invoices/{id}/History": "invoices.note",
    "POST /Invoices/{id}/History": "invoices.note",
    "POST /connect/token": "token.refresh",
}


@dataclass
class Run:
    """One run's calls and floors per service, by operation."""

    label: str
    emails: int
    actions: int
    calls: dict[str, Counter[str]] = field(default_factory=dict)
    floor: dict[str, Counter[str]] = field(default_factory=dict)


class World:
    """The emulators, the configuration and the state store of one ledger size."""

    def __init__(self, xero: XeroEmulator, gmail: GmailEmulator, folder: Path, size: int) -> None:
        self.xero, self.gmail, self.folder = xero, gmail, folder
        self.contacts = min(300, max(1, size // 3))
        self.ids = seed_xero(xero.org, size, self.contacts)
        self.xero_token = token_file_for(xero, folder / "xero-token.json")
        self.gmail_token = gmail_token(folder)
        ledger = (
            "ledger:\n  type: xero\n  token_file: xero-token.json\n  arabic_group: Arabic\n"
            f"  daily_limit: {UNLIMITED}\n  api_url: {xero.api_url}\n"
            f"  identity_url: {xero.base_url}\n  connections_url: {xero.base_url}\n"
        )
        mailbox = (
            f"mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
            f"  daily_cap: {UNLIMITED}\n  api_url: {gmail.base_url}\n"
            f"  token_uri: {gmail.token_uri}\n"
        )
        self.settings: Settings = write_config(folder, ledger=ledger, mailbox=mailbox)
        self.store: Store = build_store(self.settings)
        self.renderer = build_renderer(self.settings)

    def ledger(self) -> XeroLedger:
        """A fresh ledger, as ``build_ledger`` makes one, with the rate limits lifted."""
        return XeroLedger(
            client_id=self.xero.identity.client_id,
            client_secret=self.xero.identity.client_secret,
            token_file=self.xero_token,
            api_url=self.xero.api_url,
            identity_url=self.xero.base_url,
            connections_url=self.xero.base_url,
            arabic_group="Arabic",
            per_minute=UNLIMITED,
            per_day=UNLIMITED,
            clock=lambda: time.monotonic(),  # its own limiter, not the shared one
        )

    def transport(self) -> GmailTransport:
        """A fresh Gmail transport, as ``build_transport`` makes one, without pacing."""
        box = self.settings.mailbox
        return GmailTransport(
            credentials=load_token(self.gmail_token, token_uri=box.token_uri),  # type: ignore[union-attr]
            address=SENDER,
            daily_cap=UNLIMITED,
            base_url=self.gmail.base_url,
            budget=QuotaBudget(UNLIMITED),
        )

    def run(self, label: str, hour: int) -> Run:
        """Run the job once and count what each service answered."""
        tenant = self.settings.tenant
        before_rows = self.store.rows(tenant)
        last = before_rows[-1].id if before_rows else 0
        emailed_before = {r.invoice_id for r in before_rows if r.action in EMAIL_ACTIONS}
        xero_before, gmail_before = self.xero.calls.copy(), self.gmail.calls.copy()
        cursor = self.store.cursor(tenant, "replies")
        history = self._history_records(cursor.split(":")[0]) if cursor else 0
        job = Job(
            self.settings,
            self.ledger(),
            self.transport(),
            self.store,
            self.renderer,
            moment(hour),
            started_at=datetime.now(UTC),
        )
        report = job.run()
        if report.aborted:
            raise SystemExit(f"run {label} aborted: {report.aborted}")
        new = [r for r in self.store.rows(tenant) if r.id > last]
        xero = self.xero.calls - xero_before
        gmail = self.gmail.calls - gmail_before
        # The emulator counts GET /Invoices once per route; tell the re-reads by id apart
        # with the client's own count (the ledger names them invoices.get).
        rereads = job.ledger.calls.get("invoices.get", 0)  # type: ignore[attr-defined]
        xero["GET /Invoices"] -= rereads
        xero["GET /Invoices?IDs"] += rereads
        result = Run(label, sum(1 for r in new if r.action in EMAIL_ACTIONS), len(new))
        result.calls = {"xero": _named(xero, XERO_NAMES), "gmail": +gmail}
        result.floor = {
            "xero": self._xero_floor(new, emailed_before, job, label),
            "gmail": _gmail_floor(result.emails, first=label.startswith("a"), history=history),
        }
        return result

    def _history_records(self, start: str) -> int:
        """Messages added to the mailbox since the history id a run continues from.

        Counted as the reply reader asks (``historyTypes=messageAdded``): they include
        the previous run's own drafts and sends, which Gmail's history cannot leave out
        (it filters by one label only, and a reply may sit outside the inbox).
        """
        return sum(1 for r in self.gmail.mailbox.history_since(int(start)) if "messagesAdded" in r)

    def _xero_floor(self, new: list, emailed_before: set[str], job: Job, label: str) -> Counter:
        floor: Counter[str] = Counter()
        # Invoices the run read: all open ones in full, the changed ones incrementally.
        read = job.report.open_invoices if label.startswith("a") else self.changed
        floor["invoices.list"] = max(1, math.ceil(read / PAGE_SIZE))
        customers = self.contacts if label.startswith("a") else self.changed_customers
        if customers:
            floor["contacts.list"] = math.ceil(customers / IDS_PER_CALL)
            floor["contact_groups.list"] = 1
            floor["contact_groups.get"] = 1
        floor["invoices.note"] = len(new)
        first_emails = {r.invoice_id for r in new if r.action in EMAIL_ACTIONS} - emailed_before
        floor["invoices.online (link)"] = len(first_emails)
        pdf_stages = {s.name for s in self.settings.policy.stages if s.attach_pdf}
        floor["invoices.pdf"] = sum(
            1 for r in new if r.action == "resend_invoice" or r.stage in pdf_stages
        )
        return +floor

    changed = 0
    changed_customers = 0

    def change(self, share: float, seed: int = 1) -> int:
        """Pay half of ``share`` of the invoices in full and part-pay the other half."""
        rng = random.Random(seed)
        picked = rng.sample(self.ids, max(2, round(len(self.ids) * share)))
        org = self.xero.org
        for n, invoice_id in enumerate(picked):
            if n % 2 == 0:
                org.pay(invoice_id)
            else:
                org.pay(invoice_id, (org.invoices[invoice_id].amount_due / 10).quantize(1))
        self.changed = len(picked)
        self.changed_customers = len({org.invoices[i].contact_id for i in picked})
        return len(picked)


def _named(counts: Counter[str], names: dict[str, str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for route, n in counts.items():
        if n > 0:
            out[names.get(route, route)] += n
    return out


def _gmail_floor(emails: int, *, first: bool, history: int = 0) -> Counter[str]:
    floor: Counter[str] = Counter({"drafts.create": emails, "drafts.send": emails})
    if first:  # a search for replies, and the history id to continue from
        floor.update({"messages.list": 1, "getProfile": 1})
    else:  # the history since the last run, 500 records a page
        floor["history.list"] = max(1, math.ceil(history / HISTORY_PAGE))
    return +floor


def measure(size: int) -> list[Run]:
    """The three runs over a ledger of ``size`` open invoices."""
    with (
        XeroEmulator(per_minute=UNLIMITED, per_day=UNLIMITED, concurrent=UNLIMITED) as xero,
        GmailEmulator(SENDER) as gmail,
        tempfile.TemporaryDirectory() as tmp,
    ):
        world = World(xero, gmail, Path(tmp), size)
        runs = [world.run("a first run", 10), world.run("b rerun, unchanged", 12)]
        world.change(0.01)
        runs.append(world.run("c rerun, 1% changed", 14))
        return runs


def rows_of(size: int, run: Run) -> tuple[list[list[object]], dict[str, tuple[int, int]]]:
    """Table rows for one run, and (calls, floor) per service."""
    rows: list[list[object]] = []
    totals: dict[str, tuple[int, int]] = {}
    for service in ("xero", "gmail"):
        calls, floor = run.calls[service], run.floor[service]
        total, least = sum(calls.values()), sum(floor.values())
        totals[service] = (total, least)
        above = _above(service, calls, floor)
        ratio = f"{total / least:.2f}" if least else ("-" if not total else "inf")
        detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        rows.append(
            [f"{size:,}", run.label, service, run.emails, total, least, ratio, above, detail]
        )
    return rows, totals


def _above(service: str, calls: Counter[str], floor: Counter[str]) -> str:
    over = {k: v - floor.get(k, 0) for k, v in calls.items() if v > floor.get(k, 0)}
    return ", ".join(f"{k} +{v}" for k, v in sorted(over.items())) or "-"


def reads_equal_floor(run: Run) -> bool:
    """Xero's list, contact and group calls equal their floor."""
    keys = ("invoices.list", "contacts.list", "contact_groups.list", "contact_groups.get")
    return all(run.calls["xero"].get(k, 0) == run.floor["xero"].get(k, 0) for k in keys)


WHY = {
    "invoices.list": "each list page continues from the newest UpdatedDateUTC read, a "
    "second early (Xero may compare whole seconds), so that an invoice changed during the "
    "scan cannot shift past a page: pages overlap by a row, one more call per 999 pages' "
    "worth; a full page that pagination.pageCount calls the last ends the read",
    "contacts.list": "contacts are read in batches of 50 as list pages bring new "
    "customers; a page's worth of invoices waiting for their customers forces a short "
    "batch, which keeps memory bounded",
    "invoices.get (re-read)": "the job re-reads every chunk of 50 reminders just before "
    "sending (sync/job.py REREAD_CHUNK), so that an invoice paid meanwhile is not chased "
    "(ARCHITECTURE.md invariant 1); thank-yous use the run's own read",
    "messages.batchModify": "sent messages are labelled Tahseel 100 to a call (Gmail keeps "
    "no user label on a draft, so the label cannot travel with the send)",
    "threads.get": "an email that continues a thread reads the thread once for the "
    "Message-IDs Gmail gave its earlier messages, which References must name",
    "messages.list": "a first run asks once whether the mailbox holds Tahseel's mail "
    "(and, if it does, looks each message up before sending it, after a lost state "
    "file); the daily cap counts the last 24 h of Sent mail, 500 per page, once per "
    "run (mailer/gmail.py _check_daily_cap); a thread recorded by an older version (by "
    "its first Message-ID) is looked up by search once",
    "history.list": "the reply read pages through the history of Tahseel's own drafts "
    "and sends (historyTypes=messageAdded; Gmail filters history by one label only, and "
    "filtering on INBOX would miss replies a filter archived), 500 records a page",
    "labels.list": "the label's id is looked up once per run that sends",
    "labels.create": "the label is created on the first run",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help=f"sizes {QUICK}")
    mode.add_argument("--smoke", action="store_true", help=f"sizes {SMOKE} (for tests)")
    mode.add_argument("--sizes", type=int, nargs="+", help=f"ledger sizes (default {FULL})")
    args = parser.parse_args(argv)
    fast_loopback()
    sizes = args.sizes or (SMOKE if args.smoke else QUICK if args.quick else FULL)
    headers = [
        "N",
        "run",
        "service",
        "emails",
        "calls",
        "floor",
        "calls/floor",
        "above floor",
        "calls by operation",
    ]
    rows: list[list[object]] = []
    checks: list[tuple[str, bool]] = []
    reasons: set[str] = set()
    for size in sizes:
        start = time.perf_counter()
        for run in measure(size):
            more, totals = rows_of(size, run)
            rows += more
            checks.append((f"N={size:,} {run.label}: xero reads = floor", reads_equal_floor(run)))
            for service, (total, least) in totals.items():
                ok = total <= 1.05 * least if least else total == 0
                checks.append((f"N={size:,} {run.label}: {service} total <= 1.05 x floor", ok))
            for line in more:
                reasons.update(part.split(" +")[0] for part in str(line[7]).split(", "))
        print(f"  (N={size:,} measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    print(table(headers, rows))
    print()
    for name, ok in checks:
        print(f"{verdict(ok)}  {name}")
    explained = [k for k in WHY if k in reasons]
    if explained:
        print("\nabove the floor, and why:")
        for key in explained:
            print(f"- {key}: {WHY[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

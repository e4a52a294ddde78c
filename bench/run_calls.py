"""API calls of a real run against the ledger and Gmail emulators, beside the floor.

Usage: ``python bench/run_calls.py [--quick | --smoke | --sizes N ...]
[--ledgers xero quickbooks]``

For each ledger (Xero, then QuickBooks Online) and each size N (open invoices over a
few hundred customers, a third of them reading Arabic, due dates spread as
``bench/_world.py`` describes), the job runs live with that ledger and
``mailbox: gmail`` three times on one business day: (a) a first run, (b) a rerun with
nothing changed, (c) a rerun after 1% of the invoices changed (half paid in full, half
part-paid, recorded as payments in the ledger). Every run builds a fresh ledger and
mailbox, as a new ``tahseel run`` does. The circuit breaker's limits are raised so the
first run may send its whole plan, and the emulators' and clients' rate limits are
lifted (``bench/wall_time.py`` measures time under the limits; calls do not depend on
them). Each ledger gets its own emulators, so its table stands alone.

Columns, per ledger, N, run and service (counted by the emulators, server side):

- ``calls``: requests the service answered during the run, by operation.
- ``floor``: the fewest the API allows for the same work:

  Xero: invoice list pages at the largest page size (1,000; the answer's
  ``pagination`` says when a page is the last); contacts by id in batches of 50
  (Xero's URL limit) for the customers of the invoices read; the Arabic contact group
  looked up and read (2) when contacts are read; one history note per action (email
  or escalation) and per text message; payment links only for invoices emailed for
  the first time (once per invoice); one PDF per email that attaches one; no re-reads.

  QuickBooks Online: a full read pages ``Balance > '0'`` at MAXRESULTS 1,000; the
  answer says neither a total nor whether more rows follow, so only a page shorter
  than 1,000 ends the read: R rows cost R // 1,000 + 1 queries. An incremental read
  asks change data capture once; C objects changed since the last read started
  (Tahseel's own notes of the last run count, as they change the invoice) fit one
  answer when C < 1,000. A full answer (1,000) says neither what it left out nor how
  to continue, so C >= 1,000 costs that call plus the C rows as paged queries
  (C // 1,000 + 1). Customers of the invoices read, by ``Id IN (...)``, 1,000 ids a query (a
  query answers at most 1,000 rows). Notes through the batch endpoint, ``BATCH_SIZE``
  invoices a request (several notes on one invoice are one update); a note replaces
  ``PrivateNote`` whole under the invoice's ``SyncToken``, so it needs both as they
  are now: the run's own read has them, and an invoice the run did not read costs a
  read (``Id IN``, 1,000 a query). Payment links cost nothing: ``InvoiceLink`` comes
  with the invoice read. One PDF per email that attaches one; no re-reads.

  Gmail: ``drafts.create`` + ``drafts.send`` per email (the API's own minimum is one
  ``messages.send``, which cannot make a retry safe); one ``threads.get`` per email
  that continues a thread (an invoice emailed in an earlier run: Gmail replaced the
  Message-ID on send and its answer does not say the new one, and References must name
  the ones the customer received); when the run emails, ``messages.batchModify`` once
  per 1,000 sent messages (the Tahseel label; Gmail keeps no user label on a draft,
  and 1,000 ids is the batch maximum) and the daily cap's count of Sent mail,
  ceil(min(S, cap) / 500) ``messages.list`` pages, at least one (S: messages in Sent
  in the 24 hours before the run; cap: the configured ``daily_cap``); a first run's
  reply read is a search and the history id to continue from (``messages.list`` +
  ``getProfile``); a rerun's read pages through every message added since the last
  run's history id, 500 a page, the last run's own drafts and sends included (Gmail's
  history filters by one label only, and a reply may have been filtered out of the
  inbox, so they cannot be left out).

  Twilio: every reminder stage also sends by WhatsApp (the seeded customers each have
  a Saudi mobile), through the Twilio emulator: one ``messages.create`` per text
  message sent (Twilio takes one message a request), and one ``messages.list`` page a
  run for the customers' messages since the last run (100 a page: one page while fewer
  than 100 came in, as here). Settling an uncertain send costs listings too, but no
  run here is interrupted.

  Above the floor by design: in both ledgers, the re-read of every chunk of
  ``REREAD_CHUNK`` (50) reminders just before sending (ARCHITECTURE.md invariant 1);
  in Gmail, the label's id looked up (``labels.list``) when the transport does not
  know it yet, the label created on the first run (``labels.create``), and a first
  run's search for Tahseel's mail already in the mailbox (after a lost state file, a
  message must not go out twice).
- ``calls/floor``: the ratio; ``above floor`` names the operations over their floor.

Targets (PASS/MISS printed per ledger and N): the ledger's reads (list or query
pages, change data capture, customers or contacts, groups) equal the floor; each
service's total within 5% of its floor (ratio <= 1.05). Under each table, every
operation above its floor is named with the reason the code makes it.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import (  # noqa: E402
    SENDER,
    fast_loopback,
    gmail_token,
    moment,
    seed_quickbooks,
    seed_xero,
    size_options,
    table,
    verdict,
    write_config,
)
from connectors.base import Ledger  # noqa: E402
from connectors.errors import LedgerError  # noqa: E402
from connectors.quickbooks import QuickBooksLedger  # noqa: E402
from connectors.quickbooks.ledger import BATCH_SIZE, CDC_MAX, IDS_PER_QUERY, NoteItem  # noqa: E402
from connectors.quickbooks.ledger import PAGE_SIZE as QB_PAGE_SIZE  # noqa: E402
from connectors.xero import XeroLedger  # noqa: E402
from connectors.xero.ledger import IDS_PER_CALL, PAGE_SIZE  # noqa: E402
from mailer.gmail import mailbox as gmail_mailbox  # noqa: E402
from mailer.gmail.api import QuotaBudget  # noqa: E402
from mailer.gmail.auth import load_token  # noqa: E402
from mailer.gmail.transport import GmailTransport  # noqa: E402
from mailer.twilio import TwilioChannel, TwilioCredentials, build_client  # noqa: E402
from sync.config.settings import Settings  # noqa: E402
from sync.run.job import REREAD_CHUNK, Job  # noqa: E402
from sync.run.wiring import build_renderer, build_store  # noqa: E402
from sync.store.ledger_cache import CURSOR  # noqa: E402
from sync.store.store import Store  # noqa: E402
from sync.store.tables import OutboxRow  # noqa: E402
from sync.store.texts import TextLog  # noqa: E402
from tests.emulators.gmail import GmailEmulator  # noqa: E402
from tests.emulators.quickbooks import QuickBooksEmulator  # noqa: E402
from tests.emulators.quickbooks import token_file_for as quickbooks_token  # noqa: E402
from tests.emulators.twilio import TwilioEmulator  # noqa: E402
from tests.emulators.xero import XeroEmulator, token_file_for  # noqa: E402

# history.list's and messages.list's maxResults, the largest Gmail allows.
HISTORY_PAGE = 500
LIST_PAGE = 500
# Ids one messages.batchModify takes, Gmail's maximum.
MODIFY_MAX = 1000
# Messages the transport labels a call (mailer/gmail/mailbox.py; Gmail's maximum if it names none).
LABEL_BATCH = getattr(gmail_mailbox, "LABEL_BATCH", MODIFY_MAX)

LEDGERS = ("xero", "quickbooks")
TWILIO_SENDER = "+15005550006"
TITLES = {"xero": "Xero", "quickbooks": "QuickBooks Online"}
FULL = (1_000, 10_000, 100_000)
QUICK = (200, 1_000)
SMOKE = (60,)
UNLIMITED = 10**9
EMAIL_ACTIONS = ("send_reminder", "resend_invoice", "thank_you", "acknowledge")
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
# QuickBooks routes as the emulator counts them (tests/emulators/quickbooks/routes.py).
# Every query is one route (POST query); it is split by the ledger's own operation
# names below, and the split must add up to the emulator's count.
QUICKBOOKS_NAMES = {
    "GET cdc": "invoices.cdc",
    "POST batch": "invoices.batch (notes)",
    "POST invoice": "invoices.note",
    "GET invoice/{id}": "invoices.read (note)",
    "GET invoice/{id}/pdf": "invoices.pdf",
    "POST token": "token.refresh",
    "GET discovery": "token.discovery",
}
QUICKBOOKS_QUERIES = ("POST query", "GET query")
QUICKBOOKS_QUERY_NAMES = {
    "invoices.query": "invoices.query",
    "invoices.changed": "invoices.changed",
    "customers.query": "customers.query",
    "invoices.paid": "invoices.paid",
    "payments.query": "payments.query",
}
# Operations that read the ledger's data (the "reads" target), by bench name.
READS = {
    "xero": ("invoices.list", "contacts.list", "contact_groups.list", "contact_groups.get"),
    "quickbooks": ("invoices.query", "invoices.changed", "invoices.cdc", "customers.query"),
}


@dataclass
class Run:
    """One run's calls and floors per service, by operation."""

    label: str
    emails: int
    actions: int
    texts: int = 0
    calls: dict[str, Counter[str]] = field(default_factory=dict)
    floor: dict[str, Counter[str]] = field(default_factory=dict)


@dataclass
class Before:
    """What a floor needs to know of the world as a run starts."""

    last_row: int
    emailed: set[str]
    history: int
    sent_24h: int
    cursor: str | None


class BaseWorld(ABC):
    """The Gmail emulator, the configuration and the state store of one ledger size.

    A subclass adds the ledger: its emulator, seeding, calls, floor and changes.
    """

    service: str = ""

    def __init__(self, gmail: GmailEmulator, folder: Path, size: int) -> None:
        self.gmail, self.folder, self.size = gmail, folder, size
        self.contacts = min(300, max(1, size // 3))
        self.gmail_token = gmail_token(folder)
        mailbox = (
            f"mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
            f"  daily_cap: {UNLIMITED}\n  api_url: {gmail.base_url}\n"
            f"  token_uri: {gmail.token_uri}\n"
        )
        self.settings: Settings = write_config(folder, ledger=self.ledger_block(), mailbox=mailbox)
        self.store: Store = build_store(self.settings)
        self.renderer = build_renderer(self.settings)

    # -- the ledger's part ------------------------------------------------------------

    @abstractmethod
    def ledger_block(self) -> str:
        """The configuration's ``ledger:`` block."""

    @abstractmethod
    def ledger(self) -> Ledger:
        """A fresh ledger, as ``build_ledger`` makes one, with the rate limits lifted."""

    @abstractmethod
    def ledger_counts(self) -> Counter[str]:
        """The ledger emulator's per-route counters, as they are now."""

    @abstractmethod
    def ledger_calls(self, routes: Counter[str], job: Job) -> Counter[str]:
        """This run's ledger calls by operation, from the emulator's route counts."""

    @abstractmethod
    def ledger_floor(self, new: list[OutboxRow], before: Before, job: Job) -> Counter[str]:
        """The fewest ledger calls for what this run did."""

    @abstractmethod
    def change(self, share: float, seed: int = 1) -> int:
        """Pay half of ``share`` of the invoices in full and part-pay the other half."""

    def note_read(self) -> None:  # noqa: B027 - a hook
        """Learn, as a run starts, what it will read (for the floor)."""

    def started(self, hour: int) -> datetime:
        """The ledger's clock as the run at ``hour`` starts (the next read begins here)."""
        return datetime.now(UTC)

    # -- shared -----------------------------------------------------------------------

    def text_through(self, twilio: TwilioEmulator) -> None:
        """Send every reminder stage also by WhatsApp, through the Twilio emulator."""
        self.twilio = twilio
        os.environ.update(twilio.environ())
        sid = twilio.add_template("Invoice {{2}} for {{1}}: {{3}} due {{4}}, pay at {{5}}.").sid
        data = self.settings.model_dump(mode="json", exclude={"source"})
        data["business"]["country"] = "SA"
        stages = [s for s in data["policy"]["stages"] if s["action"] == "email"]
        for stage in stages:
            stage["channels"] = ["email", "whatsapp"]
        data["channels"] = {
            "type": "twilio",
            "api_url": twilio.api_url,
            "whatsapp": {
                "sender": TWILIO_SENDER,
                "templates": {s["name"]: {"en": sid, "ar": sid} for s in stages},
            },
            "max_per_run": UNLIMITED,
            "max_per_day": UNLIMITED,
        }
        self.settings = Settings.model_validate({**data, "source": self.settings.source})

    def channel(self, kind: str) -> TwilioChannel:
        """A Twilio channel as ``build_channel`` makes one, without pacing."""
        client = build_client(TwilioCredentials(), api_url=self.twilio.api_url)
        return TwilioChannel(client, kind="whatsapp", sender=TWILIO_SENDER, per_second=UNLIMITED)

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
        cursor = self.store.cursor(tenant, "replies")
        before = Before(
            last_row=before_rows[-1].id if before_rows else 0,
            emailed={r.invoice_id for r in before_rows if r.action in EMAIL_ACTIONS},
            history=self._history_records(cursor.split(":")[0]) if cursor else 0,
            sent_24h=self._sent_in_last_day(),
            cursor=self.store.cursor(tenant, CURSOR),
        )
        started = self.started(hour)
        self.note_read()
        ledger_before, gmail_before = self.ledger_counts(), self.gmail.calls.copy()
        twilio_before = self.twilio.calls.copy()
        texts_before = len(TextLog(self.store, tenant).rows())
        job = Job(
            self.settings,
            self.ledger(),
            self.transport(),
            self.store,
            self.renderer,
            moment(hour),
            started_at=started,
            channels=self.channel,
        )
        report = job.run()
        if report.aborted:
            raise SystemExit(f"{self.service} run {label} aborted: {report.aborted}")
        new = [r for r in self.store.rows(tenant) if r.id > before.last_row]
        emails = [r for r in new if r.action in EMAIL_ACTIONS]
        texts = TextLog(self.store, tenant).rows()[texts_before:]
        result = Run(label, len(emails), len(new), texts=len(texts))
        result.calls = {
            self.service: self.ledger_calls(self.ledger_counts() - ledger_before, job),
            "gmail": +(self.gmail.calls - gmail_before),
            "twilio": +(self.twilio.calls - twilio_before),
        }
        result.floor = {
            self.service: self.ledger_floor(new, before, job),
            "gmail": _gmail_floor(
                len(emails),
                continuing=sum(1 for r in emails if r.invoice_id in before.emailed),
                first=before.last_row == 0,
                history=before.history,
                sent_24h=before.sent_24h,
                cap=UNLIMITED,
            ),
            # One create a message; one page of the customers' messages since the last run.
            "twilio": Counter(
                {"messages.create": sum(1 for t in texts if t.status == "sent"), "messages.list": 1}
            ),  # fmt: skip
        }
        return result

    def _history_records(self, start: str) -> int:
        """Messages added to the mailbox since the history id a run continues from.

        Counted as the reply reader asks (``historyTypes=messageAdded``): they include
        the previous run's own drafts and sends, which Gmail's history cannot leave out
        (it filters by one label only, and a reply may sit outside the inbox).
        """
        return sum(1 for r in self.gmail.mailbox.history_since(int(start)) if "messagesAdded" in r)

    def _sent_in_last_day(self) -> int:
        """Messages in Sent dated within the 24 hours before now (the daily cap's count)."""
        since_ms = (self.gmail.mailbox.clock() - 86_400) * 1000
        return sum(1 for m in self.gmail.sent() if m.internal_date > since_ms)

    def pdf_floor(self, new: list[OutboxRow]) -> int:
        """One PDF per email that attaches one."""
        stages = {s.name for s in self.settings.policy.stages if s.attach_pdf}
        return sum(
            1
            for r in new
            if r.action in EMAIL_ACTIONS and (r.action == "resend_invoice" or r.stage in stages)
        )


class XeroWorld(BaseWorld):
    """Xero: the emulated organisation and the ledger over it."""

    service = "xero"

    def __init__(self, xero: XeroEmulator, gmail: GmailEmulator, folder: Path, size: int) -> None:
        self.xero = xero
        super().__init__(gmail, folder, size)
        self.ids = seed_xero(xero.org, size, self.contacts)
        self.xero_token = token_file_for(xero, folder / "xero-token.json")

    def ledger_block(self) -> str:
        """Xero, at the emulator, with no daily limit."""
        xero = self.xero
        return (
            "ledger:\n  type: xero\n  token_file: xero-token.json\n  arabic_group: Arabic\n"
            f"  daily_limit: {UNLIMITED}\n  api_url: {xero.api_url}\n"
            f"  identity_url: {xero.base_url}\n  connections_url: {xero.base_url}\n"
        )

    def ledger(self) -> XeroLedger:
        """A fresh Xero ledger with its own unlimited limiter."""
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

    def started(self, hour: int) -> datetime:
        """Issue the token file afresh as the run starts, as the QuickBooks world does.

        A run at 100,000 invoices outlasts the 30-minute access token; a real run an
        hour after the last would spend one refresh call, whichever run it is, so none
        is counted here.
        """
        token_file_for(self.xero, self.xero_token)
        return super().started(hour)

    def ledger_counts(self) -> Counter[str]:
        """The Xero emulator's route counters."""
        return self.xero.calls.copy()

    def ledger_calls(self, routes: Counter[str], job: Job) -> Counter[str]:
        """Xero calls by operation; re-reads by id told apart by the client's own count."""
        # The emulator counts GET /Invoices once per route; tell the re-reads by id apart
        # with the client's own count (the ledger names them invoices.get).
        rereads = job.ledger.calls.get("invoices.get", 0)
        routes["GET /Invoices"] -= rereads
        routes["GET /Invoices?IDs"] += rereads
        return _named(routes, XERO_NAMES)

    def ledger_floor(self, new: list[OutboxRow], before: Before, job: Job) -> Counter[str]:
        """Xero's floor (see the module's docstring)."""
        floor: Counter[str] = Counter()
        first = before.cursor is None
        # Invoices the run read: all open ones in full, the changed ones incrementally.
        read = job.report.open_invoices if first else self.changed
        floor["invoices.list"] = max(1, math.ceil(read / PAGE_SIZE))
        customers = self.contacts if first else self.changed_customers
        if customers:
            floor["contacts.list"] = math.ceil(customers / IDS_PER_CALL)
            floor["contact_groups.list"] = 1
            floor["contact_groups.get"] = 1
        # One history note per action, and one per text message (it names its channel).
        floor["invoices.note"] = len(new) + sum(job.report.texts.values())
        emailed = {r.invoice_id for r in new if r.action in EMAIL_ACTIONS}
        floor["invoices.online (link)"] = len(emailed - before.emailed)
        floor["invoices.pdf"] = self.pdf_floor(new)
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


World = XeroWorld
"""The Xero world under its older name (``bench/wall_time.py`` builds one)."""


class _NotesCounted(QuickBooksLedger):
    """The QuickBooks ledger, telling the reads its notes need from the job's re-reads.

    Both are ``Id IN (...)`` queries the ledger names ``invoices.get``; the reads made
    inside ``add_notes`` are the notes' own (connectors/quickbooks/notes.py
    ``Notes._load_states``).
    """

    note_reads = 0

    def add_notes(self, items: Sequence[NoteItem]) -> dict[str, LedgerError]:
        """Write the notes; count the ``invoices.get`` queries made meanwhile."""
        before = self.calls.get("invoices.get", 0)
        try:
            return super().add_notes(items)
        finally:
            self.note_reads += self.calls.get("invoices.get", 0) - before


class QuickBooksWorld(BaseWorld):
    """QuickBooks Online: the emulated company and the ledger over it."""

    service = "quickbooks"

    def __init__(
        self, qbo: QuickBooksEmulator, gmail: GmailEmulator, folder: Path, size: int
    ) -> None:
        self.qbo = qbo
        super().__init__(gmail, folder, size)
        self.ids = seed_quickbooks(qbo.company, size, self.contacts)
        self.token = quickbooks_token(qbo, folder / "quickbooks-token.json")
        self.read_ids: set[str] = set()
        self.full = True
        self.hour: int | None = None

    def ledger_block(self) -> str:
        """QuickBooks Online at the emulator; the language in the custom field the tests use."""
        qbo = self.qbo
        return (
            "ledger:\n  type: quickbooks\n  token_file: quickbooks-token.json\n"
            "  language_field: Language\n"
            f"  api_url: {qbo.api_url}\n  discovery_url: {qbo.discovery_url}\n"
        )

    def ledger(self) -> QuickBooksLedger:
        """A fresh QuickBooks ledger with its own unlimited limiter."""
        return _NotesCounted(
            client_id=self.qbo.identity.client_id,
            client_secret=self.qbo.identity.client_secret,
            token_file=self.token,
            api_url=self.qbo.api_url,
            discovery_url=self.qbo.discovery_url,
            language_field="Language",
            per_minute=UNLIMITED,
            concurrent=UNLIMITED,
            batches_per_minute=UNLIMITED,
            clock=lambda: time.monotonic(),  # its own limiter, not the shared one
        )

    def ledger_counts(self) -> Counter[str]:
        """The QuickBooks emulator's route counters."""
        return self.qbo.calls.copy()

    def started(self, hour: int) -> datetime:
        """Move QuickBooks' clock on to the run's hour; return it.

        The runs are hours apart (``moment(hour)``), so the service's clock moves on by
        as much: an incremental read starts ``lag`` (5 minutes) before the last read
        started, and runs seconds apart would read the run before last's notes again.
        The token file is issued afresh at the new time, so no run spends a call on a
        token refresh (a real run an hour later would spend one).
        """
        if self.hour is not None:
            self.qbo.advance((hour - self.hour) * 3600)
        self.hour = hour
        quickbooks_token(self.qbo, self.token)
        return self.qbo.wall()

    def note_read(self) -> None:
        """The invoices this run will read, as the company holds them now.

        A full read (no cursor yet) returns every invoice with a balance; an incremental
        one every invoice changed since the last read started (and deletions).
        """
        cursor = self.store.cursor(self.settings.tenant, CURSOR)
        company = self.qbo.company
        with company.lock:
            if cursor is None:
                self.full = True
                self.read_ids = {i for i, r in company.invoices.items() if r.balance > 0}
            else:
                self.full = False
                since = datetime.fromisoformat(cursor)
                self.read_ids = {i for i, r in company.invoices.items() if r.updated >= since}
                self.read_ids |= {i for i, when in company.deleted.items() if when >= since}

    def ledger_calls(self, routes: Counter[str], job: Job) -> Counter[str]:
        """QuickBooks calls by operation.

        The emulator counts every query as one route; the ledger's own count of each
        query operation splits it (anything left over shows as ``query (unnamed)``).
        The re-reads before sending and the notes' reads are both ``invoices.get``.
        """
        ledger: _NotesCounted = job.ledger  # type: ignore[assignment]
        queries = sum(routes.pop(route, 0) for route in QUICKBOOKS_QUERIES)
        out = _named(routes, QUICKBOOKS_NAMES)
        client = ledger.calls
        for operation, name in QUICKBOOKS_QUERY_NAMES.items():
            out[name] += client.get(operation, 0)
        out["invoices.get (note)"] += ledger.note_reads
        out["invoices.get (re-read)"] += client.get("invoices.get", 0) - ledger.note_reads
        named = sum(client.get(op, 0) for op in (*QUICKBOOKS_QUERY_NAMES, "invoices.get"))
        out["query (unnamed)"] += queries - named
        return +out

    def ledger_floor(self, new: list[OutboxRow], before: Before, job: Job) -> Counter[str]:
        """QuickBooks Online's floor (see the module's docstring)."""
        floor: Counter[str] = Counter()
        company = self.qbo.company
        read = self.read_ids
        if self.full:
            floor["invoices.query"] = len(read) // QB_PAGE_SIZE + 1
        else:
            floor["invoices.cdc"] = 1
            if len(read) >= CDC_MAX:  # a full answer: every change read again, paged
                floor["invoices.changed"] = len(read) // QB_PAGE_SIZE + 1
        customers = {company.invoices[i].customer_id for i in read if i in company.invoices}
        if customers:
            floor["customers.query"] = math.ceil(len(customers) / IDS_PER_QUERY)
        noted = {r.invoice_id for r in new}
        if noted:
            floor["invoices.batch (notes)"] = math.ceil(len(noted) / BATCH_SIZE)
        unread = noted - read
        if unread:
            floor["invoices.get (note)"] = math.ceil(len(unread) / IDS_PER_QUERY)
        floor["invoices.pdf"] = self.pdf_floor(new)
        return +floor

    def change(self, share: float, seed: int = 1) -> int:
        """Pay half of ``share`` of the invoices in full and part-pay the other half.

        Each is a Payment the company records (``Company.pay``): the invoice's balance
        and ``LastUpdatedTime`` change, so change data capture reports it.
        """
        rng = random.Random(seed)
        picked = rng.sample(self.ids, max(2, round(len(self.ids) * share)))
        company = self.qbo.company
        for n, invoice_id in enumerate(picked):
            if n % 2 == 0:
                company.pay(invoice_id)
            else:
                part = (company.invoices[invoice_id].balance / 10).quantize(Decimal(1))
                company.pay(invoice_id, part)
        return len(picked)


def _named(counts: Counter[str], names: dict[str, str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for route, n in counts.items():
        if n > 0:
            out[names.get(route, route)] += n
    return out


def _gmail_floor(
    emails: int,
    *,
    continuing: int,
    first: bool,
    history: int = 0,
    sent_24h: int = 0,
    cap: int = UNLIMITED,
) -> Counter[str]:
    """Gmail's floor for a run that sent ``emails``, ``continuing`` of them into threads.

    Args:
        emails: Emails the run sent.
        continuing: Those whose invoice had an email in an earlier run.
        first: The first run (no runs on record).
        history: Messages added since the last run's history id (a rerun's reply read).
        sent_24h: Messages in Sent in the 24 hours before the run.
        cap: The configured ``daily_cap``.
    """
    floor: Counter[str] = Counter({"drafts.create": emails, "drafts.send": emails})
    floor["threads.get"] = continuing
    if emails:
        floor["messages.batchModify"] = math.ceil(emails / MODIFY_MAX)
        floor["messages.list"] = max(1, math.ceil(min(sent_24h, cap) / LIST_PAGE))
    if first:  # a search for replies, and the history id to continue from
        floor.update({"messages.list": 1, "getProfile": 1})
    else:  # the history since the last run, 500 records a page
        floor["history.list"] = max(1, math.ceil(history / HISTORY_PAGE))
    return +floor


@contextmanager
def _world(ledger: str, size: int) -> Iterator[BaseWorld]:
    twilio = TwilioEmulator((f"whatsapp:{TWILIO_SENDER}",))
    with GmailEmulator(SENDER) as gmail, twilio, tempfile.TemporaryDirectory() as tmp:
        world: BaseWorld
        if ledger == "xero":
            with XeroEmulator(
                per_minute=UNLIMITED, per_day=UNLIMITED, concurrent=UNLIMITED
            ) as xero:
                world = XeroWorld(xero, gmail, Path(tmp), size)
                world.text_through(twilio)
                yield world
        else:
            with QuickBooksEmulator(
                per_minute=UNLIMITED, concurrent=UNLIMITED, batches_per_minute=UNLIMITED
            ) as qbo:
                world = QuickBooksWorld(qbo, gmail, Path(tmp), size)
                world.text_through(twilio)
                yield world


def measure(size: int, ledger: str = "xero") -> list[Run]:
    """The three runs over a ledger of ``size`` open invoices."""
    with _world(ledger, size) as world:
        runs = [world.run("a first run", 10), world.run("b rerun, unchanged", 12)]
        world.change(0.01)
        runs.append(world.run("c rerun, 1% changed", 14))
        return runs


def rows_of(
    size: int, run: Run, ledger: str
) -> tuple[list[list[object]], dict[str, tuple[int, int]]]:
    """Table rows for one run, and (calls, floor) per service."""
    rows: list[list[object]] = []
    totals: dict[str, tuple[int, int]] = {}
    for service in (ledger, "gmail", "twilio"):
        calls, floor = run.calls[service], run.floor[service]
        total, least = sum(calls.values()), sum(floor.values())
        totals[service] = (total, least)
        above = _above(calls, floor)
        ratio = f"{total / least:.2f}" if least else ("-" if not total else "inf")
        detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        sent = run.texts if service == "twilio" else run.emails
        rows.append([f"{size:,}", run.label, service, sent, total, least, ratio, above, detail])
    return rows, totals


def _above(calls: Counter[str], floor: Counter[str]) -> str:
    over = {k: v - floor.get(k, 0) for k, v in calls.items() if v > floor.get(k, 0)}
    return ", ".join(f"{k} +{v}" for k, v in sorted(over.items())) or "-"


def reads_equal_floor(run: Run, ledger: str = "xero") -> bool:
    """The ledger's read calls (pages, changes, customers, groups) equal their floor."""
    calls, floor = run.calls[ledger], run.floor[ledger]
    return all(calls.get(k, 0) == floor.get(k, 0) for k in READS[ledger])


WHY: dict[str, dict[str, str]] = {
    "xero": {
        "invoices.list": "each list page continues from the newest UpdatedDateUTC read, a "
        "second early (Xero may compare whole seconds), so that an invoice changed during "
        "the scan cannot shift past a page: pages overlap by a row, one more call per 999 "
        "pages' worth; a full page that pagination.pageCount calls the last ends the read",
        "contacts.list": "invoice rows wait up to four pages for their contacts to fill a "
        "batch of 50 ids (connectors/xero/contacts.py Contacts.ready); past that they are "
        "let go with a short batch, which keeps memory bounded",
        "invoices.get (re-read)": "the job re-reads every chunk of "
        f"{REREAD_CHUNK} reminders just before sending (sync/run/context.py REREAD_CHUNK), so "
        "that an invoice paid meanwhile is not chased (ARCHITECTURE.md invariant 1); "
        "thank-yous use the run's own read",
    },
    "quickbooks": {
        "invoices.query": "each page starts OVERLAP (10) rows before the end of the last "
        "one (connectors/quickbooks/query.py Queries.pages), so that an invoice paid during the "
        "scan, which shifts the later rows back, cannot make one skipped; a page reaching "
        "past the end only because of that overlap is one more query",
        "invoices.changed": "change data capture answers at most 1,000 objects and does "
        "not say what it left out, so a full answer is read again as paged queries of "
        "every invoice changed since (connectors/quickbooks/ledger.py _changes); pages "
        "overlap by OVERLAP (10) rows",
        "customers.query": "invoice rows wait up to four pages for their customers to "
        "fill a query of 1,000 ids (connectors/quickbooks/customers.py Customers.ready); "
        "past that they are let go with a short query, which keeps memory bounded",
        "invoices.get (re-read)": "the job re-reads every chunk of "
        f"{REREAD_CHUNK} reminders just before sending (sync/run/context.py REREAD_CHUNK), so "
        "that an invoice paid meanwhile is not chased (ARCHITECTURE.md invariant 1); "
        "QuickBooks would take up to 1,000 ids a query, but the chunk keeps each re-read "
        f"at most {REREAD_CHUNK} sends ahead of its send; thank-yous use the run's own read",
        "invoices.get (note)": "a note needs the invoice's SyncToken and PrivateNote as "
        "they are now; those not in the ledger object's reads are read, 1,000 a query "
        "(connectors/quickbooks/notes.py Notes._load_states)",
        "invoices.batch (notes)": "a batch item refused as stale (fault 5010: another "
        "writer changed the invoice) is read again and sent in a further batch",
        "invoices.note": "a note written outside the run's batch (a reply's pause, or a "
        "note a crash left unwritten) is one sparse update",
        "invoices.read (note)": "a single note on an invoice this ledger object has not "
        "read reads it first for its SyncToken",
    },
    "gmail": {
        "messages.batchModify": f"sent messages are labelled Tahseel {LABEL_BATCH} to a "
        "call (mailer/gmail/mailbox.py LABEL_BATCH; Gmail takes 1,000) as the run goes; "
        "Gmail keeps no user label on a draft, so the label cannot travel with the send",
        "threads.get": "an email that continues a thread reads the thread for the "
        "Message-IDs Gmail gave its earlier messages, which References must name",
        "messages.list": "a first run asks once whether the mailbox already holds "
        "Tahseel's mail (GmailTransport.has_sent_mail; after a lost state file each "
        "message is looked up before it is sent, so nothing goes out twice)",
        "history.list": "the reply read pages through the history of Tahseel's own "
        "drafts and sends (historyTypes=messageAdded; Gmail filters history by one label "
        "only, and filtering on INBOX would miss replies a filter archived), 500 records "
        "a page",
        "labels.list": "the Tahseel label's id is looked up when the transport does not "
        "know it yet (mailer/gmail/mailbox.py label_id)",
        "labels.create": "the label is created on the first run",
        "getProfile": "the history id to continue from is asked for again",
    },
}


def report(ledger: str, sizes: Sequence[int]) -> str:
    """Measure ``ledger`` at each size; return its table, PASS/MISS lines and reasons."""
    headers = [
        "N",
        "run",
        "service",
        "emails/texts",
        "calls",
        "floor",
        "calls/floor",
        "above floor",
        "calls by operation",
    ]
    rows: list[list[object]] = []
    checks: list[tuple[str, bool]] = []
    above: dict[str, set[str]] = {ledger: set(), "gmail": set(), "twilio": set()}
    for size in sizes:
        start = time.perf_counter()
        for run in measure(size, ledger):
            more, totals = rows_of(size, run, ledger)
            rows += more
            checks.append(
                (f"N={size:,} {run.label}: {ledger} reads = floor", reads_equal_floor(run, ledger))
            )
            for service, (total, least) in totals.items():
                ok = total <= 1.05 * least if least else total == 0
                checks.append((f"N={size:,} {run.label}: {service} total <= 1.05 x floor", ok))
            for service in (ledger, "gmail", "twilio"):
                calls, floor = run.calls[service], run.floor[service]
                above[service].update(k for k, v in calls.items() if v > floor.get(k, 0))
        took = time.perf_counter() - start
        print(f"  ({TITLES[ledger]}, N={size:,} measured in {took:.0f} s)", file=sys.stderr)
    out = [f"{TITLES[ledger]} + Gmail + Twilio: API calls beside the floor", ""]
    out += [table(headers, rows), ""]
    out += [f"{verdict(ok)}  {TITLES[ledger]} {name}" for name, ok in checks]
    reasons = [
        f"- {service} {key}: {WHY.get(service, {}).get(key, 'no reason recorded')}"
        for service in (ledger, "gmail", "twilio")
        for key in sorted(above[service])
    ]
    if reasons:
        out += ["", "above the floor, and why:", *reasons]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Print one table per ledger; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    chosen = size_options(parser, FULL, QUICK, SMOKE)
    parser.add_argument(
        "--ledgers",
        nargs="+",
        choices=LEDGERS,
        default=list(LEDGERS),
        help="ledgers to measure, each with its own table (default: both)",
    )
    args = parser.parse_args(argv)
    fast_loopback()
    sizes = chosen(args)
    ledgers = [name for name in LEDGERS if name in args.ledgers]
    for n, ledger in enumerate(ledgers):
        print(("\n\n" if n else "") + report(ledger, sizes), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

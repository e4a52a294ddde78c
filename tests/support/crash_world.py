"""One business for the crash sweep: a ledger emulator, the Gmail emulator, a config, a state store.

``World`` seeds a random ledger and runs the real job in a child forked from this
process: to the end (``run``), as a dry run that reports the plan (``planned``), or
armed to die by SIGKILL at a named point (``crash``). It then counts what the
emulators hold: every message in Gmail's Sent folder (``delivered``) and every note
the ledger applied (``notes``).

A child runs against the emulators served from this process's threads, so a run costs
no interpreter start and no imports. Everything it touches (ledger client, transport,
state engine) is built after the fork, in the child, and dies with it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time as _time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from connectors import tokens
from connectors.limits import ScaledClock
from connectors.quickbooks import mapping as qb_mapping
from mailer.gmail.api import QuotaBudget
from mailer.gmail.auth import load_token
from mailer.gmail.transport import GmailTransport
from mailer.render import Renderer
from sync.config.loader import load_settings
from sync.config.services import GmailSettings
from sync.config.settings import Settings
from sync.errors import RunLocked
from sync.run import faults
from sync.run import job as job_module
from sync.run.checks import check_templates
from sync.run.job import Job
from sync.run.outbound import rung_key
from sync.run.wiring import build_ledger, build_renderer, build_store
from tests.emulators.gmail import GmailEmulator
from tests.emulators.quickbooks import QuickBooksEmulator
from tests.emulators.xero import XeroEmulator

ZONE = ZoneInfo("Asia/Riyadh")
_parse = BytesParser(policy=policy.default).parsebytes
SENDER = "accounts@nakheel.example"
FAST = ScaledClock(100.0)
OFFSETS = (-3, 0, 1, 8, 15, 22, 30, 45)
"""Days past due at which the sweep's policy has a rung (courtesy ... escalate)."""

JOB_POINTS = faults.POINTS
TOKEN_POINTS = tokens.FAILPOINTS
SERVER_POINTS = ("gmail_accepted", "note_applied")
"""Kills by the emulators: after Gmail stored the sent message, after the ledger
stored the note; in both the run dies before it hears the answer."""

REPLIES = {
    "invoice_not_received": "Hello, I never received the invoice. Could you send it again?",
    "already_paid": "We already paid this invoice last week by bank transfer.",
    "promise_to_pay": "We will pay this invoice on {promised}. Thank you.",
}

_CONFIG = """\
mode: live
business:
  name: {business}
  timezone: Asia/Riyadh
ledger:
{ledger}
sender:
  name: {business} - Accounts
  email: {sender}
mailbox:
  type: gmail
  token_file: gmail-token.json
  api_url: {gmail_url}
  token_uri: {gmail_token_uri}
state:
  url: {state_url}
calendar:
  weekend: [friday, saturday]
  holidays: [2026-12-02, 2027-02-22]
  send_window: {{start: "08:00", end: "18:00"}}
policy:
  min_days_between: 1
  stages:
    - {{name: courtesy, offset_days: -3}}
    - {{name: due, offset_days: 0}}
    - {{name: overdue, offset_days: 1}}
    - {{name: weekly, offset_days: 8, repeat_every_days: 7, repeat_limit: 2}}
    - {{name: final, offset_days: 30, attach_pdf: true}}
    - {{name: escalate, offset_days: 45, action: escalate}}
  thank_you: {{enabled: true}}
safety:
  max_emails_per_run: 500
  max_share_of_open: 1.0
  max_growth: 100
  floor: 500
"""


class SimClock:
    """Gmail's clock, set to each run's moment: replies and sends get the story's dates.

    Between two ``set`` calls it runs on with real time, so stamps keep increasing.
    """

    def __init__(self) -> None:
        self.set(datetime.now(UTC))

    def set(self, moment: datetime) -> None:
        """From now on, the time is ``moment`` (plus what passes)."""
        self._base, self._real = moment.timestamp(), _time.monotonic()

    def __call__(self) -> float:
        return self._base + (_time.monotonic() - self._real)


_RENDERERS: dict[tuple[str, ...], Renderer] = {}


def renderer(settings: Settings) -> Renderer:
    """The renderer of these settings; one per template setup, so templates compile once."""
    key = (str(settings.templates), settings.language.digits)
    if key not in _RENDERERS:
        _RENDERERS[key] = build_renderer(settings)
        assert not check_templates(settings, _RENDERERS[key])
    return _RENDERERS[key]


def warm_up(folder: Path) -> None:
    """Run each ledger's story once in this process, so forked runs start warm.

    A child inherits what this process has loaded, compiled and cached (templates, the
    Gmail API's method table, the SDKs' lazy imports) and would otherwise rebuild it
    in every run, then throw it away.
    """
    for kind in ("xero", "quickbooks"):
        with World(folder / kind, kind, f"Warm {kind}") as world:
            for name, value in world.credentials():
                os.environ[name] = value
            day = date(2026, 11, 23)
            world.seed(random.Random(0), 6, day)
            job = world.job(world.moment(day))
            job.ledger.fetch_pdf(next(iter(job.ledger.list_open_invoices())))
            job.run()
            job.store.engine.dispose()


def scratch_folder() -> Path | None:
    """A folder in memory (tmpfs) for SQLite state, when the machine has one.

    Each step of a run commits; on a disk every commit waits for fsync. A kill -9
    loses nothing the page cache holds, so memory is as good a place for this sweep.
    """
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


class Planned(NamedTuple):
    """One action of a plan, as the sweep compares it."""

    number: str
    stage: str
    cycle: int
    action: str


@dataclass
class Outcome:
    """What became of one forked run: its wait status, plan and report (if it got there)."""

    point: str | None
    hit: int
    status: int = 0
    plan: list[Planned] | None = None
    report: dict[str, Any] | None = None

    @property
    def killed(self) -> bool:
        """Whether the run died by SIGKILL."""
        return os.WIFSIGNALED(self.status) and os.WTERMSIG(self.status) == signal.SIGKILL


@dataclass
class World:
    """One business for one trial; use as a context manager.

    Args:
        folder: An empty folder for the config, tokens and SQLite state.
        kind: ``xero`` or ``quickbooks``.
        name: The business name (the state store's tenant; unique per trial).
        state_url: The state store, ``None`` for SQLite in ``folder``.
    """

    folder: Path
    kind: str
    name: str
    state_url: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    clock: SimClock = field(default_factory=lambda: SimClock())
    lock_waits: int = 0

    def __enter__(self) -> World:
        self.gmail = GmailEmulator(SENDER, clock=self.clock).start()
        self.ledger: Any = XeroEmulator() if self.kind == "xero" else QuickBooksEmulator()
        self.ledger.__enter__()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = self.folder / "tahseel.yaml"
        self.config.write_text(self._config_text(), encoding="utf-8")
        self._write_gmail_token()
        self.write_ledger_token(expired=False)
        self.settings: Settings = load_settings(self.config)
        return self

    def __exit__(self, *exc: object) -> None:
        self.gmail.stop()
        self.ledger.__exit__(*exc)

    # -- the business -------------------------------------------------------------------

    def seed(
        self, rng: random.Random, size: int, day: date, customers_count: int | None = None
    ) -> None:
        """Open invoices due around ``day``, most on a rung of the ladder, one due today.

        They belong to ``customers_count`` customers in turn, else to half as many
        customers as invoices, chosen at random.
        """
        customers = []
        for n in range(customers_count or max(1, size // 2)):
            arabic = rng.random() < 0.4
            emails = [f"ap{n}@customer{n}.example"]
            if rng.random() < 0.3:
                emails.append(f"owner{n}@customer{n}.example")
            name = f"مؤسسة العميل {n}" if arabic else f"Customer {n} Ltd"
            customers.append(self._add_customer(name, emails, arabic))
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        for n in range(size):
            offset = rng.choice(OFFSETS) if rng.random() < 0.8 else rng.randint(-6, 50)
            if n == 0:  # one invoice with a rung due on the day, and on the days before
                offset = rng.choice((0, 1))
            due = day - timedelta(days=offset)
            amount = f"{rng.randint(5, 9000)}.{rng.randint(0, 99):02d}"
            number = f"INV-{n + 1:03d}"
            customer = rng.choice(customers)  # drawn either way, so the draws stay as they were
            customer = customers[n % len(customers)] if customers_count else customer
            self.ids[number] = self._add_invoice(number, customer, amount, due, hour_ago)

    def _add_customer(self, name: str, emails: list[str], arabic: bool) -> str:
        if self.kind == "xero":
            org = self.ledger.org
            return str(org.add_contact(name, emails[0], groups=("Arabic",) if arabic else ()))
        fields = {"Language": "ar"} if arabic else {}
        return str(self.ledger.company.add_customer(name, *emails, fields=fields))

    def _add_invoice(
        self, number: str, customer: str, amount: str, due: date, updated: datetime
    ) -> str:
        issued = due - timedelta(days=30)
        if self.kind == "xero":
            return str(
                self.ledger.org.add_invoice(
                    number, customer, amount, due_date=due, issued=issued, updated=updated
                )
            )
        company = self.ledger.company
        return str(company.add_invoice(number, customer, amount, due=due, issued=issued))

    def pay(self, number: str) -> None:
        """The customer pays the whole invoice."""
        target = self.ledger.org if self.kind == "xero" else self.ledger.company
        target.pay(self.ids[number])

    def reply(
        self,
        rng: random.Random,
        day: date,
        *,
        intents: tuple[str, ...] = tuple(sorted(REPLIES)),
        share: float = 0.6,
    ) -> dict[str, str]:
        """Customers answer about ``share`` of the reminders, each in its thread.

        Returns:
            What each invoice's customer meant, by invoice number.
        """
        answered: dict[str, str] = {}
        for stored in self.gmail.sent():
            number = stored.header("X-Tahseel-Invoice")
            if not number or number in answered or rng.random() >= share:
                continue
            intent = rng.choice(intents)
            promised = day + timedelta(days=rng.randint(3, 20))
            sent = _parse(stored.raw)
            message = EmailMessage()
            message["From"] = sent["To"].addresses[0].addr_spec
            message["To"] = SENDER
            message["Subject"] = f"Re: {sent['Subject']}"
            message["Message-ID"] = f"<reply-{number}-{rng.random():.8f}@customer.example>"
            message["In-Reply-To"] = stored.header("Message-ID")
            message["References"] = stored.header("Message-ID")
            moment = datetime.combine(day, time(15, 0), tzinfo=ZONE)
            self.clock.set(moment)
            message["Date"] = format_datetime(moment)
            message.set_content(REPLIES[intent].format(promised=promised.isoformat()))
            self.gmail.deliver(message.as_bytes())
            answered[number] = intent
        return answered

    # -- runs -----------------------------------------------------------------------------

    def moment(self, day: date) -> datetime:
        """When a run on ``day`` happens: two hours into the send window."""
        start = self.settings.calendar.send_window.start
        return datetime.combine(day, start, tzinfo=ZONE) + timedelta(hours=2)

    def job(self, now: datetime, *, dry_run: bool = False) -> Job:
        """The job ``tahseel run`` would run at ``now``, built from the config."""
        settings = self.settings
        return Job(
            settings,
            build_ledger(settings),
            self._transport(settings),
            build_store(settings),
            renderer(settings),
            now,
            dry_run=dry_run,
            started_at=datetime.now(UTC),
        )

    def _transport(self, settings: Settings) -> GmailTransport:
        # As `build_transport` builds it, but Gmail's quota is paced on a clock that runs
        # a hundred times faster: the pacing is not what this sweep is about, and at
        # Gmail's real rate one send takes most of a second.
        box = settings.mailbox
        assert isinstance(box, GmailSettings)
        token_file = settings.resolve(box.token_file)
        return GmailTransport(
            credentials=load_token(token_file, token_uri=box.token_uri),
            token_file=token_file,
            address=settings.sender.email,
            label=box.label,
            daily_cap=box.daily_cap,
            base_url=box.api_url,
            budget=QuotaBudget(clock=FAST.now, sleep=FAST.sleep),
        )

    def run(self, day: date) -> dict[str, Any]:
        """Run on ``day`` to the end (in a child process); return the run's report.

        A killed run's PostgreSQL lock goes when the server notices its connection is
        gone, a moment later; a run that finds it still held is tried again.
        """
        for _ in range(100):
            outcome = self._forked(day)
            assert outcome.status == 0, f"the run failed (status {outcome.status}); see above"
            assert outcome.report is not None
            if not outcome.report.get("locked"):
                return outcome.report
            self.lock_waits += 1
            _time.sleep(0.02)
        raise AssertionError("the run lock was never released")

    def planned(self, day: date) -> list[Planned]:
        """What a run on ``day`` would do, from a dry run of the real job (in a child)."""
        outcome = self._forked(day, dry_run=True)
        assert outcome.status == 0, f"the dry run failed (status {outcome.status}); see above"
        assert outcome.report is not None and outcome.report["aborted"] is None, outcome.report
        return outcome.plan or []

    def crash(self, day: date, point: str, hit: Callable[[list[Planned]], int] | int) -> Outcome:
        """Run on ``day`` in a child that dies by SIGKILL at ``point``, the ``hit``-th time.

        ``hit`` may be a function of the run's own plan, called once the child planned:
        the child waits, so the kill is armed before it takes its first step after
        planning. A point reached before planning needs a number.
        """
        return self._forked(day, point=point, hit=hit)

    def _forked(
        self,
        day: date,
        *,
        dry_run: bool = False,
        point: str | None = None,
        hit: Callable[[list[Planned]], int] | int = 0,
    ) -> Outcome:
        """Run the job in a forked child, talking to it over two pipes.

        The child starts when told, reports its plan as soon as it has one and waits for
        the hit to arm, then reports the run's report. Nothing it built outlives it.
        """
        now = self.moment(day)
        self.clock.set(now)
        down_read, down_write = os.pipe()
        up_read, up_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(down_write)
            os.close(up_read)
            code = 0
            try:
                self._child(now, dry_run, os.fdopen(down_read), up_write)
            except BaseException:
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        os.close(down_read)
        os.close(up_write)
        down = os.fdopen(down_write, "w")
        outcome = Outcome(point, hit if isinstance(hit, int) else 0)
        self._arm(point, pid, outcome.hit, down)
        for line in os.fdopen(up_read):
            message = json.loads(line)
            if "plan" in message:
                outcome.plan = [Planned(*row) for row in message["plan"]]
                if not isinstance(hit, int):
                    outcome.hit = hit(outcome.plan)
                    self._arm(point, pid, outcome.hit, down)
                else:
                    self._arm(None, pid, 0, down)
            else:
                outcome.report = message["report"]
        _, outcome.status = os.waitpid(pid, 0)
        down.close()
        self.gmail.crash.disarm()
        self.ledger.crash.disarm()
        return outcome

    def _arm(self, point: str | None, pid: int, hit: int, down: Any) -> None:
        """Arm the kill at ``point`` (nothing when ``hit`` is 0), then let the child go on."""
        if point in SERVER_POINTS and hit > 0:
            hook = self.gmail.crash if point == "gmail_accepted" else self.ledger.crash
            hook.arm("sent" if point == "gmail_accepted" else "noted", pid, hit)
        down.write(f"{point or '-'} {hit}\n")
        down.flush()

    def _child(self, now: datetime, dry_run: bool, down: Any, up: int) -> None:
        """The child's side: wait for the word, run, say the plan and the report."""

        def tell(key: str, value: Any) -> None:
            data = (json.dumps({key: value}) + "\n").encode()
            while data:
                data = data[os.write(up, data) :]

        def armed() -> None:
            point, hit = down.readline().split()
            if point not in ("-", *SERVER_POINTS) and int(hit) > 0:
                os.environ["TAHSEEL_FAILPOINTS"] = f"{point}={hit}"

        real = job_module.plan

        def spy(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            tell("plan", [(a.invoice.number, a.stage, a.cycle, a.action) for a in result.actions])
            armed()
            return result

        job_module.plan = spy
        faults._hits.clear()
        os.environ.pop("TAHSEEL_FAILPOINTS", None)
        armed()
        try:
            tell("report", self.job(now, dry_run=dry_run).run().to_dict())
        except RunLocked:
            tell("report", {"locked": True})

    # -- what the emulators hold ----------------------------------------------------------

    def delivered(self) -> Counter[tuple[str, str, str]]:
        """Messages in Gmail's Sent folder by (invoice number, stage, cycle).

        An escalation's dossier is counted under its invoice, stage and cycle like a
        customer's message. A notice to a person carries no ``X-Tahseel-*`` headers; it
        is counted by its subject, which names the invoice and what the customer said.
        """
        counted: Counter[tuple[str, str, str]] = Counter()
        for stored in self.gmail.sent():
            number = stored.header("X-Tahseel-Invoice") or stored.header("X-Tahseel-Dossier")
            if number:
                stage, cycle = stored.header("X-Tahseel-Stage"), stored.header("X-Tahseel-Cycle")
                counted[(number, stage, cycle)] += 1
            else:
                counted[("notice", stored.header("Subject"), "")] += 1
        return counted

    def notes(self) -> Counter[str]:
        """Notes the ledger holds, by the key each was written under (the rung key)."""
        counted: Counter[str] = Counter()
        if self.kind == "quickbooks":
            company = self.ledger.company
            for invoice_id in self.ids.values():
                for tag, _ in qb_mapping.note_lines(company.notes(invoice_id)):
                    counted[tag] += 1
            return counted
        org = self.ledger.org
        with org.lock:
            # The ledger scopes each note's idempotency key to its invoice:
            # "tahseel-note-<invoice id>-<rung key>".
            applied = [k[k.find("tahseel:") :] for k in org.idempotent]
            rows = {i: len(org.history.get(i, [])) for i in self.ids.values()}
        counted.update(applied)
        # The emulator applies each key once; a note written without a key, or under a
        # second key, shows as more history rows than keys on the invoice.
        for invoice_id, count in rows.items():
            prefix = self.key_prefix(invoice_id)
            keys = sum(1 for k in applied if k.startswith(prefix))
            if count > keys:
                counted[f"{prefix}unkeyed"] += count - keys
        return counted

    def note_key(self, number: str, stage: str, cycle: str) -> str:
        """The key of a rung's note, as the ledger holds it."""
        key = rung_key(self.settings.tenant, self.ids[number], stage, int(cycle))
        return qb_mapping.note_key(key) if self.kind == "quickbooks" else key

    def key_prefix(self, invoice_id: str) -> str:
        """The start of every rung key of one invoice."""
        return rung_key(self.settings.tenant, invoice_id, "", 0).rsplit(":", 2)[0] + ":"

    # -- setup ----------------------------------------------------------------------------

    def write_ledger_token(self, *, expired: bool) -> None:
        """A token set for the ledger; an expired one makes the next run refresh it."""
        path = self.folder / "ledger-token.json"
        token = self.ledger.issue_token(expires_in=-60 if expired else None)
        path.write_text(json.dumps(token), encoding="utf-8")
        os.chmod(path, 0o600)

    def _write_gmail_token(self) -> None:
        token = {
            "token": "access-1",
            "refresh_token": "refresh-1",
            "client_id": "tahseel-tests",
            "client_secret": "not-a-secret",
            "expiry": (datetime.now(UTC) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        (self.folder / "gmail-token.json").write_text(json.dumps(token), encoding="utf-8")

    def _config_text(self) -> str:
        if self.kind == "xero":
            ledger = (
                "  type: xero\n  token_file: ledger-token.json\n  arabic_group: Arabic\n"
                f"  api_url: {self.ledger.api_url}\n  identity_url: {self.ledger.base_url}\n"
                f"  connections_url: {self.ledger.base_url}"
            )
        else:
            ledger = (
                "  type: quickbooks\n  token_file: ledger-token.json\n"
                "  language_field: Language\n"
                f"  api_url: {self.ledger.api_url}\n  discovery_url: {self.ledger.discovery_url}"
            )
        return _CONFIG.format(
            business=self.name,
            ledger=ledger,
            sender=SENDER,
            gmail_url=self.gmail.base_url,
            gmail_token_uri=self.gmail.token_uri,
            state_url=self.state_url or f"sqlite:///{self.folder / 'state.db'}",
        )

    def credentials(self) -> Iterator[tuple[str, str]]:
        """The environment variables the ledger's client id and secret are read from."""
        prefix = "XERO" if self.kind == "xero" else "QUICKBOOKS"
        yield f"{prefix}_CLIENT_ID", self.ledger.identity.client_id
        yield f"{prefix}_CLIENT_SECRET", self.ledger.identity.client_secret

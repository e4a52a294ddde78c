"""A business under test: a ledger we control, a Maildir, a SQLite state store, and runs.

The model-based suites drive the real job (``sync.run.job.Job``) through this harness: the
ledger is a ``MemoryLedger`` the test edits between runs, mail goes to a real Maildir,
state to a real SQLite file. A crash is simulated in-process by raising ``Crash`` at a
named checkpoint (``sync.run.faults.POINTS``); after one, every object the crashed run held
(state store engine, transport and its index) is thrown away, so nothing in memory
survives into the next run, as after SIGKILL.
"""

from __future__ import annotations

import mailbox
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.models import Contact, Invoice, InvoiceStatus
from mailer.maildir import MaildirTransport
from mailer.transport import Sent
from sync.config.settings import Settings
from sync.run import fees as fees_module
from sync.run import job as job_module
from sync.run import notes as notes_module
from sync.run import outbox as outbox_module
from sync.run import reply_desk, text_replies, texts
from sync.run import statements as statements_module
from sync.run.job import Job
from sync.run.outcome import RunReport
from sync.run.wiring import build_renderer
from sync.store.store import Store
from tests.support.memory_ledger import MemoryLedger

SENDER = "accounts@nakheel.example"
CHECKPOINTED = (
    job_module,
    outbox_module,
    notes_module,
    fees_module,
    reply_desk,
    texts,
    text_replies,
    statements_module,
)
"""The modules that call ``checkpoint``: every point of ``faults.POINTS`` is in one."""


class CountingMaildir(MaildirTransport):
    """The Maildir transport, counting every send call by Message-ID, as a server logs them.

    ``MaildirTransport`` stores a Message-ID once whatever is asked of it; Gmail would
    deliver a second send. The count is what tells a second send apart.
    """

    def __init__(self, path: Path, calls: Counter[str]) -> None:
        super().__init__(path)
        self.calls_by_id = calls

    def send(
        self,
        message: EmailMessage,
        *,
        thread: str | None,
        prepared: Callable[[str], None] | None = None,
    ) -> Sent:
        self.calls_by_id[str(message["Message-ID"])] += 1
        return super().send(message, thread=thread, prepared=prepared)


class RacingLedger(MemoryLedger):
    """A memory ledger where something can happen just before a re-read is answered.

    ``before_reread`` is called (once) with the ids the job re-reads right before it
    mails them: a payment recorded there is the race the re-read exists for.
    """

    def __init__(self) -> None:
        super().__init__()
        self.before_reread: Callable[[Sequence[str]], None] | None = None

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        hook, self.before_reread = self.before_reread, None
        if hook is not None and ids:
            hook(ids)
        return super().get_invoices(ids)


class Crash(BaseException):
    """The process died here (raised at a checkpoint; nothing catches a BaseException)."""


def make_settings(
    folder: Path,
    *,
    timezone: str,
    weekend: tuple[str, ...],
    holidays: tuple[date, ...],
    stages: list[dict[str, Any]],
    min_days_between: int = 1,
    window: tuple[str, str] = ("08:00", "18:00"),
) -> Settings:
    """Live settings for a business mailing into a Maildir under ``folder``.

    The circuit breaker's limits are set out of reach: the suites check the ladder,
    and a breaker trip would only hide what the ladder did.
    """
    return Settings.model_validate(
        {
            "mode": "live",
            "business": {"name": "Nakheel Trading Co.", "timezone": timezone},
            "sender": {"name": "Nakheel Accounts", "email": SENDER},
            "mailbox": {"type": "maildir", "path": str(folder / "mailbox")},
            "state": {"url": f"sqlite:///{folder / 'state.db'}"},
            "calendar": {
                "weekend": list(weekend),
                "holidays": [d.isoformat() for d in holidays],
                "send_window": {"start": window[0], "end": window[1]},
            },
            "policy": {"min_days_between": min_days_between, "stages": stages},
            "safety": {
                "max_emails_per_run": 100_000,
                "max_share_of_open": 1,
                "max_growth": 1000,
                "floor": 100_000,
            },
            "source": folder / "tahseel.yaml",
        }
    )


def with_stages(settings: Settings, stages: list[dict[str, Any]]) -> Settings:
    """The same settings with another ladder (an accountant's policy edit)."""
    data = settings.model_dump(mode="json", exclude={"source"})
    data["policy"]["stages"] = stages
    return Settings.model_validate({**data, "source": settings.source})


@dataclass(frozen=True)
class Mail:
    """One message in ``.Sent``, as the suites look at it."""

    key: str
    invoice: str | None
    stage: str | None
    cycle: int | None
    at: datetime
    to: tuple[str, ...]
    message_id: str
    in_reply_to: str | None
    has_pdf: bool
    dossier: str | None = None
    """The invoice number of an escalation's dossier (a mail to the business's people)."""
    listed: tuple[str, ...] = ()
    """The invoice numbers a customer's statement lists (``grouping: customer``)."""


class World:
    """One business: ledger, mailbox, state store, and the runs made on them."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.settings = settings
        self.ledger = RacingLedger()
        self.renderer = build_renderer(settings)
        self.mailbox_path = folder / "mailbox"
        self._store: Store | None = None
        self._transport: MaildirTransport | None = None
        self._seen: dict[str, Mail] = {}
        self.send_calls: Counter[str] = Counter()
        self._parse = BytesParser(policy=email_policy.default).parsebytes
        MaildirTransport(self.mailbox_path)  # create the Maildir and its .Sent

    # -- the parts a process holds; dropped on a crash ------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.state_url)
        return self._store

    @property
    def transport(self) -> MaildirTransport:
        if self._transport is None:
            self._transport = CountingMaildir(self.mailbox_path, self.send_calls)
        return self._transport

    def forget_process(self) -> None:
        """Drop everything a run's process held, as its death would."""
        if self._store is not None:
            self._store.engine.dispose()
        self._store, self._transport = None, None

    # -- runs -----------------------------------------------------------------------------

    def run(
        self,
        now: datetime,
        *,
        crash_at: tuple[str, int] | None = None,
        at_point: tuple[str, Callable[[], None]] | None = None,
        dry_run: bool = False,
    ) -> RunReport | None:
        """Run the job at ``now``; None when it crashed at ``crash_at`` (point, hit).

        ``at_point`` calls a function when the run reaches a checkpoint (the first
        time), e.g. to pay an invoice while the run is under way.
        """
        job = Job(
            self.settings,
            self.ledger,
            self.transport,
            self.store,
            self.renderer,
            now,
            dry_run=dry_run,
        )
        try:
            with _checkpoints(crash_at, at_point):
                return job.run()
        except Crash:
            self.forget_process()
            return None

    # -- the mailbox ----------------------------------------------------------------------

    def sent_twice(self) -> list[str]:
        """Message-IDs the job asked the transport to send more than once."""
        return [mid for mid, n in self.send_calls.items() if n > 1]

    def sent(self) -> list[Mail]:
        """Every message in ``.Sent``, oldest first (by Date, then by order of reading)."""
        box = mailbox.Maildir(self.mailbox_path, factory=None, create=False)
        folder = box.get_folder("Sent")
        for key in folder.keys():
            if key not in self._seen:
                self._seen[key] = self._mail(key, folder.get_bytes(key))
        return sorted(self._seen.values(), key=lambda m: m.at)

    def _mail(self, key: str, data: bytes) -> Mail:
        msg = self._parse(data)
        assert isinstance(msg, EmailMessage)
        cycle = msg.get("X-Tahseel-Cycle")
        to = tuple(a.addr_spec for a in msg["To"].addresses) if msg["To"] else ()
        pdf = any(p.get_content_type() == "application/pdf" for p in msg.walk())
        return Mail(
            key=key,
            invoice=str(msg["X-Tahseel-Invoice"]) if msg["X-Tahseel-Invoice"] else None,
            stage=str(msg["X-Tahseel-Stage"]) if msg["X-Tahseel-Stage"] else None,
            cycle=int(str(cycle)) if cycle is not None else None,
            at=msg["Date"].datetime,
            to=to,
            message_id=str(msg["Message-ID"]),
            in_reply_to=str(msg["In-Reply-To"]) if msg["In-Reply-To"] else None,
            has_pdf=pdf,
            dossier=str(msg["X-Tahseel-Dossier"]) if msg["X-Tahseel-Dossier"] else None,
            listed=tuple(str(msg["X-Tahseel-Statement"]).split(", "))
            if msg["X-Tahseel-Statement"]
            else (),
        )

    def reply(
        self,
        number: str,
        text: str,
        at: datetime,
        *,
        serial: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Deliver a customer's answer to the latest message about invoice ``number``."""
        ours = [m for m in self.sent() if m.invoice == number]
        last = ours[-1]
        msg = EmailMessage()
        msg["From"] = last.to[0]
        msg["To"] = SENDER
        msg["Subject"] = "Re: your invoice"
        msg["Message-ID"] = f"<reply-{serial}-{number}@customer.example>"
        msg["In-Reply-To"] = last.message_id
        msg["References"] = last.message_id
        msg["Date"] = at
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(text)
        MaildirTransport(self.mailbox_path).deliver(msg)

    # -- the ledger -----------------------------------------------------------------------

    def add_invoice(
        self,
        number: str,
        due: date,
        at: datetime,
        amount: str = "1000.00",
        currency: str = "SAR",
        contact: Contact | None = None,
    ) -> Invoice:
        """Issue an invoice in the ledger at ``at`` (to a customer of its own, unless given)."""
        inv = Invoice(
            id=f"id-{number}",
            number=number,
            contact=contact
            or Contact(
                f"c-{number}",
                f"Customer {number}",
                (f"{number.lower()}@example.com",),
                # A Saudi mobile of its own, for the suites that text (WhatsApp, SMS).
                phones=(f"050{sum(map(ord, number)) % 10_000_000:07d}",),
            ),
            currency=currency,
            total=Decimal(amount),
            amount_due=Decimal(amount),
            issue_date=min(due, at.date()) - timedelta(days=1),
            due_date=due,
            status=InvoiceStatus.OPEN,
            updated_at=at,
        )
        self.ledger.invoices[inv.id] = inv
        return inv

    def invoice(self, number: str) -> Invoice:
        return self.ledger.invoices[f"id-{number}"]

    def change(self, number: str, at: datetime, **fields: Any) -> Invoice:
        """Edit an invoice in the ledger at ``at`` (a payment, a void, a new due date)."""
        inv = replace(self.invoice(number), updated_at=at, **fields)
        self.ledger.invoices[inv.id] = inv
        return inv

    def pay(self, number: str, amount: Decimal, at: datetime) -> Invoice:
        """Record a payment (or a credit note) of ``amount``; settled in full it is paid."""
        inv = self.invoice(number)
        left = max(inv.amount_due - amount, Decimal(0))
        status = InvoiceStatus.PAID if left == 0 else inv.status
        return self.change(number, at, amount_due=left, status=status)


@contextmanager
def _checkpoints(
    crash_at: tuple[str, int] | None, at_point: tuple[str, Callable[[], None]] | None
) -> Iterator[None]:
    """Make the job's checkpoints crash or call back, for the duration of one run."""
    hits: dict[str, int] = {}
    fired: set[str] = set()

    def checkpoint(name: str) -> None:
        hits[name] = hits.get(name, 0) + 1
        if at_point is not None and name == at_point[0] and name not in fired:
            fired.add(name)
            at_point[1]()
        if crash_at is not None and name == crash_at[0] and hits[name] == crash_at[1]:
            raise Crash(f"{name} #{hits[name]}")

    saved = [module.checkpoint for module in CHECKPOINTED]
    for module in CHECKPOINTED:
        module.checkpoint = checkpoint  # type: ignore[assignment]
    try:
        yield
    finally:
        for module, real in zip(CHECKPOINTED, saved, strict=True):
            module.checkpoint = real  # type: ignore[assignment]


def scratch_folder() -> Path:
    """A new empty folder, in memory (``/dev/shm``) where there is one.

    The suites make hundreds of runs, and every commit of the state store and every
    stored message is fsynced; on tmpfs an fsync costs nothing, the code is the same.
    """
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="tahseel-model-", dir=where))


def local(day: date, hour: int, minute: int = 0, *, zone: str) -> datetime:
    """An aware moment at a local wall-clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))

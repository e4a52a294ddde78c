"""``tahseel doctor``: a read-only preflight of one organisation's ledger, mailbox and store.

``tahseel check`` looks at the files; the doctor also asks the services, reading only:
nothing is sent, no note is written, no label is made. Each check is a ``Line``; the
services' own checks (the token and its scopes, the organisation, the calls left, the
sender) come from the optional ``Preflight`` protocol of the ledger and the transport,
and from the text channels' preflight (Twilio: the account, the sender, each WhatsApp
template approved); the generic ones (the open invoices, a payment link, the state
store) are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from connectors.base import Ledger
from connectors.base import Preflight as LedgerPreflight
from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.errors import MailError
from mailer.render import Renderer
from mailer.transport import Preflight as TransportPreflight
from mailer.transport import Transport
from sync.config.channels import TEXT_CHANNELS
from sync.config.policies import every_stage
from sync.config.services import MaildirSettings
from sync.config.settings import Settings
from sync.errors import StateError, SyncError
from sync.run import checks
from sync.run.wiring import build_channel, build_ledger, build_store, build_transport

Verdict = Literal["ok", "warn", "fail"]

NAMES = {"csv": "CSV file", "xero": "Xero", "quickbooks": "QuickBooks Online"}
NAMES |= {"maildir": "Maildir", "gmail": "Gmail"}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the checklist.

    Attributes:
        part: What was examined: ``setup``, ``ledger``, ``mailbox``, ``channels`` or
            ``state store``.
        what: The check, e.g. ``token`` or ``open invoices``.
        verdict: ``ok``; ``warn`` (a run works, but look); ``fail`` (a run would not).
        says: What was found; for ``warn`` and ``fail``, also what to do.
    """

    part: str
    what: str
    verdict: Verdict
    says: str


def examine(settings: Settings, renderer: Renderer, today: date) -> Iterator[Line]:
    """Every check of one organisation, in the order a person would fix them.

    Args:
        settings: The organisation's validated settings.
        renderer: Its templates.
        today: The business's date, to count the overdue invoices.
    """
    ledger_ok, mailbox_ok = True, True
    untried = "not tried: fix its settings first"
    problems = checks.check_templates(settings, renderer)
    for line in problems:
        yield Line("setup", "templates", "fail", f"{line}; `tahseel check` shows them all")
    for line in checks.check_ledger_settings(settings):
        ledger_ok = False
        yield Line("setup", "ledger settings", "fail", line)
    for line in checks.check_mailbox_settings(settings):
        mailbox_ok = False
        yield Line("setup", "mailbox settings", "fail", line)
    if not problems and ledger_ok and mailbox_ok:
        yield Line("setup", "configuration", "ok", f"{settings.source}: settings and templates")
    ledger = NAMES.get(settings.ledger.type, settings.ledger.type)
    if ledger_ok:
        yield from _ledger(f"ledger ({ledger})", settings, today)
    else:
        yield Line(f"ledger ({ledger})", "connection", "fail", untried)
    mailbox = NAMES.get(settings.mailbox.type, settings.mailbox.type)
    if mailbox_ok:
        yield from _mailbox(f"mailbox ({mailbox})", settings)
    else:
        yield Line(
            f"mailbox ({mailbox})", "connection", "fail", "not tried: fix its settings first"
        )
    yield from _channels(settings)
    yield _store(settings)


def _ledger(part: str, settings: Settings, today: date) -> Iterator[Line]:
    try:
        ledger = build_ledger(settings)
    except (SyncError, LedgerError) as exc:
        yield Line(part, "connection", "fail", str(exc))
        return
    if isinstance(ledger, LedgerPreflight):
        try:
            own = list(_own_checks(part, ledger.preflight()))
        except LedgerError as exc:
            own = [Line(part, "connection", "fail", str(exc))]
        yield from own
        if any(line.verdict == "fail" for line in own):
            yield Line(part, "open invoices", "fail", "not read: fix the lines above first")
            return
    try:
        invoices = [i for i in ledger.list_open_invoices() if i.is_open]
    except LedgerError as exc:
        yield Line(part, "open invoices", "fail", f"cannot be read: {exc}")
        return
    yield _count(part, invoices, today)
    if ledger.problems:
        first = ledger.problems[0]
        yield Line(
            part,
            "unreadable rows",
            "warn",
            f"{len(ledger.problems)} cannot be read, e.g. {first}; a run skips them and"
            " lists them in its summary",
        )
    pdf_problems = getattr(ledger, "pdf_problems", None)  # a CSV row's own PDF (pdf_path)
    missing = pdf_problems() if callable(pdf_problems) else []
    if missing:
        yield Line(
            part,
            "invoice PDFs",
            "fail",
            f"{len(missing)} cannot be attached, e.g. {missing[0]}; a run skips those"
            " invoices at a stage that attaches the PDF",
        )
    yield from _payment_link(part, settings, ledger, invoices)
    if ledger.calls:
        used = sum(ledger.calls.values())
        yield Line(part, "calls used", "ok", f"{used} API call(s) made by these checks")


def _own_checks(part: str, found: Iterable[tuple[str, Verdict, str]]) -> Iterator[Line]:
    for what, verdict, says in found:
        yield Line(part, what, verdict, says)


def _count(part: str, invoices: list[Invoice], today: date) -> Line:
    if not invoices:
        return Line(part, "open invoices", "ok", "none: nothing to chase today")
    overdue = sum(1 for i in invoices if i.due_date < today)
    unreachable = sum(1 for i in invoices if not i.contact.emails)
    says = f"{len(invoices)} open, {overdue} overdue"
    if unreachable:
        return Line(
            part,
            "open invoices",
            "warn",
            f"{says}; {unreachable} to customers with no email address, which a run skips:"
            " add an address to the customer in the ledger",
        )
    return Line(part, "open invoices", "ok", says)


def _payment_link(
    part: str, settings: Settings, ledger: Ledger, invoices: list[Invoice]
) -> Iterator[Line]:
    if not invoices:
        return
    sample = min(invoices, key=lambda i: (i.due_date, i.number))
    try:
        link = ledger.payment_link(sample)
    except LedgerError as exc:
        yield Line(part, "payment link", "fail", f"cannot be had for {sample.number}: {exc}")
        return
    if link:
        yield Line(part, "payment link", "ok", f"{sample.number}: {link}")
        return
    fix = (
        "set ledger.payment_link to your payment page's address pattern"
        if settings.ledger.type == "csv"
        else "turn on online payments for the invoice in the ledger"
    )
    yield Line(
        part, "payment link", "warn", f"none for {sample.number}: reminders go without one; {fix}"
    )


def _mailbox(part: str, settings: Settings) -> Iterator[Line]:
    try:
        transport: Transport = build_transport(settings)
    except (SyncError, MailError) as exc:
        yield Line(part, "connection", "fail", str(exc))
        return
    if isinstance(transport, TransportPreflight):
        try:
            yield from _own_checks(part, transport.preflight())
        except MailError as exc:
            yield Line(part, "connection", "fail", str(exc))
        return
    box = settings.mailbox
    if isinstance(box, MaildirSettings):
        path = settings.resolve(box.path)
        yield Line(part, "folder", "ok", f"{path}: mail is written there, not sent")


def _channels(settings: Settings) -> Iterator[Line]:
    """Each text channel a stage sends on: its credentials, sender and templates.

    For Twilio, the channel's own preflight (read-only: the account, the sender, each
    mapped Content template approved); for the file channel, where messages go.
    """
    cfg = settings.channels
    used = {c for s in every_stage(settings) for c in s.channels if c in TEXT_CHANNELS}
    if cfg is None or not used:
        return
    part = f"channels ({'Twilio' if cfg.type == 'twilio' else 'file'})"
    for kind in sorted(used):
        templates = {}
        if kind == "whatsapp":
            templates = {
                f"{stage}/{language}": sid
                for stage, languages in cfg.whatsapp.templates.items()
                for language, sid in languages.items()
            }
        try:
            found = build_channel(settings, kind).preflight(templates)
        except (SyncError, MailError) as exc:
            yield Line(part, kind, "fail", str(exc))
            continue
        for checked in found.checked:
            yield Line(part, kind, "ok", checked)
        for problem in found.problems:
            yield Line(part, kind, "fail", str(problem))


def _store(settings: Settings) -> Line:
    url = settings.state_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and "?" not in url and not Path(url[len(prefix) :]).exists():
        return Line("state store", "database", "ok", "none yet: the first run creates it")
    try:
        store = build_store(settings)
        last = store.last_finished(settings.tenant)
    except (StateError, SyncError) as exc:
        return Line("state store", "database", "fail", str(exc))
    if last is None:
        return Line("state store", "database", "ok", f"{store.where}: no finished run yet")
    finished = f"{last.finished_at:%Y-%m-%d %H:%M} UTC" if last.finished_at else "unknown"
    return Line("state store", "database", "ok", f"{store.where}: last good run {finished}")

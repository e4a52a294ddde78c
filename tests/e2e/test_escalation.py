"""An escalation hands the case over: one dossier to ``escalation.to``, noted, shown as escalated.

On the CSV ledger (the demo, through the CLI), on a ledger the test controls (promises
kept and broken, test mode, previews) and on the Xero and QuickBooks emulators
mailing through the Gmail emulator.
"""

from __future__ import annotations

import json
import mailbox
import random
import re
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from connectors.letters import render_letter_pdf
from mailer.render import Renderer
from sync.cli import app, demo
from sync.config.settings import Settings
from sync.run.dossier import LETTER, invoice_context
from sync.run.outbound import sample_invoice
from sync.store.case import read_case
from sync.store.store import Store
from sync.store.tables import OutboxRow, ReplyRow
from tests.support.crash_world import scratch_folder
from tests.support.escalation_world import AGENCY, FIRST, SECOND, EscalationWorld
from tests.support.world import World, make_settings

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
ZONE = "Asia/Riyadh"
RIYADH = ZoneInfo(ZONE)
LADDER = [
    {"name": "overdue", "offset_days": 1},
    {"name": "handover", "offset_days": 10, "action": "escalate"},
]
runner = CliRunner()
_parse = BytesParser(policy=policy.default).parsebytes


def sent(folder: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(folder, factory=None, create=False).get_folder("Sent")
    return [_parse(box.get_bytes(key)) for key in box.keys()]  # type: ignore[misc]


def dossiers(folder: Path) -> list[EmailMessage]:
    return [m for m in sent(folder) if m["X-Tahseel-Dossier"]]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\xa0", " ")  # money has a no-break space


def pdfs(message: EmailMessage) -> dict[str, bytes]:
    return {str(p.get_filename()): p.get_content() for p in message.iter_attachments()}


# -- the CSV ledger, through the CLI -----------------------------------------------------


def demo_folder(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    config.write_text(config.read_text("utf-8") + extra, "utf-8")
    return folder


def cli(folder: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])


def test_the_dossier_goes_to_escalation_to_once_and_status_shows_it(tmp_path):
    folder = demo_folder(
        tmp_path, "notify: [huda@nakheel.example]\nescalation:\n  to: [legal@firm.example]\n"
    )
    box = folder / "demo" / "mailbox"
    assert cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1  # INV-1010: skipped
    (dossier,) = dossiers(box)
    assert [a.addr_spec for a in dossier["To"].addresses] == ["legal@firm.example"]
    text = text_of(dossier)
    for words in (
        "مؤسسة الريان للتوريدات (accounts@alrayyan.example.sa)",
        "INV-1014 (reference PO-3318)",
        "Due:             2026-10-01 (53 days late)",
        "Amount due:      SAR 14,250.00",
        "reminder 'final': sent by email",
        "reply by email from accounts@alrayyan.example.sa: an automatic reply",
        "giving until 2026-12-07 to pay",  # escalation.deadline_days: 14 by default
    ):
        assert words in text, words
    files = pdfs(dossier)
    assert list(files) == ["Invoice-INV-1014.pdf", "Demand-for-payment-INV-1014.pdf"]
    assert all(content.startswith(b"%PDF") for content in files.values())
    notes = (folder / "demo" / "invoices.notes.csv").read_text("utf-8")
    assert notes.count("escalated at stage 'escalate'") == 1
    assert "the case handed to legal@firm.example with its dossier" in notes
    # Rerun the same day and the next: no second dossier, no second note.
    cli(folder, "run", "--today", ANCHOR.isoformat())
    cli(folder, "run", "--today", "2026-11-24")
    assert len(dossiers(box)) == 1
    notes = (folder / "demo" / "invoices.notes.csv").read_text("utf-8")
    assert notes.count("escalated at stage 'escalate'") == 1
    status = cli(folder, "status", "--today", "2026-11-24", "--csv")
    row = next(line for line in status.output.splitlines() if line.startswith("INV-1014,"))
    assert ",escalate," in row and "escalated on 2026-11-23" in row


def test_a_preview_and_a_dry_run_send_no_dossier(tmp_path):
    folder = demo_folder(tmp_path)
    box = folder / "demo" / "mailbox"
    result = cli(folder, "run", "--today", ANCHOR.isoformat(), "--dry-run", "--json")
    assert '"escalations": 1' in result.output
    # The plan shows whom the escalation goes to: no `notify`, so the sender.
    plan = json.loads(cli(folder, "plan", "--today", ANCHOR.isoformat(), "--json").output)
    (row,) = [a for a in plan["actions"] if a["action"] == "escalate"]
    assert row["invoice"] == "INV-1014" and row["to"] == ["accounts@nakheel.example"]
    config = folder / "tahseel.yaml"
    config.write_text(re.sub(r"(?m)^mode: live$", "mode: preview", config.read_text("utf-8")))
    cli(folder, "run", "--today", ANCHOR.isoformat())
    assert dossiers(box) == []
    assert not (folder / "demo" / "invoices.notes.csv").exists()


def test_in_test_mode_the_dossier_goes_to_the_test_recipients(tmp_path):
    folder = demo_folder(tmp_path, "escalation:\n  to: [legal@firm.example]\n")
    config = folder / "tahseel.yaml"
    text = re.sub(r"(?m)^mode: live$", "mode: test", config.read_text("utf-8"))
    config.write_text(
        text.replace(
            "# test_recipients: [you@nakheel.example]", "test_recipients: [me@nakheel.example]"
        )
    )
    cli(folder, "run", "--today", ANCHOR.isoformat())
    (dossier,) = dossiers(folder / "demo" / "mailbox")
    assert [a.addr_spec for a in dossier["To"].addresses] == ["me@nakheel.example"]
    assert str(dossier["Subject"]).startswith("[TEST] Tahseel: INV-1014 escalated")
    assert "in live mode this message would go to legal@firm.example" in text_of(dossier)


def test_check_renders_the_dossier_and_both_letters(tmp_path):
    folder = demo_folder(tmp_path)
    assert cli(folder, "check").exit_code == 0
    letter = folder / "templates" / "ar" / "demand_letter.txt"
    letter.write_text(letter.read_text("utf-8").replace("{{ letter.deadline", "{{ letter.dedline"))
    result = cli(folder, "check")
    assert result.exit_code == 2 and "demand_letter.txt" in result.output, result.output


# -- the letter --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_demand_letter_can_be_sent_as_it_is(language):
    renderer = Renderer([Path(__file__).resolve().parents[2] / "templates"])
    invoice = sample_invoice()
    today = invoice.due_date + timedelta(days=50)
    context = invoice_context(invoice, "Nakheel Trading Co.", today) | {
        "sender": {"name": "Huda Saleh", "email": "accounts@nakheel.example"},
        "letter": {"date": today, "deadline": today + timedelta(days=14), "language": language},
    }
    text = renderer.render_text(LETTER, language, context).replace("\xa0", " ")
    lines = text.splitlines()
    # The business is the sender, at the top.
    assert lines[0].rstrip("\u200e") == "Nakheel Trading Co."
    expected = {
        "en": [
            "To: Sample Customer Co.",
            "# Formal demand for payment",
            "INV-0001",
            "SAR 1,000.00",
            "in full by ",
            "Yours faithfully,",
            "Huda Saleh",
            "For and on behalf of Nakheel Trading Co.",
            "It is not a tax invoice.",
        ],
        "ar": [
            "السادة/ Sample Customer Co.",
            "# إنذار رسمي بالسداد",
            "INV-0001",
            "في موعد أقصاه",
            "وتفضلوا بقبول فائق الاحترام",
            "Huda Saleh",
            "وليس فاتورة ضريبية",
        ],
    }[language]
    for words in expected:
        assert words in text, words
    if language == "ar":  # a Latin name keeps its full stop in a right-to-left line
        assert "عن Nakheel Trading Co.\u200e" in text
    title = next(line for line in lines if line.startswith("# "))
    assert "invoice" not in title.lower() and "فاتورة" not in title
    pdf = render_letter_pdf(text, title="Demand", dated=today, language=language)
    again = render_letter_pdf(text, title="Demand", dated=today, language=language)
    assert pdf.startswith(b"%PDF") and pdf == again  # the same words, the same bytes


# -- promises kept and broken, on a ledger the test controls -----------------------------


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH)


def test_the_timeline_tells_every_step_and_which_promises_were_kept():
    folder = Path(tempfile.mkdtemp(prefix="tahseel-escalation-"))
    settings = make_settings(
        folder, timezone=ZONE, weekend=("friday", "saturday"), holidays=(), stages=LADDER
    )
    data = settings.model_dump(mode="json", exclude={"source"})
    settings = Settings.model_validate(
        {**data, "notify": ["huda@nakheel.example"], "source": settings.source}
    )
    world = World(folder, settings)
    try:
        monday = date(2027, 3, 1)
        for number in ("INV-K", "INV-B"):
            world.add_invoice(number, monday - timedelta(days=3), at(monday, 6))
        world.run(at(monday))  # the overdue reminders
        for serial, number in enumerate(("INV-K", "INV-B"), 1):
            world.reply(
                number,
                "We will pay this invoice on 2027-03-03. Thank you.",
                at(monday, 15),
                serial=serial,
            )
        world.run(at(monday + timedelta(days=1)))  # snoozed, thanked for the promise
        world.pay("INV-K", Decimal("300.00"), at(monday + timedelta(days=2), 12))
        world.run(at(monday + timedelta(days=3)))  # the first run after the promised day
        # Nine days after the acknowledgement (the ladder's gap from overdue): escalated.
        world.run(at(monday + timedelta(days=10)))
        found = {str(m["X-Tahseel-Dossier"]): m for m in dossiers(folder / "mailbox")}
        assert sorted(found) == ["INV-B", "INV-K"]
        kept, broken = text_of(found["INV-K"]), text_of(found["INV-B"])
        assert [a.addr_spec for a in found["INV-K"]["To"].addresses] == ["huda@nakheel.example"]
        for words in (
            "reminder 'overdue': sent by email to inv-k@example.com",
            "reply by email from inv-k@example.com: promises to pay by 2027-03-03",
            "acknowledgement of the customer's promise: sent by email to inv-k@example.com",
            "reminders snoozed until 2027-03-04",
            "Promises to pay: 1, 1 kept.",
            "made 2027-03-01 to pay by 2027-03-03 (SAR 1,000.00 due then): kept",
            "Paid:            SAR 300.00",
        ):
            assert words in kept, words
        assert "Promises to pay: 1, 0 kept." in broken and "): not kept" in broken
        assert len(dossiers(folder / "mailbox")) == 2
        world.run(at(monday + timedelta(days=13)))
        assert len(dossiers(folder / "mailbox")) == 2  # once each
    finally:
        world.forget_process()
        shutil.rmtree(folder, ignore_errors=True)


# -- Xero and QuickBooks -----------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_an_emulated_ledger_invoice_is_handed_over_with_its_pdf_and_noted(
    kind, clean_env, monkeypatch
):
    folder = Path(tempfile.mkdtemp(prefix="tahseel-escalation-", dir=scratch_folder()))
    try:
        with EscalationWorld(folder, kind, f"Escalation {kind}") as world:
            for name, value in world.credentials():
                monkeypatch.setenv(name, value)
            numbers = world.seed_late(2, random.Random(7))
            first = world.run(FIRST)
            assert first["sent"] == {"overdue": 2} and not first["errors"], first
            assert world.dossiers() == []
            second = world.run(SECOND)
            assert second["escalations"] == 2 and not second["errors"], second
            found = {str(m["X-Tahseel-Dossier"]): m for m in world.dossiers()}
            assert sorted(found) == numbers
            for number, message in found.items():
                assert [a.addr_spec for a in message["To"].addresses] == [AGENCY]
                files = pdfs(message)
                assert sorted(files) == [
                    f"Demand-for-payment-{number}.pdf",
                    f"Invoice-{number}.pdf",
                ]
                assert all(content.startswith(b"%PDF") for content in files.values())
                assert "reminder 'overdue': sent by email to ap" in text_of(message)
                assert world.escalation_notes(number) == 1
            arabic = text_of(found["INV-002"])  # the second customer reads Arabic
            assert "a formal demand for payment in Arabic, the customer's language" in arabic
            assert world.run(SECOND)["escalations"] == 0
            assert len(world.dossiers()) == 2 and world.escalation_notes("INV-001") == 1
            notes = _ledger_notes(world, numbers[0])
            assert f"the case handed to {AGENCY} with its dossier" in notes
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ledger_notes(world: EscalationWorld, number: str) -> str:
    invoice_id = world.ids[number]
    if world.kind == "xero":
        return "\n".join(world.ledger.org.notes(invoice_id))
    return str(world.ledger.company.notes(invoice_id))


# -- the case is read in a few queries ---------------------------------------------------


def test_the_case_is_read_in_four_queries_however_long_its_history(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    statements: list[str] = []
    for count in (3, 30):
        invoice = f"inv-{count}"
        for n in range(count):
            store.claim(
                OutboxRow(
                    tenant="t",
                    invoice_id=invoice,
                    invoice_number=invoice,
                    stage="weekly",
                    cycle=n,
                    action="send_reminder",
                    status="sent",
                    message_id=f"<{invoice}.{n}@x>",
                    recipients="ap@example.com",
                    created_at=datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")),
                )
            )
            store.record_reply(
                ReplyRow(
                    tenant="t",
                    ref=f"{invoice}-{n}",
                    message_id=f"<r.{invoice}.{n}@x>",
                    invoice_id=invoice,
                    invoice_number=invoice,
                    kind="promise_to_pay",
                    sender="ap@example.com",
                    received_at=datetime(2026, 3, 2, tzinfo=ZoneInfo("UTC")),
                    promised=date(2026, 3, 9),
                )
            )
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(store.engine, "before_cursor_execute", listen)
        case = read_case(store, "t", invoice)
        event.remove(store.engine, "before_cursor_execute", listen)
        assert len(case.rows) == count and len(case.replies) == count
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 8, statements  # four for each invoice, whatever its history
    store.engine.dispose()

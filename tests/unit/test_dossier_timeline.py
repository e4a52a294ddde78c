"""The escalation's timeline and the rule for a kept promise (sync/run/timeline.py): pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from connectors.models import InvoiceStatus
from sync.run.outbound import sample_invoice
from sync.run.timeline import events, hold, promise_kept, verdict
from sync.store.case import CaseFile
from sync.store.tables import ControlRow, OutboxRow, PromiseRow, ReplyRow

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def row(action: str, stage: str, status: str = "sent", **fields) -> OutboxRow:
    values = {
        "tenant": "t",
        "invoice_id": "sample-0001",
        "invoice_number": "INV-0001",
        "stage": stage,
        "cycle": 0,
        "action": action,
        "status": status,
        "message_id": "<m@x>",
        "recipients": "ap@example.com",
        "created_at": AT,
        "sent_at": AT,
    }
    return OutboxRow(**(values | fields))


def reply(reply_id: int, kind: str, promised: date | None = None) -> ReplyRow:
    return ReplyRow(
        id=reply_id,
        tenant="t",
        ref=f"r{reply_id}",
        message_id=f"<r{reply_id}@x>",
        invoice_id="sample-0001",
        invoice_number="INV-0001",
        kind=kind,
        sender="ap@example.com",
        received_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
        promised=promised,
    )


def promise(amount: str, kept: bool | None = None) -> PromiseRow:
    return PromiseRow(
        tenant="t",
        reply_id=7,
        invoice_id="sample-0001",
        promised=date(2026, 3, 5),
        amount_due=amount,
        made_at=AT,
        kept=kept,
    )


def test_a_promise_is_kept_when_paid_or_owing_less_than_when_it_was_made():
    invoice = sample_invoice()  # owes 1000.00
    assert not promise_kept(Decimal("1000.00"), invoice)
    assert promise_kept(Decimal("1000.01"), invoice)
    paid = replace(invoice, amount_due=Decimal(0), status=InvoiceStatus.PAID)
    assert promise_kept(Decimal("1000.00"), paid)


def test_a_verdict_waits_for_the_day_after_the_promise_and_keeps_what_was_judged():
    invoice = sample_invoice()
    promised = date(2026, 3, 5)
    assert verdict(promise("1000.00"), promised, invoice, date(2026, 3, 5)) == (
        "its date has not come yet"
    )
    assert verdict(promise("1000.00"), promised, invoice, date(2026, 3, 6)) == "not kept"
    assert verdict(promise("1200.00"), promised, invoice, date(2026, 3, 6)) == "kept"
    assert verdict(promise("1200.00", kept=False), promised, invoice, date(2026, 4, 1)) == (
        "not kept"
    )
    assert verdict(None, promised, invoice, date(2026, 4, 1)).startswith("not known")


def test_the_timeline_names_each_step_its_channel_and_address_oldest_first():
    case = CaseFile(
        rows=(
            row("send_reminder", "overdue"),
            row("send_reminder", "weekly", cycle=1, sent_at=datetime(2026, 3, 3, tzinfo=UTC)),
            row("snooze", "snooze", cycle=7, message_id=None, recipients=""),
            row("send_reminder", "final", status="failed", error="550 no such user"),
            row("escalate", "escalate", status="pending"),
        ),
        replies=(reply(7, "promise_to_pay", date(2026, 3, 5)),),
        promises={},
        control=None,
    )
    lines = [e.as_dict()["text"] for e in events(case)]
    assert lines == [
        "reminder 'overdue': sent by email to ap@example.com",
        "reminders snoozed until 2026-03-06: the customer promised a date",
        "reminder 'final': refused by the mailbox (550 no such user)",
        "reply by email from ap@example.com: promises to pay by 2026-03-05",
        "reminder 'weekly' (repeat 1): sent by email to ap@example.com",
    ]


def test_the_hold_now_is_a_pause_or_a_snooze_still_running():
    control = ControlRow(tenant="t", invoice_id="i", invoice_number="n", updated_at=AT)
    case = CaseFile(rows=(), replies=(), promises={}, control=control)
    assert hold(case, date(2026, 3, 1)) == ""
    control.snoozed_until = date(2026, 3, 10)
    assert hold(case, date(2026, 3, 1)) == "snoozed until 2026-03-10"
    assert hold(case, date(2026, 3, 10)) == ""
    control.paused = "the customer disputes it"
    assert hold(case, date(2026, 3, 1)) == "paused (the customer disputes it)"


def test_a_statement_listing_the_invoice_is_named_as_such_in_the_timeline():
    case = CaseFile(
        rows=(row("send_statement", "weekly", cycle=739958),),
        replies=(),
        promises={},
        control=None,
    )
    lines = [e.as_dict()["text"] for e in events(case)]
    assert lines == ["statement 'weekly' listing this invoice: sent by email to ap@example.com"]

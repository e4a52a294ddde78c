"""The state store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from sync.errors import RunLocked
from sync.store.store import Store
from sync.store.tables import OutboxRow, ReplyRow

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def row(
    stage: str = "due", cycle: int = 0, invoice: str = "i1", status: str = "pending"
) -> OutboxRow:
    return OutboxRow(
        tenant="t",
        invoice_id=invoice,
        invoice_number=invoice.upper(),
        stage=stage,
        cycle=cycle,
        action="send_reminder",
        status=status,
        message_id=f"<m.{invoice}.{stage}.{cycle}@x>",
        recipients="a@example.com",
        created_at=NOW,
    )


def test_claim_is_unique_per_rung(state_url):
    store = Store(state_url)
    first = store.claim(row())
    assert first is not None
    assert store.claim(row()) is None
    assert store.claim(row(cycle=1)) is not None
    assert store.claim(row(invoice="i2")) is not None


def test_concurrent_claims_let_exactly_one_win(state_url):
    stores = [Store(state_url) for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: stores[n % 4].claim(row(stage="final")), range(32)))
    assert sum(r is not None for r in results) == 1


def test_history_and_controls(state_url):
    store = Store(state_url)
    rid = store.claim(row())
    store.complete(rid, status="sent", sent_at=NOW + timedelta(hours=1), thread="th")
    store.claim(row(stage="escalate", status="sent"))
    store.set_control("t", "i1", "I1", NOW, paused="dispute", snoozed_until=date(2026, 12, 1))
    store.record_reply(
        ReplyRow(
            tenant="t",
            ref="INBOX/1",
            message_id="<r@c>",
            invoice_id="i1",
            invoice_number="I1",
            kind="invoice_not_received",
            sender="c@example.com",
            received_at=NOW,
            handled=False,
        )
    )
    # The same message under another ref (a folder recreated, the message copied) is
    # the same reply: acting on it again would, say, resend the invoice twice.
    assert store.seen_reply("t", "INBOX/1") and store.seen_reply("t", "INBOX/9", "<r@c>")
    assert not store.seen_reply("t", "INBOX/9", "<other@c>")
    assert not store.seen_reply("t", "INBOX/9") and not store.seen_reply("u", "INBOX/1", "<r@c>")
    assert not store.record_reply(
        ReplyRow(
            tenant="t",
            ref="INBOX/1",
            message_id="<r@c>",
            kind="other",
            sender="c@example.com",
            received_at=NOW,
        )
    )
    h = store.history("t")["i1"]
    assert h.paused == "dispute" and h.snoozed_until == date(2026, 12, 1)
    assert [(m.stage, m.status) for m in h.messages] == [("due", "sent"), ("escalate", "sent")]
    assert h.messages[0].at == NOW + timedelta(hours=1) and h.messages[0].at.tzinfo is not None
    assert [r.ref for r in h.resend_requests] == ["INBOX/1"]
    store.handle_reply("t", "INBOX/1")
    assert store.history("t")["i1"].resend_requests == ()
    assert store.history("other-tenant") == {}
    thread = store.thread_of("t", "i1")
    assert thread.thread == "th" and thread.message_ids == ("<r@c>", "<m.i1.due.0@x>")


def test_times_come_back_in_utc(state_url):
    store = Store(state_url)
    riyadh = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    rid = store.claim(row())
    store.complete(rid, sent_at=riyadh)
    (back,) = store.rows("t")
    assert back.sent_at == riyadh and back.sent_at.utcoffset() == timedelta(0)


def test_cursors_and_runs(state_url):
    store = Store(state_url)
    assert store.cursor("t", "replies") is None
    store.save_cursor("t", "replies", "17")
    store.save_cursor("t", "replies", "42")
    store.save_cursor("t", "replies", None)
    assert store.cursor("t", "replies") == "42"
    run = store.start_run("t", NOW)
    store.finish_run(run, NOW, "done", {"emails": 3})
    assert store.last_runs("t")[0].status == "done"


def test_second_run_is_locked_out(state_url):
    store, other = Store(state_url), Store(state_url)
    with store.lock("t"):
        with pytest.raises(RunLocked):
            with other.lock("t"):
                pass
        with other.lock("another tenant"):
            pass
    with other.lock("t"):
        pass


def _hold_lock(url: str, ready) -> None:  # type: ignore[no-untyped-def]
    store = Store(url)
    with store.lock("t"):
        ready.set()
        time.sleep(60)


def test_a_killed_lock_holder_leaves_no_stale_lock(state_url):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(state_url, ready))
    proc.start()
    try:
        assert ready.wait(30)
        with pytest.raises(RunLocked):
            with Store(state_url).lock("t"):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
        deadline = time.monotonic() + 10
        while True:
            try:
                with Store(state_url).lock("t"):
                    break
            except RunLocked:
                assert time.monotonic() < deadline, "lock still held after its holder died"
                time.sleep(0.1)
    finally:
        proc.kill()

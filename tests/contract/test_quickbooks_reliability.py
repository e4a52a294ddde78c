"""QuickBooksLedger under Intuit's limits, faults, races and token rotation, on the emulator.

Time is scaled: one ``ScaledClock`` drives both the ledger's limiter and the
emulator's windows, so a minute of budget passes in a few dozen milliseconds.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.errors import LedgerAuthError, LedgerRejected
from connectors.limits import ScaledClock
from connectors.quickbooks import mapping
from connectors.quickbooks.auth import authorise
from connectors.quickbooks.client import StaleSyncToken
from connectors.tokens import FAILPOINTS
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for, token_file_for
from tests.emulators.quickbooks.oauth import free_loopback_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=2000)


@pytest.fixture
def emulator(clock: ScaledClock) -> Iterator[QuickBooksEmulator]:
    with QuickBooksEmulator(clock=clock.now, seed=7, timeout_delay=0.3) as running:
        yield running


def scaled(emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("timeout", 0.1)
    return ledger_for(emulator, tmp_path, clock=clock.now, sleep=clock.sleep, **options)


def _open_invoices(emulator: QuickBooksEmulator, count: int) -> list[str]:
    who = emulator.company.add_customer("Storm Co", "ap@storm.example")
    return [emulator.company.add_invoice(f"S-{n:03d}", who, "10") for n in range(count)]


def _notes(emulator: QuickBooksEmulator, invoice_id: str) -> list[str]:
    return [text for _, text in mapping.note_lines(emulator.company.notes(invoice_id))]


# -- notes ----------------------------------------------------------------------------------


def test_stale_sync_token_is_reread_and_keeps_the_other_writers_change(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = _open_invoices(emulator, 1)
    ledger = ledger_for(emulator, tmp_path)
    invoice = ledger.get_invoices(ids)[0]
    # The accountant writes between our read and our update.
    emulator.company.edit(ids[0], private_note="Called the customer on Monday")
    emulator.company.race(ids[0], times=2)  # and again right before our first two updates
    ledger.add_note(invoice, "Reminder 1 sent", key="ob-1")
    assert emulator.company.notes(ids[0]) == (
        "Called the customer on Monday\nTahseel [ob-1] Reminder 1 sent"
    )
    assert ledger.calls["invoices.note"] == 3 and ledger.calls["invoices.read"] == 2


def test_an_invoice_that_never_settles_is_rejected_with_its_number(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = _open_invoices(emulator, 1)
    ledger = ledger_for(emulator, tmp_path)
    invoice = ledger.get_invoices(ids)[0]
    emulator.company.race(ids[0], times=100)
    with pytest.raises(StaleSyncToken, match="invoice S-000") as caught:
        ledger.add_note(invoice, "Reminder", key="ob-1")
    assert isinstance(caught.value, LedgerRejected) and ledger.calls["invoices.note"] == 5


def test_private_note_limit_trims_only_tahseels_oldest_lines(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = _open_invoices(emulator, 1)
    accountant = "Customer disputes line 3; see email of 2 Nov.\n" + "x" * 2500
    emulator.company.edit(ids[0], private_note=accountant)
    ledger = ledger_for(emulator, tmp_path)
    invoice = ledger.get_invoices(ids)[0]
    for n in range(40):
        ledger.add_note(invoice, f"Reminder {n} sent to ap@storm.example", key=f"ob-{n}")
    stored = emulator.company.notes(ids[0]) or ""
    assert stored.startswith(accountant) and len(stored) <= 4000
    kept = [key for key, _ in mapping.note_lines(stored)]
    assert kept[-1] == "ob-39" and "ob-0" not in kept
    assert kept == [f"ob-{n}" for n in range(40 - len(kept), 40)]
    ledger.add_note(invoice, "again", key="ob-39")
    assert emulator.company.notes(ids[0]) == stored


def test_note_that_cannot_fit_is_rejected_not_truncating_the_accountant(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = _open_invoices(emulator, 1)
    emulator.company.edit(ids[0], private_note="y" * 3995)
    ledger = ledger_for(emulator, tmp_path)
    with pytest.raises(LedgerRejected, match="S-000"):
        ledger.add_note(ledger.get_invoices(ids)[0], "Reminder", key="ob-1")
    assert emulator.company.notes(ids[0]) == "y" * 3995


def test_batch_writes_300_notes_in_30_calls(emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    ids = _open_invoices(emulator, 300)
    ledger = ledger_for(emulator, tmp_path)
    invoices = list(ledger.list_open_invoices())
    before = sum(ledger.calls.values())
    emulator.company.race(ids[17])  # one invoice changes under the batch
    failures = ledger.add_notes([(i, f"Reminder for {i.number}", f"ob-{i.id}") for i in invoices])
    assert failures == {}
    assert all(
        _notes(emulator, i) == [f"Reminder for {emulator.company.invoices[i].number}"] for i in ids
    )
    # 30 batches of 10, then one re-read and one batch for the raced invoice.
    assert ledger.calls["invoices.batch"] == 31 and sum(ledger.calls.values()) - before == 32
    assert ledger.add_notes([(invoices[0], "again", f"ob-{invoices[0].id}")]) == {}
    assert ledger.calls["invoices.batch"] == 31


# -- limits and faults ----------------------------------------------------------------------


def test_429_storm_never_exceeds_the_limits(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 100)
    emulator.fail("429", probability=0.25)
    # QuickBooks sends no Retry-After, so a call backs off exponentially until its retry
    # budget is spent. With 300 s, about nine 429s in a row end a call: across the ~700
    # calls here, once in ~400 runs. An hour's budget needs thirteen in a row (~1 in
    # 10^5 runs). Timeouts are not this test's subject, so a loaded machine gets time.
    ledger = scaled(emulator, tmp_path, clock, per_minute=500, max_retry_wait=3600.0, timeout=10.0)
    invoices = ledger.get_invoices(ids)
    errors: list[BaseException] = []

    def work(part: int) -> None:
        try:
            for invoice in invoices[part::16]:
                for n in range(5):
                    ledger.add_note(invoice, f"Reminder {n}", key=f"ob-{invoice.id}-{n}")
                ledger.fetch_pdf(invoice)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert emulator.injected["429"] > 0
    assert emulator.limit_429s == {}  # the client never overran a limit itself
    assert emulator.max_in_flight <= 10 and emulator.max_per_minute <= 500
    assert emulator.requests > 500  # more than a minute's budget was needed
    assert all(len(_notes(emulator, i)) == 5 for i in ids)


def test_batches_count_each_item_and_keep_to_the_batch_limit(
    clock: ScaledClock, tmp_path: Path
) -> None:
    with QuickBooksEmulator(clock=clock.now, per_minute=60, batches_per_minute=4) as emulator:
        ids = _open_invoices(emulator, 200)
        ledger = scaled(emulator, tmp_path, clock, per_minute=60, batches_per_minute=4)
        invoices = list(ledger.list_open_invoices())
        failures = ledger.add_notes([(i, f"Note {i.number}", f"ob-{i.id}") for i in invoices])
        assert failures == {}
        assert emulator.limit_429s == {}  # neither 60 items nor 4 batches a minute overrun
        assert ledger.calls["invoices.batch"] == 20
        assert emulator.max_per_minute <= 60
        numbers = {i: emulator.company.invoices[i].number for i in ids}
        assert all(_notes(emulator, i) == [f"Note {numbers[i]}"] for i in ids)


def test_retries_5xx_timeouts_and_dropped_connections(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ids = _open_invoices(emulator, 3)
    ledger = scaled(emulator, tmp_path, clock)
    for number, kind in enumerate(("500", "503", "timeout", "drop", "429"), 1):
        emulator.fail(kind, at={number})
    assert len(ledger.get_invoices(ids)) == 3
    assert ledger.calls["invoices.get"] == 6
    assert sum(emulator.injected.values()) == 5


def test_validation_fault_is_not_retried_and_names_the_invoice(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    ids = _open_invoices(emulator, 1)
    ledger = ledger_for(emulator, tmp_path)
    invoice = ledger.get_invoices(ids)[0]
    emulator.company.invoices.pop(ids[0])
    with pytest.raises(LedgerRejected) as caught:
        ledger.fetch_pdf(invoice)
    message = str(caught.value)
    assert "S-000" in message and "HTTP 400" in message and "intuit_tid 1-" in message
    assert "fault 610" in message and ledger.calls["invoices.pdf"] == 1


# -- tokens ---------------------------------------------------------------------------------


def test_dead_refresh_token_asks_to_reauthorise(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=-10)
    data = json.loads(token_file.read_text())
    data["refresh_token"] = "rt-revoked"
    token_file.write_text(json.dumps(data))
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    with pytest.raises(LedgerAuthError, match="run `tahseel auth quickbooks` again") as caught:
        list(ledger.list_open_invoices())
    assert "rt-revoked" not in str(caught.value) and "HTTP 400" in str(caught.value)


def test_rotated_refresh_token_is_saved_every_time(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    _open_invoices(emulator, 1)
    token_file = token_file_for(emulator, tmp_path / "t.json")
    seen = {json.loads(token_file.read_text())["refresh_token"]}
    for _ in range(3):
        emulator.advance(3600)  # the access token has expired on the server
        ledger = ledger_for(emulator, tmp_path, token_file=token_file)
        assert len(list(ledger.list_open_invoices())) == 1
        assert ledger.calls["token.refresh"] == 1
        saved = json.loads(token_file.read_text())
        assert saved["refresh_token"] not in seen and saved["realm_id"]
        seen.add(saved["refresh_token"])
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


CRASHER = textwrap.dedent(
    """
    import sys
    from connectors.quickbooks import QuickBooksLedger
    url, discovery, token_file, cid, secret = sys.argv[1:6]
    ledger = QuickBooksLedger(client_id=cid, client_secret=secret, token_file=token_file,
                              api_url=url, discovery_url=discovery)
    list(ledger.list_open_invoices())
    print("survived")
    """
)


@pytest.mark.parametrize("point", FAILPOINTS)
def test_killed_during_token_rotation_still_authenticates(tmp_path: Path, point: str) -> None:
    with QuickBooksEmulator(grace=1800) as emulator:
        _open_invoices(emulator, 2)
        token_file = token_file_for(emulator, tmp_path / "t.json", expires_in=30)
        before = json.loads(token_file.read_text())
        args = [
            emulator.api_url,
            emulator.discovery_url,
            str(token_file),
            emulator.identity.client_id,
            emulator.identity.client_secret,
        ]
        env = {**os.environ, "TAHSEEL_FAILPOINTS": point, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-c", CRASHER, *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == -9, run.stderr
        after = json.loads(token_file.read_text())  # whole JSON, never truncated
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        rotated = after["refresh_token"] != before["refresh_token"]
        assert rotated == (point == "token_before_dir_fsync")

        ledger = ledger_for(emulator, tmp_path, token_file=token_file)
        assert len(list(ledger.list_open_invoices())) == 2
        emulator.advance(31 * 60)  # past the grace: only the newest refresh token works
        fresh = json.loads(token_file.read_text())
        fresh["expires_at"] = 0
        token_file.write_text(json.dumps(fresh))
        again = ledger_for(emulator, tmp_path, token_file=token_file)
        assert len(list(again.list_open_invoices())) == 2


def test_consent_flow_stores_tokens_and_realm(tmp_path: Path) -> None:
    with QuickBooksEmulator() as emulator:
        who = emulator.company.add_customer("A", "a@example.com")
        emulator.company.add_invoice("INV-1", who, "5")
        shown: list[str] = []

        def browser(url: str) -> None:
            shown.append(url)
            # The person consents: the browser follows the redirect to the callback.
            threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read()).start()

        token_file = tmp_path / "qbo.json"
        port = free_loopback_port()  # registered on the app's development keys
        emulator.identity.register(f"http://localhost:{port}/callback")
        realm = authorise(
            client_id=emulator.identity.client_id,
            client_secret=emulator.identity.client_secret,
            token_file=token_file,
            environment="sandbox",
            discovery_url=emulator.discovery_url,
            port=port,
            show=browser,
            wait=10,
        )
        assert realm == emulator.company.realm_id
        assert "com.intuit.quickbooks.accounting" in shown[0] and "state=" in shown[0]
        stored = json.loads(token_file.read_text())
        assert stored["realm_id"] == realm and stored["refresh_token"].startswith("rt-")
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        ledger = ledger_for(emulator, tmp_path, token_file=token_file)
        assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]

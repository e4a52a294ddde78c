"""GmailTransport under Gmail's limits and with bad credentials, against the emulator."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from collections.abc import Iterator

import pytest
from google.oauth2.credentials import Credentials

from mailer.errors import MailAuthError, MailError, MailQuotaExceeded
from mailer.gmail.api import QuotaBudget, RetryPolicy
from mailer.gmail.auth import SCOPES, load_token
from mailer.gmail.transport import GmailTransport
from tests.contract.test_gmail_transport import gmail_transport, invoice_message, send_chain
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator


@pytest.fixture
def emulator() -> Iterator[GmailEmulator]:
    with GmailEmulator(SENDER) as running:
        yield running


def test_a_429_storm_never_takes_the_mailbox_over_its_quota():
    with GmailEmulator(SENDER, units_per_second=600) as emulator:
        # At most 500 units in any 1.25 s, so in any second even when requests reach the
        # emulator up to 0.25 s late (threads under load).
        budget = QuotaBudget(400, window=1.25)
        emulator.inject("*", "429", times=12)
        errors: list[BaseException] = []

        # More tries than the storm has 429s: whichever calls the storm lands on, each
        # is retried through it, so an error here means a retry went wrong.
        retry = RetryPolicy(attempts=13, max_seconds=10.0, initial_wait=0.01, max_wait=0.05)

        def run(invoice: str) -> None:
            try:
                transport = gmail_transport(emulator, budget=budget, retry=retry)
                send_chain(transport, ["courtesy", "due"], invoice=invoice)
                transport.replies_since(None)
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=run, args=(f"INV-{n}",)) for n in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        assert emulator.faults == []  # the whole storm was met and retried
        assert emulator.quota_rejections == 0
        assert len(emulator.sent()) == 8
        assert emulator.max_concurrency >= 2


def test_without_a_budget_the_emulator_does_refuse():
    with GmailEmulator(SENDER, units_per_second=150) as emulator:
        transport = gmail_transport(emulator, budget=QuotaBudget(100_000))
        with contextlib.suppress(MailError):
            send_chain(transport, ["courtesy", "due"])
        assert emulator.quota_rejections > 0  # the budget test above can fail


def test_the_daily_cap_stops_sending_cleanly(emulator):
    transport = gmail_transport(emulator, daily_cap=2)
    send_chain(transport, ["courtesy", "due"])
    with pytest.raises(MailQuotaExceeded):
        transport.send(invoice_message("overdue", []), thread=None)
    assert len(emulator.sent()) == 2 and emulator.mailbox.drafts == {}
    # A new run counts what the mailbox sent in the last 24 hours.
    with pytest.raises(MailQuotaExceeded):
        gmail_transport(emulator, daily_cap=2).send(invoice_message("final", []), thread=None)


def test_gmails_own_sending_limit_is_not_retried():
    with GmailEmulator(SENDER, daily_send_limit=1) as emulator:
        transport = gmail_transport(emulator)
        send_chain(transport, ["courtesy"])
        with pytest.raises(MailQuotaExceeded, match="sending limit"):
            transport.send(invoice_message("due", []), thread=None)
        assert emulator.calls["drafts.send"] == 2
        assert emulator.mailbox.drafts == {} and len(emulator.sent()) == 1


def test_an_expired_access_token_is_refreshed_and_written_back(emulator, tmp_path):
    token_file = tmp_path / "gmail-token.json"
    credentials = Credentials(
        token="stale",
        refresh_token="emulated-refresh",
        token_uri=emulator.token_uri,
        client_id="tahseel-tests",
        client_secret="not-a-secret",
        scopes=list(SCOPES),
    )
    emulator.rejected_tokens.add("stale")  # expired: Gmail answers 401
    transport = GmailTransport(
        credentials=credentials, token_file=token_file, base_url=emulator.base_url
    )
    send_chain(transport, ["courtesy"])
    assert emulator.issued_tokens == 1
    stored = json.loads(token_file.read_text())
    assert stored["token"] == "emulated-access-1"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["gmail-token.json"]
    assert load_token(token_file).token == "emulated-access-1"


def test_a_revoked_grant_says_to_authorise_again_and_leaks_nothing(emulator):
    emulator.revoked = True
    emulator.token_error = "invalid_grant"
    transport = gmail_transport(emulator)
    with pytest.raises(MailAuthError) as caught:
        transport.send(invoice_message("courtesy", []), thread=None)
    text = str(caught.value)
    assert "invalid_grant" in text and "tahseel auth gmail" in text
    for secret in ("emulated-start", "emulated-refresh", "not-a-secret"):
        assert secret not in text
    assert emulator.sent() == []


def test_a_missing_or_broken_token_file_is_an_auth_error(tmp_path):
    with pytest.raises(MailAuthError, match="tahseel auth gmail"):
        GmailTransport(token_file=tmp_path / "absent.json")
    (tmp_path / "broken.json").write_text('{"refresh_token": "s3cret"')
    with pytest.raises(MailAuthError) as caught:
        GmailTransport(token_file=tmp_path / "broken.json")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(MailAuthError):
        GmailTransport()

"""Gmail sends only as the account's own address or a verified send-as alias.

Gmail does not refuse a From it does not own: it sends from the primary address instead
(googleapis/google-api-php-client#2393). The transport checks the sender against
``getProfile`` and ``settings.sendAs.list`` before its first draft; the emulator models
the aliases and, being strict, refuses a foreign From (see ``Mailbox.check_from``).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from google.oauth2.credentials import Credentials
from typer.testing import CliRunner

from mailer.errors import MailConfigError, SendRejected
from mailer.gmail.auth import SCOPES
from mailer.gmail.sender import SenderNotAllowed
from sync.cli import app, demo
from tests.contract.test_gmail_transport import gmail_transport, invoice_message
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator
from tests.support import tally

OWNER = "owner@nakheel.example"  # the account the token signs in as
COMPOSE = "https://www.googleapis.com/auth/gmail.compose"


@pytest.fixture
def emulator():
    with GmailEmulator(OWNER) as running:
        yield running


def message_from(address: str):
    message = invoice_message("courtesy", [])
    message.replace_header("From", f"Huda Saleh <{address}>")
    return message


def test_a_foreign_sender_stops_before_any_draft(emulator):
    emulator.mailbox.add_alias("billing@nakheel.example")
    emulator.mailbox.add_alias("huda@nakheel.example", "pending")
    transport = gmail_transport(emulator, address="someone@elsewhere.example")
    with pytest.raises(SenderNotAllowed) as caught:
        transport.send(message_from("someone@elsewhere.example"), thread=None)
    text = str(caught.value)
    assert "sender.email is someone@elsewhere.example" in text
    assert "owner@nakheel.example, billing@nakheel.example" in text  # what it may send as
    assert "huda@nakheel.example" not in text  # a pending alias is not offered
    assert "Send mail as" in text and "set sender.email" in text
    assert isinstance(caught.value, MailConfigError)
    assert emulator.calls["drafts.create"] == 0 and emulator.calls["messages.send"] == 0
    # Asked once per transport: the second message is refused without asking Gmail again.
    with pytest.raises(SenderNotAllowed):
        transport.send(message_from("someone@elsewhere.example"), thread=None)
    assert emulator.calls["settings.sendAs.list"] == 1 and emulator.calls["drafts.create"] == 0
    tally.record("real services: gmail sender", bad_inputs=2, runs=1)


def test_a_verified_alias_goes(emulator):
    emulator.mailbox.add_alias(SENDER)
    transport = gmail_transport(emulator, address=SENDER)
    sent = transport.send(message_from(SENDER), thread=None)
    assert sent.ref and len(emulator.sent()) == 1
    assert emulator.calls["getProfile"] == 1 and emulator.calls["settings.sendAs.list"] == 1
    tally.record("real services: gmail sender", runs=1)


def test_the_primary_address_goes(emulator):
    transport = gmail_transport(emulator, address=OWNER.upper())
    transport.send(message_from(OWNER), thread=None)
    assert len(emulator.sent()) == 1


def test_a_pending_alias_stops(emulator):
    emulator.mailbox.add_alias(SENDER, "pending")
    transport = gmail_transport(emulator, address=SENDER)
    with pytest.raises(SenderNotAllowed, match="waiting for verification") as caught:
        transport.send(message_from(SENDER), thread=None)
    assert "verification email" in str(caught.value)
    assert emulator.calls["drafts.create"] == 0 and emulator.sent() == []
    tally.record("real services: gmail sender", bad_inputs=1, runs=1)


def test_the_emulator_refuses_a_foreign_from_on_its_own(emulator):
    # With the product's check switched off, what the old code did: the emulator refuses.
    transport = gmail_transport(emulator)
    transport._sender.require = lambda message: None  # type: ignore[method-assign]
    with pytest.raises(SendRejected, match="HTTP 400"):
        transport.send(message_from("someone@elsewhere.example"), thread=None)
    assert emulator.sent() == [] and emulator.mailbox.drafts == {}


def _scoped(emulator: GmailEmulator, scopes: list[str]):
    credentials = Credentials(
        token="expired",
        refresh_token="emulated-refresh",
        token_uri=emulator.token_uri,
        client_id="tahseel-tests",
        client_secret="not-a-secret",
        scopes=list(SCOPES),
    )
    emulator.rejected_tokens.add("expired")
    emulator.granted_scopes = tuple(scopes)
    return gmail_transport(emulator, credentials=credentials)


def test_a_token_that_may_not_list_aliases_checks_the_primary_only(emulator, caplog):
    # gmail.compose allows getProfile and drafts but not settings.sendAs.list
    # (gmail.v1.json); for such a token the account's own address passes the check...
    transport = _scoped(emulator, [COMPOSE])
    with caplog.at_level(logging.WARNING, logger="mailer.gmail.sender"):
        transport._sender.require(message_from(OWNER))
    assert "may not read the send-as aliases" in caplog.text
    assert emulator.calls["settings.sendAs.list"] == 1
    # ...and any other address stops, saying why, before a draft.
    other = _scoped(emulator, [COMPOSE])
    with pytest.raises(SenderNotAllowed, match="tahseel auth gmail"):
        other.send(message_from(SENDER), thread=None)
    assert emulator.calls["drafts.create"] == 0
    tally.record("real services: gmail sender", bad_inputs=1, runs=2)


# -- a run ------------------------------------------------------------------------------


def test_a_run_with_a_foreign_sender_drafts_nothing_and_exits_as_a_configuration_error(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("GMAIL_TOKEN", raising=False)
    with GmailEmulator(OWNER) as emulator:
        folder = tmp_path / "d"
        demo.install(folder, anchor=date(2026, 11, 23))
        config = folder / "tahseel.yaml"
        block = (
            "mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
            f"  api_url: {emulator.base_url}\n  token_uri: {emulator.token_uri}\n\n"
        )
        text = re.sub(r"(?ms)^mailbox:\n.*?(?=^state:)", block, config.read_text("utf-8"))
        config.write_text(text, encoding="utf-8")
        expiry = datetime.now(UTC) + timedelta(hours=1)
        token = {
            "token": "access-1",
            "refresh_token": "refresh-1",
            "client_id": "tahseel-tests",
            "client_secret": "not-a-secret",
            "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        (folder / "gmail-token.json").write_text(json.dumps(token), encoding="utf-8")
        args = ["run", "--json", "--today", "2026-11-23", "-c", str(config)]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    assert "accounts@nakheel.example" in report["config_problem"]  # the demo's sender.email
    assert OWNER in report["config_problem"]
    assert report["emails"] == 0
    assert emulator.calls["drafts.create"] == 0 and emulator.sent() == []
    tally.record("real services: gmail sender", bad_inputs=1, runs=1)

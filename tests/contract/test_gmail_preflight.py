"""The Gmail lines of `tahseel doctor`, against the emulator with each failure injected."""

from __future__ import annotations

import pytest
from google.oauth2.credentials import Credentials

from mailer.gmail.auth import SCOPES
from mailer.gmail.transport import GmailTransport
from mailer.transport import Preflight
from tests.contract.test_gmail_transport import gmail_transport, send_chain
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator
from tests.support import tally

READONLY = "https://www.googleapis.com/auth/gmail.readonly"
WRITES = {
    "drafts.create",
    "drafts.send",
    "drafts.delete",
    "messages.send",
    "messages.modify",
    "messages.batchModify",
    "labels.create",
}


@pytest.fixture
def emulator():
    with GmailEmulator(SENDER) as running:
        yield running


def doctor(emulator: GmailEmulator, **options: object) -> dict[str, tuple[str, str]]:
    """The transport's findings by name; the emulator saw no write."""
    credentials = Credentials(
        token="stale",  # Gmail refuses it: a refresh is needed, as after an hour
        refresh_token="emulated-refresh",
        token_uri=options.pop("token_uri", emulator.token_uri),
        client_id="tahseel-tests",
        client_secret="not-a-secret",
        scopes=list(SCOPES),
    )
    emulator.rejected_tokens.add("stale")
    transport = gmail_transport(emulator, credentials=credentials, **options)
    assert isinstance(transport, Preflight)
    before = emulator.calls.copy()
    findings = list(transport.preflight())
    assert not WRITES & set(emulator.calls - before)
    names = [what for what, _, _ in findings]
    assert len(names) == len(set(names))
    return {what: (verdict, says) for what, verdict, says in findings}


def test_everything_holds(emulator):
    found = doctor(emulator, address=SENDER)
    assert [verdict for verdict, _ in found.values()] == ["ok"] * 5
    assert found["gmail scopes"][1] == "gmail.modify granted"
    assert found["gmail sender"][1] == f"{SENDER}, the account's own address"
    assert "will be created on the first run" in found["gmail label"][1]
    assert found["gmail daily cap"][1].startswith("400 of 400 left")
    assert emulator.mailbox.labels.keys() == {
        label["id"] for label in emulator.mailbox.labels.values() if label["type"] == "system"
    }


def test_a_revoked_grant_fails_the_token_and_stops(emulator):
    emulator.token_error = "invalid_grant"
    found = doctor(emulator)
    assert list(found) == ["gmail token"]
    verdict, says = found["gmail token"]
    assert verdict == "fail" and "invalid_grant" in says and "tahseel auth gmail" in says
    tally.record("real services: gmail preflight", bad_inputs=1, runs=1)


def test_an_unreachable_token_endpoint_fails_the_token(emulator):
    found = doctor(emulator, token_uri="http://127.0.0.1:9/token")
    verdict, says = found["gmail token"]
    assert verdict == "fail" and "check the network" in says
    tally.record("real services: gmail preflight", bad_inputs=1, runs=1)


def test_a_token_without_gmail_modify_fails_the_scopes(emulator):
    emulator.granted_scopes = (READONLY,)
    found = doctor(emulator, address=SENDER)
    verdict, says = found["gmail scopes"]
    assert verdict == "fail"
    assert READONLY in says and SCOPES[0] in says and "tahseel auth gmail" in says
    assert found["gmail sender"][0] == "ok"  # readonly may list the send-as addresses
    tally.record("real services: gmail preflight", bad_inputs=1, runs=1)


def test_a_foreign_sender_fails(emulator):
    emulator.mailbox.add_alias("billing@nakheel.example")
    found = doctor(emulator, address="someone@elsewhere.example")
    verdict, says = found["gmail sender"]
    assert verdict == "fail"
    assert "someone@elsewhere.example" in says and "billing@nakheel.example" in says
    assert "Send mail as" in says and "set sender.email" in says
    tally.record("real services: gmail preflight", bad_inputs=1, runs=1)


def test_a_pending_alias_fails_and_a_verified_one_holds(emulator):
    emulator.mailbox.add_alias("billing@nakheel.example", "pending")
    verdict, says = doctor(emulator, address="billing@nakheel.example")["gmail sender"]
    assert verdict == "fail" and "verification email" in says
    emulator.mailbox.add_alias("billing@nakheel.example")
    verdict, says = doctor(emulator, address="billing@nakheel.example")["gmail sender"]
    assert verdict == "ok" and "verified send-as alias" in says
    tally.record("real services: gmail preflight", bad_inputs=1, runs=2)


def test_the_label_found_is_named(emulator):
    transport = gmail_transport(emulator)
    send_chain(transport, ["courtesy"])
    transport.flush()
    verdict, says = doctor(emulator)["gmail label"]
    assert verdict == "ok" and says.startswith("Tahseel (Label_")


def test_the_daily_cap_reached_fails(emulator):
    send_chain(gmail_transport(emulator), ["courtesy", "due"])
    verdict, says = doctor(emulator, daily_cap=2)["gmail daily cap"]
    assert verdict == "fail" and "mailbox.daily_cap (2)" in says
    verdict, says = doctor(emulator, daily_cap=5)["gmail daily cap"]
    assert verdict == "ok" and says.startswith("3 of 5 left")
    tally.record("real services: gmail preflight", bad_inputs=1, runs=2)


def test_a_token_that_may_not_list_labels_fails_the_label(emulator):
    # gmail.compose may not call labels.list nor messages.list (gmail.v1.json).
    emulator.granted_scopes = ("https://www.googleapis.com/auth/gmail.compose",)
    found = doctor(emulator)
    assert found["gmail scopes"][0] == "fail"
    assert found["gmail label"][0] == "fail" and "tahseel auth gmail" in found["gmail label"][1]
    assert found["gmail daily cap"][0] == "fail"
    tally.record("real services: gmail preflight", bad_inputs=1, runs=1)


def test_the_transport_is_built_without_asking_gmail(emulator):
    GmailTransport(credentials=Credentials(token="x"), base_url=emulator.base_url)
    assert sum(emulator.calls.values()) == 0

"""TwilioChannel replayed from a cassette: preflight, one SMS, and settling it by tag.

Replayed with ``record_mode="none"`` in CI: the client goes to Twilio's own hosts and
vcrpy answers from ``tests/cassettes/test_twilio_cassette/<test>.yaml``, matched on
method and path (queries hold the time).

Re-recording (never in CI):

- against the emulator::

      TAHSEEL_RECORD_CASSETTES=1 .venv/bin/pytest tests/contract/test_twilio_cassette.py

- against a real Twilio account (it sends one real SMS, billed; Twilio's test
  credentials cannot list messages, so live credentials are needed)::

      TAHSEEL_RECORD_CASSETTES=1 \\
      TAHSEEL_LIVE_TWILIO_ACCOUNT_SID=AC... TAHSEEL_LIVE_TWILIO_AUTH_TOKEN=... \\
      TAHSEEL_LIVE_TWILIO_FROM=+1... (a number of the account) \\
      TAHSEEL_LIVE_TWILIO_TO=+... (a mobile you own) \\
      TAHSEEL_LIVE_TWILIO_TEMPLATE=HX... (an approved Content template) \\
      .venv/bin/pytest tests/contract/test_twilio_cassette.py

What is written is scrubbed twice: ``tests.support.cassettes`` drops the Authorization
header, and this module replaces the live account SID, the two numbers and the template
SID with the replay values below in every URI and body, so the cassette replays with
the dummy credentials and holds no customer data. Look the file over before committing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailer.channel import TextMessage
from mailer.twilio import Caller, RetryPolicy, SenderPacer, TwilioChannel, build_client
from mailer.twilio.http import TwilioCredentials
from tests.emulators.twilio import ACCOUNT_SID, TwilioEmulator
from tests.support import cassettes

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "test_twilio_cassette"
REPLAY_FROM = "+15005550006"
REPLAY_TO = "+966501234567"
REPLAY_TEMPLATE = "HX" + "c" * 32
TAG = "R-CASSETTE-1"


def _replacements() -> dict[str, str]:
    live = {
        "TAHSEEL_LIVE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TAHSEEL_LIVE_TWILIO_FROM": REPLAY_FROM,
        "TAHSEEL_LIVE_TWILIO_TO": REPLAY_TO,
        "TAHSEEL_LIVE_TWILIO_TEMPLATE": REPLAY_TEMPLATE,
    }
    return {os.environ[k]: v for k, v in live.items() if os.environ.get(k)}


def _swap(text: Any, swaps: dict[str, str]) -> Any:
    for old, new in swaps.items():
        if isinstance(text, bytes):
            text = text.replace(old.encode(), new.encode())
            # Numbers appear form-encoded in bodies and queries (+ as %2B).
            text = text.replace(old.replace("+", "%2B").encode(), new.replace("+", "%2B").encode())
        elif isinstance(text, str):
            text = text.replace(old, new).replace(old.replace("+", "%2B"), new.replace("+", "%2B"))
    return text


def _scrub_request(request: Any) -> Any:
    swaps = _replacements()
    request.uri = _swap(request.uri, swaps)
    request.body = _swap(request.body, swaps)
    return cassettes.scrub_request(request)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body") or {}
    body["string"] = _swap(body.get("string", b""), _replacements())
    return cassettes.scrub_response(response)


@contextlib.contextmanager
def twilio_cassette(name: str) -> Iterator[tuple[TwilioChannel, str, str]]:
    """A channel whose traffic replays from (or records into) the cassette ``name``."""
    recording = os.environ.get("TAHSEEL_RECORD_CASSETTES") == "1"
    live = recording and bool(os.environ.get("TAHSEEL_LIVE_TWILIO_ACCOUNT_SID"))
    with contextlib.ExitStack() as stack:
        api_url: str | None = None  # replay: Twilio's hosts, answered by vcrpy
        environ = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "cassette"}
        sender, to, template = REPLAY_FROM, REPLAY_TO, REPLAY_TEMPLATE
        if live:
            environ = {
                "TWILIO_ACCOUNT_SID": os.environ["TAHSEEL_LIVE_TWILIO_ACCOUNT_SID"],
                "TWILIO_AUTH_TOKEN": os.environ["TAHSEEL_LIVE_TWILIO_AUTH_TOKEN"],
            }
            sender = os.environ["TAHSEEL_LIVE_TWILIO_FROM"]
            to = os.environ["TAHSEEL_LIVE_TWILIO_TO"]
            template = os.environ["TAHSEEL_LIVE_TWILIO_TEMPLATE"]
        elif recording:
            emulator = stack.enter_context(TwilioEmulator((REPLAY_FROM,)))
            emulator.add_template("Dear {{1}}, invoice {{2}} is due.", sid=REPLAY_TEMPLATE)
            api_url, environ = emulator.api_url, emulator.environ()
        recorded = cassettes.recorder(CASSETTES, recording=recording, match_on=("method", "path"))
        if recording:
            (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
        stack.enter_context(
            recorded.use_cassette(
                f"{name}.yaml",
                before_record_request=_scrub_request,
                before_record_response=_scrub_response,
            )
        )
        client = build_client(TwilioCredentials(), api_url=api_url, environ=environ)
        channel = TwilioChannel(
            client,
            kind="sms",
            sender=sender,
            pacer=SenderPacer(1000.0),
            caller=Caller(RetryPolicy(attempts=2, initial_wait=0.5), seed=0),
        )
        yield channel, to, template


def test_cassette_preflight_send_and_settle():
    with twilio_cassette("test_cassette_preflight_send_and_settle") as (sms, to, template):
        checked = sms.preflight({"reminder/en": template})
        assert checked.ok, checked.problems
        since = datetime.now(UTC) - timedelta(minutes=1)
        sent = sms.send(TextMessage(to, f"Invoice INV-0042 is due. Ref {TAG}", TAG))
        assert sent.ref.startswith("SM") and sent.segments == 1
        found = sms.find_sent(to, TAG, since)
        assert found is not None and found.ref == sent.ref

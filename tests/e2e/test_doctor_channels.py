"""`tahseel doctor` asks the text channels too: the demo's file channel, and Twilio.

Against the loopback Twilio (``tests/emulators/twilio``) the doctor lists the account,
the sender and each mapped WhatsApp template as checked, and names with its fix a
template not approved, or a credential whose variable is not set; it sends nothing.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.emulators.twilio import TwilioEmulator

ANCHOR = date(2026, 11, 23)
SENDER = "+15005550006"
runner = CliRunner()


def doctor(config: Path) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["doctor", "--json", "-c", str(config)])
    report = json.loads(result.output)
    lines = [line for org in report["organisations"] for line in org["lines"]]
    return result.exit_code, [line for line in lines if line["part"].startswith("channels")]


@pytest.fixture
def twilio(monkeypatch):
    with TwilioEmulator((f"whatsapp:{SENDER}", SENDER)) as emulator:
        for name, value in emulator.environ().items():
            monkeypatch.setenv(name, value)
        yield emulator


def twilio_demo(tmp_path: Path, twilio: TwilioEmulator, ar_approval: str = "approved") -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    en = twilio.add_template("Hello {{1}}, invoice {{2}}: {{3}} due {{4}} {{5}}")
    ar = twilio.add_template(
        "مرحبا {{1}} {{2}} {{3}} {{4}} {{5}}", language="ar", approval=ar_approval
    )
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    text = text.replace("  type: file\n", f"  type: twilio\n  api_url: {twilio.api_url}\n")
    text = text.replace('sender: "+966500000001"', f'sender: "{SENDER}"')
    text = text.replace("HX00000000000000000000000000000001", en.sid)
    text = text.replace("HX00000000000000000000000000000002", ar.sid)
    config.write_text(text, "utf-8")
    return config


def test_the_demo_s_file_channel_is_listed_as_where_messages_go(tmp_path: Path) -> None:
    demo.install(tmp_path / "d", anchor=ANCHOR)
    code, lines = doctor(tmp_path / "d" / "tahseel.yaml")
    assert code == 0
    assert [(line["part"], line["what"], line["verdict"]) for line in lines][:1] == [
        ("channels (file)", "whatsapp", "ok")
    ]
    assert "outbox" in lines[0]["says"]


def test_twilio_passes_with_its_account_sender_and_approved_templates(tmp_path, twilio):
    config = twilio_demo(tmp_path, twilio)
    code, lines = doctor(config)
    assert code == 0, lines
    said = " | ".join(line["says"] for line in lines)
    assert "is active" in said and said.count("approved for WhatsApp") == 2
    assert twilio.sent() == [], "the doctor sent a message"


def test_a_template_not_approved_fails_and_says_what_to_do(tmp_path, twilio):
    config = twilio_demo(tmp_path, twilio, ar_approval="rejected")
    code, lines = doctor(config)
    assert code == 2
    [bad] = [line for line in lines if line["verdict"] == "fail"]
    assert "courtesy/ar" in bad["says"] and "rejected" in bad["says"]


def test_a_credential_not_in_the_environment_fails_with_its_variable(
    tmp_path, twilio, monkeypatch
) -> None:
    config = twilio_demo(tmp_path, twilio)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    code, lines = doctor(config)
    assert code == 2
    assert any(
        line["verdict"] == "fail" and "TWILIO_AUTH_TOKEN" in line["says"] for line in lines
    ), lines

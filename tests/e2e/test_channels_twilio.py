"""Email and WhatsApp together: the demo's CSV ledger and Maildir, WhatsApp through Twilio.

The real CLI runs in-process against the loopback Twilio (``tests/emulators/twilio``):
the courtesy reminder goes by email and as an approved WhatsApp template, each once
across reruns; a customer's "not received" on WhatsApp resends the invoice by email and
sends the payment link back on WhatsApp; STOP opts the number out; a create whose
answer is lost is settled by listing the messages to that number, never sent twice.
"""

from __future__ import annotations

import csv
import mailbox
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.emulators.twilio import Fault, TwilioEmulator

ANCHOR = date(2026, 11, 23)
SENDER = "+15005550006"
CUSTOMER = "+966501234567"  # C-001's phone in the demo ledger, 050 123 4567
runner = CliRunner()


@pytest.fixture
def twilio(monkeypatch):
    with TwilioEmulator((f"whatsapp:{SENDER}", SENDER)) as emulator:
        for name, value in emulator.environ().items():
            monkeypatch.setenv(name, value)
        yield emulator


def install(tmp_path: Path, twilio: TwilioEmulator) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    en = twilio.add_template("Hello {{1}}, invoice {{2}} for {{3}} is due on {{4}}: {{5}}")
    ar = twilio.add_template(
        "مرحبا {{1}}، الفاتورة {{2}} بمبلغ {{3}} تستحق في {{4}}: {{5}}", language="ar"
    )
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    text = text.replace("  type: file\n", f"  type: twilio\n  api_url: {twilio.api_url}\n")
    text = text.replace('sender: "+966500000001"', f'sender: "{SENDER}"')
    text = text.replace("HX00000000000000000000000000000001", en.sid)
    text = text.replace("HX00000000000000000000000000000002", ar.sid)
    config.write_text(text, "utf-8")
    (folder / ".tahseel-demo").unlink()  # edited: no longer the demo's own
    return folder


def run(folder: Path, day: date):
    return runner.invoke(
        app, ["run", "--today", day.isoformat(), "-c", str(folder / "tahseel.yaml")]
    )


def whatsapp_to(twilio: TwilioEmulator, number: str = CUSTOMER) -> list:
    return [m for m in twilio.sent() if m.to == f"whatsapp:{number}"]


def notes(folder: Path) -> list[dict[str, str]]:
    path = folder / "demo" / "invoices.notes.csv"
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sent_mail(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent = box.get_folder("Sent")
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(sent.get_bytes(key)) for key in sent.keys()]


def test_the_courtesy_goes_by_email_and_whatsapp_once_each(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    first = run(folder, ANCHOR)
    assert first.exit_code == 1, first.output  # INV-1010 has no email, as in the demo
    assert "WhatsApp messages" in first.output
    [message] = whatsapp_to(twilio)
    assert message.content_sid and "INV-1001/" in message.body  # the Arabic template, tagged
    assert "https://pay.nakheel.example/invoices/INV-1001" in message.body
    courtesy = [m for m in sent_mail(folder) if m["X-Tahseel-Stage"] == "courtesy"]
    assert [m["X-Tahseel-Invoice"] for m in courtesy] == ["INV-1001"]
    texted = [n for n in notes(folder) if "by WhatsApp" in n["text"]]
    assert len(texted) == 1 and CUSTOMER in texted[0]["text"]

    again = run(folder, ANCHOR)
    assert again.exit_code == 1, again.output
    assert len(whatsapp_to(twilio)) == 1, "a rerun sent the WhatsApp message again"
    assert len([n for n in notes(folder) if "by WhatsApp" in n["text"]]) == 1


def test_a_lost_state_store_finds_the_whatsapp_message_at_twilio_not_sent_again(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    assert run(folder, ANCHOR).exit_code == 1
    assert len(whatsapp_to(twilio)) == 1
    for path in folder.glob("tahseel-state.db*"):
        path.unlink()
    again = run(folder, ANCHOR)
    assert again.exit_code == 1, again.output
    assert len(whatsapp_to(twilio)) == 1, "the WhatsApp message went again"
    assert len([n for n in notes(folder) if "by WhatsApp" in n["text"]]) == 1


def test_not_received_on_whatsapp_resends_by_email_and_the_link_on_whatsapp(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    assert run(folder, ANCHOR).exit_code == 1
    twilio.receive(CUSTOMER, "لم تصلنا الفاتورة، أرجو إرسالها", sender=f"whatsapp:{SENDER}")
    day = ANCHOR + timedelta(days=1)
    result = run(folder, day)
    assert result.exit_code == 1, result.output
    resent = [m for m in sent_mail(folder) if m["X-Tahseel-Stage"] == "resend"]
    assert "INV-1001" in [m["X-Tahseel-Invoice"] for m in resent]
    link = [m for m in whatsapp_to(twilio) if not m.content_sid]
    assert len(link) == 1 and "https://pay.nakheel.example/invoices/INV-1001" in link[0].body
    assert run(folder, day).exit_code == 1
    assert len([m for m in whatsapp_to(twilio) if not m.content_sid]) == 1


def test_stop_on_whatsapp_opts_the_number_out_until_opt_in(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    twilio.receive(CUSTOMER, "إيقاف", sender=f"whatsapp:{SENDER}")
    result = run(folder, ANCHOR)
    assert result.exit_code == 1, result.output
    assert whatsapp_to(twilio) == []
    assert f"not texted INV-1001: courtesy by WhatsApp: {CUSTOMER} opted out" in result.output
    assert any("opted out of text messages" in n["text"] for n in notes(folder))
    config = str(folder / "tahseel.yaml")
    assert runner.invoke(app, ["opt-in", "0501234567", "-c", config]).exit_code == 0
    assert runner.invoke(app, ["opt-in", CUSTOMER, "-c", config]).exit_code == 2


def test_a_create_whose_answer_is_lost_is_settled_by_its_tag_not_sent_again(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    # The run's one create (its WhatsApp message) is done, then its connection dropped.
    twilio.faults.append(Fault("drop", route="messages.create", probability=1.0, act_first=True))
    first = run(folder, ANCHOR)
    assert first.exit_code == 1 and "may have gone; the next run looks" in first.output
    assert len(whatsapp_to(twilio)) == 1
    assert not [n for n in notes(folder) if "by WhatsApp" in n["text"]]
    twilio.faults.clear()
    second = run(folder, ANCHOR)
    assert second.exit_code == 1, second.output
    assert len(whatsapp_to(twilio)) == 1, "the uncertain send was repeated"
    texted = [n for n in notes(folder) if "by WhatsApp" in n["text"]]
    assert len(texted) == 1


def test_check_asks_twilio_whether_each_mapped_template_is_approved(tmp_path, twilio):
    folder = install(tmp_path, twilio)
    config = folder / "tahseel.yaml"
    pending = twilio.add_template("Hello {{1}}, invoice {{2}}", approval="pending")
    text = config.read_text("utf-8").replace(
        "      courtesy: {", f"      due: {{en: {pending.sid}}}\n      courtesy: {{"
    )
    config.write_text(text, "utf-8")
    result = runner.invoke(app, ["check", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert "WhatsApp approval is pending" in result.output and "due/en" in result.output
    assert result.output.count("approval is") == 1  # the courtesy templates are approved

"""The crash sweep of the text channels: kill -9 a run at every step of a WhatsApp or SMS
message, rerun, and count what arrived.

The demo's business sends its courtesy reminder by email and WhatsApp and its overdue
reminders by email, WhatsApp and SMS, to three customers with phones: five text
messages on the anchor day, through the local file channel or the Twilio emulator
(which the run, a child process, reaches on loopback). The run dies by SIGKILL at a
step of ``sync.run.texts`` (``TEXT_POINTS``) on its first or third message; a rerun
completes. Then every text message is there once, the same as a run without a crash
sent (channel, number, tag), and each has one ledger note.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from sync.cli import demo
from sync.run.faults import TEXT_POINTS
from tests.emulators.twilio import TwilioEmulator

ANCHOR = date(2026, 11, 23)
SENDER = "+15005550006"
PHONES = {"C-001": "050 123 4567", "C-003": "0501112222", "C-005": "+966 55 123 4567"}


@pytest.fixture(scope="module")
def twilio():
    with TwilioEmulator((f"whatsapp:{SENDER}", SENDER)) as emulator:
        yield emulator


def install(tmp_path: Path, kind: str, twilio: TwilioEmulator) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    ledger = folder / "demo" / "invoices.csv"
    with ledger.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["phones"] = PHONES.get(row["contact_id"], "")
    with ledger.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8").replace(
        "    - name: overdue\n",
        "    - name: overdue\n      channels: [email, whatsapp, sms]\n",
        1,  # the default policy's stage (the named policies' come later)
    )
    text = text.replace(
        "      courtesy: {",
        f"      overdue: {{en: HX{'3' * 32}, ar: HX{'4' * 32}}}\n      courtesy: {{",
    )
    text = text.replace("  # sms:\n  #   sender: Nakheel", "  sms:\n    sender: Nakheel")
    if kind == "twilio":
        sids = {}
        for sid in ("1" * 32, "2" * 32, "3" * 32, "4" * 32):
            sids[sid] = twilio.add_template("{{1}} {{2}} {{3}} {{4}} {{5}}", sid="HX" + sid)
        text = text.replace("  type: file\n", f"  type: twilio\n  api_url: {twilio.api_url}\n")
        text = text.replace('sender: "+966500000001"', f'sender: "{SENDER}"')
        text = text.replace("sender: Nakheel", f'sender: "{SENDER}"')
        text = text.replace("HX00000000000000000000000000000001", "HX" + "1" * 32)
        text = text.replace("HX00000000000000000000000000000002", "HX" + "2" * 32)
    config.write_text(text, "utf-8")
    return folder


def run(folder: Path, twilio: TwilioEmulator, failpoint: str | None):
    env = {**os.environ, "PYTHONPATH": os.getcwd(), **twilio.environ()}
    env.pop("TAHSEEL_FAILPOINTS", None)
    if failpoint:
        env["TAHSEEL_FAILPOINTS"] = failpoint
    command = [sys.executable, "-m", "sync", "run", "-c", str(folder / "tahseel.yaml")]
    return subprocess.run(
        [*command, "--today", ANCHOR.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def texts(folder: Path, kind: str, twilio: TwilioEmulator) -> Counter[tuple[str, str, str]]:
    """(channel, number, tag) of every text message that went out, with how often."""
    if kind == "twilio":
        found = Counter()
        for m in twilio.sent():
            tag = next(w for w in m.body.split() if w.startswith("INV-") and "/" in w)
            channel = "whatsapp" if m.to.startswith("whatsapp:") else "sms"
            found[(channel, m.to.removeprefix("whatsapp:"), tag.rstrip(".,:"))] += 1
        return found
    path = folder / "demo" / "texts" / "outbox.jsonl"
    lines = [json.loads(x) for x in path.read_text("utf-8").splitlines()] if path.exists() else []
    return Counter((m["channel"], m["to"], m["tag"]) for m in lines)


def text_notes(folder: Path) -> Counter[str]:
    with (folder / "demo" / "invoices.notes.csv").open(encoding="utf-8") as f:
        return Counter(n["key"] for n in csv.DictReader(f) if "@" in n["key"])


@pytest.fixture(scope="module")
def clean(tmp_path_factory, twilio):
    outcomes = {}
    for kind in ("file", "twilio"):
        twilio.account.messages.clear()
        folder = install(tmp_path_factory.mktemp(f"clean-{kind}"), kind, twilio)
        assert run(folder, twilio, None).returncode == 1
        sent = texts(folder, kind, twilio)
        assert len(sent) == 5 and set(sent.values()) == {1}, sent
        outcomes[kind] = (sent, text_notes(folder))
    return outcomes


@pytest.mark.parametrize("kind", ["file", "twilio"])
@pytest.mark.parametrize("point", TEXT_POINTS)
@pytest.mark.parametrize("hit", [1, 3])
def test_crash_at_every_text_step_then_rerun(tmp_path, twilio, clean, kind, point, hit):
    twilio.account.messages.clear()
    folder = install(tmp_path, kind, twilio)
    crashed = run(folder, twilio, f"{point}={hit}")
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    final = run(folder, twilio, None)
    assert final.returncode == 1, final.stdout + final.stderr
    sent, noted = clean[kind]
    assert texts(folder, kind, twilio) == sent, "a crash caused a duplicate or a missing text"
    assert text_notes(folder) == noted, "a crash caused a duplicate or a missing note"

"""Safety rails: preview by default, test mode's redirect, the circuit breaker."""

from __future__ import annotations

import csv
import mailbox
import re
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
runner = CliRunner()


def install(tmp_path: Path, mode: str = "live") -> Path:
    demo.install(tmp_path / "d", anchor=ANCHOR, mode=mode)
    return tmp_path / "d"


def edit(folder: Path, old: str, new: str) -> None:
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def run(folder: Path, *args: str):
    return runner.invoke(
        app, ["run", "--today", ANCHOR.isoformat(), "-c", str(folder / "tahseel.yaml"), *args]
    )


def sent(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    folder_ = box.get_folder("Sent")
    messages = [parser.parsebytes(folder_.get_bytes(k)) for k in folder_.keys()]
    return [m for m in messages if m["Date"].datetime.date() == ANCHOR]


def notes(folder: Path) -> list[dict[str, str]]:
    path = folder / "demo" / "invoices.notes.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_init_starts_in_preview_and_preview_sends_nothing(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0 and "preview" in result.output
    assert "\nmode: preview\n" in (tmp_path / "new" / "tahseel.yaml").read_text("utf-8")

    folder = install(tmp_path, mode="preview")
    result = run(folder)
    assert "Preview" in result.output and "reminders: overdue" in result.output
    assert sent(folder) == [] and notes(folder) == []


def test_test_mode_sends_every_message_to_the_test_address_and_keeps_state_apart(tmp_path):
    folder = install(tmp_path)
    edit(folder, "mode: live\n", "mode: test\ntest_recipients: [qa@nakheel.example]\n")
    result = run(folder)
    assert result.exit_code in (0, 1), result.output
    messages = sent(folder)
    assert len(messages) >= 5
    for m in messages:
        assert m["To"] == "qa@nakheel.example" and not m["Cc"]
        assert m["Subject"].startswith("[TEST] ")
        real = re.search(r"would go to (\S+@\S+)\.", m.get_body(("plain",)).get_content())
        assert real and real.group(1) != "qa@nakheel.example"
        assert "TEST MODE" in m.get_body(("html",)).get_content()
    assert all("test mode" in n["text"] for n in notes(folder))

    edit(folder, "mode: test\ntest_recipients: [qa@nakheel.example]\n", "mode: live\n")
    assert run(folder).exit_code in (0, 1)
    live = [m for m in sent(folder) if m["To"] != "qa@nakheel.example"]
    assert len(live) == len(messages), "test runs must not use up the live rungs"


def test_the_circuit_breaker_stops_a_large_plan_until_approved(tmp_path):
    folder = install(tmp_path)
    edit(folder, "  max_share_of_open: 0.5", "  max_share_of_open: 0.3")
    edit(folder, "  floor: 20", "  floor: 2")
    stopped = run(folder)
    assert stopped.exit_code == 4, stopped.output
    assert "circuit breaker" in stopped.output and "open invoices" in stopped.output
    assert sent(folder) == [] and notes(folder) == []
    fingerprint = re.search(r"--approve ([0-9a-f]{12})", stopped.output).group(1)

    assert run(folder, "--approve", "0" * 12).exit_code == 4
    approved = run(folder, "--approve", fingerprint)
    assert approved.exit_code in (0, 1), approved.output
    assert len(sent(folder)) >= 5


def test_a_dry_run_says_the_breaker_would_stop(tmp_path):
    folder = install(tmp_path)
    edit(folder, "  max_emails_per_run: 200", "  max_emails_per_run: 3")
    result = run(folder, "--dry-run")
    assert "A live run would stop here" in result.output
    assert "max_emails_per_run" in result.output

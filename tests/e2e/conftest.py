"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from sync.cli import demo
from tests.emulators.gmail import GmailEmulator

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
SENDER = "accounts@nakheel.example"


@pytest.fixture
def gmail(tmp_path, monkeypatch):
    monkeypatch.delenv("GMAIL_TOKEN", raising=False)
    with GmailEmulator(SENDER) as emulator:
        folder = tmp_path / "d"
        demo.install(folder, anchor=ANCHOR)
        config = folder / "tahseel.yaml"
        block = (
            "mailbox:\n"
            "  type: gmail\n"
            "  token_file: gmail-token.json\n"
            f"  api_url: {emulator.base_url}\n"
            f"  token_uri: {emulator.token_uri}\n\n"
        )
        text = re.sub(r"(?ms)^mailbox:\n.*?(?=^state:)", block, config.read_text("utf-8"))
        config.write_text(text, encoding="utf-8")
        token = {
            "token": "access-1",
            "refresh_token": "refresh-1",
            "client_id": "tahseel-tests",
            "client_secret": "not-a-secret",
            "expiry": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        (folder / "gmail-token.json").write_text(json.dumps(token), encoding="utf-8")
        yield emulator, folder

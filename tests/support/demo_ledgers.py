"""The demo's folder on the loopback Xero or QuickBooks ledger, for runs through the CLI.

The demo's configuration with its ledger section replaced by the emulator's, an empty
Maildir (the demo's story is its CSV ledger's), the client's credentials in the
environment and a token file, as ``tahseel auth`` would leave them.
"""

from __future__ import annotations

import mailbox
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from sync.cli import demo
from tests.emulators.quickbooks import QuickBooksEmulator
from tests.emulators.quickbooks import token_file_for as quickbooks_token
from tests.emulators.xero import XeroEmulator
from tests.emulators.xero import token_file_for as xero_token


def with_ledger(folder: Path, anchor: date, block: str) -> Path:
    """Install the demo in ``folder`` with ``block`` as its ledger section and no mail."""
    demo.install(folder, anchor=anchor)
    config = folder / "tahseel.yaml"
    shutil.rmtree(folder / "demo" / "mailbox")
    mailbox.Maildir(folder / "demo" / "mailbox", create=True)
    text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", block, config.read_text("utf-8"))
    config.write_text(text, "utf-8")
    return config


@contextmanager
def xero_demo(
    folder: Path, anchor: date, monkeypatch: pytest.MonkeyPatch, settings: str = ""
) -> Iterator[tuple[XeroEmulator, Path]]:
    """The demo on the Xero emulator; ``settings`` adds lines to its ledger section."""
    with XeroEmulator() as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        block = (
            f"ledger:\n  type: xero\n  token_file: xero-token.json\n{settings}  auth_port: 0\n"
            f"  api_url: {emulator.api_url}\n  identity_url: {emulator.base_url}\n"
            f"  connections_url: {emulator.base_url}\n  login_url: {emulator.authorize_url}\n\n"
        )
        config = with_ledger(folder, anchor, block)
        xero_token(emulator, config.parent / "xero-token.json")
        yield emulator, config


@contextmanager
def quickbooks_demo(
    folder: Path, anchor: date, monkeypatch: pytest.MonkeyPatch, settings: str = ""
) -> Iterator[tuple[QuickBooksEmulator, Path]]:
    """The demo on the QuickBooks emulator; ``settings`` adds lines to its ledger section."""
    with QuickBooksEmulator() as emulator:
        monkeypatch.setenv("QUICKBOOKS_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("QUICKBOOKS_TOKEN", raising=False)
        block = (
            f"ledger:\n  type: quickbooks\n  token_file: qbo-token.json\n{settings}"
            f"  api_url: {emulator.api_url}\n  discovery_url: {emulator.discovery_url}\n\n"
        )
        config = with_ledger(folder, anchor, block)
        quickbooks_token(emulator, config.parent / "qbo-token.json")
        yield emulator, config

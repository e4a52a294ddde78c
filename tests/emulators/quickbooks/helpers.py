"""Wiring a real ``QuickBooksLedger`` to a running ``QuickBooksEmulator``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from connectors.quickbooks import QuickBooksLedger
from tests.emulators.quickbooks.server import QuickBooksEmulator


def token_file_for(emulator: QuickBooksEmulator, path: Path, **options: Any) -> Path:
    """Write a fresh token set from the emulator to ``path`` (mode 0600)."""
    path.write_text(json.dumps(emulator.issue_token(**options)))
    os.chmod(path, 0o600)
    return path


def ledger_for(emulator: QuickBooksEmulator, tmp_path: Path, **options: Any) -> QuickBooksLedger:
    """A ``QuickBooksLedger`` pointed at the emulator, with its own token file in ``tmp_path``."""
    token_file = options.pop("token_file", None) or token_file_for(
        emulator, tmp_path / "quickbooks-token.json"
    )
    return QuickBooksLedger(
        client_id=emulator.identity.client_id,
        client_secret=emulator.identity.client_secret,
        token_file=token_file,
        api_url=emulator.api_url,
        discovery_url=emulator.discovery_url,
        **options,
    )

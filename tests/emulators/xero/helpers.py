"""Wiring a real ``XeroLedger`` to a running ``XeroEmulator``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from connectors.xero import XeroLedger
from tests.emulators.xero.server import XeroEmulator


def token_file_for(emulator: XeroEmulator, path: Path, **options: Any) -> Path:
    """Write a fresh token set from the emulator to ``path`` (mode 0600)."""
    path.write_text(json.dumps(emulator.issue_token(**options)))
    os.chmod(path, 0o600)
    return path


def ledger_for(emulator: XeroEmulator, tmp_path: Path, **options: Any) -> XeroLedger:
    """A ``XeroLedger`` pointed at the emulator, with its own token file in ``tmp_path``."""
    token_file = options.pop("token_file", None) or token_file_for(
        emulator, tmp_path / "xero-token.json"
    )
    return XeroLedger(
        client_id=emulator.identity.client_id,
        client_secret=emulator.identity.client_secret,
        token_file=token_file,
        api_url=emulator.api_url,
        identity_url=emulator.base_url,
        connections_url=emulator.base_url,
        **options,
    )

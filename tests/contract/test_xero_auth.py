"""The consent flow against the emulator: URL, loopback callback, code, tenants."""

from __future__ import annotations

import json
import stat
import threading
import urllib.request
from pathlib import Path

from connectors.xero.auth import authorise
from tests.emulators.xero import XeroEmulator, ledger_for


def test_consent_stores_tokens_and_tenants(tmp_path: Path) -> None:
    with XeroEmulator() as emulator:
        second = emulator.add_org("Second Org")
        who = emulator.org.add_contact("A", "a@example.com")
        emulator.org.add_invoice("INV-1", who, "5")
        shown: list[str] = []

        def browser(url: str) -> None:
            shown.append(url)
            # The person consents: the browser follows the redirect to the callback.
            threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read()).start()

        token_file = tmp_path / "xero.json"
        tenants = authorise(
            client_id=emulator.identity.client_id,
            client_secret=emulator.identity.client_secret,
            token_file=token_file,
            port=0,
            authorize_url=emulator.authorize_url,
            token_url=emulator.base_url + "/connect/token",
            connections_url=emulator.base_url + "/connections",
            show=browser,
            wait=10,
        )
        assert {t["tenantId"] for t in tenants} == {emulator.org.tenant_id, second.tenant_id}
        assert "offline_access" in shown[0] and "state=" in shown[0]
        stored = json.loads(token_file.read_text())
        assert stored["tenants"] == tenants and stored["refresh_token"].startswith("rt-")
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        ledger = ledger_for(
            emulator, tmp_path, token_file=token_file, tenant_id=emulator.org.tenant_id
        )
        assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]

"""No secret leaves the secret stores: not in output, logs, mail, notes, state or reports.

A full run on Xero and Gmail (with both tokens refreshed during the run, at debug log
level), then a run whose Xero connection was revoked, and every byte they produced
is searched for each client secret, access token and refresh token involved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sync.cli import demo
from tests.emulators.gmail import GmailEmulator
from tests.emulators.xero import XeroEmulator, token_file_for

ANCHOR = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]
SENDER = "accounts@nakheel.example"
GMAIL_CLIENT_SECRET = "gmail-client-secret-7f3a9c"
GMAIL_REFRESH = "gmail-refresh-token-b81d44"
GMAIL_ACCESS = "gmail-access-token-0c52e1"


def configure(folder: Path, xero: XeroEmulator, gmail: GmailEmulator) -> None:
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    text = re.sub(
        r"(?ms)^ledger:\n.*?(?=^sender:)",
        "ledger:\n  type: xero\n  token_file: xero-token.json\n"
        f"  api_url: {xero.api_url}\n  identity_url: {xero.base_url}\n"
        f"  connections_url: {xero.base_url}\n\n",
        text,
    )
    text = re.sub(
        r"(?ms)^mailbox:\n.*?(?=^state:)",
        "mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
        f"  api_url: {gmail.base_url}\n  token_uri: {gmail.token_uri}\n\n",
        text,
    )
    config.write_text(text, "utf-8")
    expired = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = {
        "token": GMAIL_ACCESS,
        "refresh_token": GMAIL_REFRESH,
        "client_id": "tahseel-tests",
        "client_secret": GMAIL_CLIENT_SECRET,
        "expiry": expired,  # refreshed during the run
    }
    (folder / "gmail-token.json").write_text(json.dumps(token), "utf-8")
    token_file_for(xero, folder / "xero-token.json", expires_in=1)  # refreshed too


def run(folder: Path, env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "sync", "run", "--json", "-c", str(folder / "tahseel.yaml")]
        + ["--today", ANCHOR.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return done.stdout, done.stderr


def seed(org) -> None:
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for n, due in enumerate((date(2026, 11, 22), ANCHOR, date(2026, 11, 26)), 1):
        who = org.add_contact(f"Customer {n}", f"c{n}@example.com")
        org.add_invoice(f"INV-{n}", who, "100.00", due_date=due, updated=hour_ago)


def test_a_full_run_leaks_no_secret(tmp_path):
    with XeroEmulator() as xero, GmailEmulator(SENDER) as gmail:
        folder = tmp_path / "d"
        demo.install(folder, anchor=ANCHOR)
        shutil.rmtree(folder / "demo" / "mailbox")
        configure(folder, xero, gmail)
        seed(xero.org)
        first = json.loads((folder / "xero-token.json").read_text())
        secrets = {
            xero.identity.client_secret,
            GMAIL_CLIENT_SECRET,
            GMAIL_REFRESH,
            GMAIL_ACCESS,
            first["access_token"],
            first["refresh_token"],
        }
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TAHSEEL_LOG": "DEBUG",
            "XERO_CLIENT_ID": xero.identity.client_id,
            "XERO_CLIENT_SECRET": xero.identity.client_secret,
        }
        env.pop("XERO_TOKEN", None)
        env.pop("GMAIL_TOKEN", None)
        stdout, stderr = run(folder, env)
        report = json.loads(stdout)
        assert report["emails"] == 3, stderr
        assert "INV-1" in stderr, "the debug log is captured"
        output = stdout + stderr

        # The refreshed tokens are secrets as much as the first ones.
        xero_now = json.loads((folder / "xero-token.json").read_text())
        gmail_now = json.loads((folder / "gmail-token.json").read_text())
        assert xero_now["refresh_token"] != first["refresh_token"], "Xero's token rotated"
        assert gmail_now["token"] != GMAIL_ACCESS, "Gmail's token was refreshed"
        secrets |= {xero_now["access_token"], xero_now["refresh_token"], gmail_now["token"]}

        xero.identity.refresh.clear()  # the connection is removed in Xero
        (folder / "xero-token.json").write_text(json.dumps({**xero_now, "expires_at": 0}), "utf-8")
        stdout, stderr = run(folder, env)
        assert "tahseel auth xero" in stdout + stderr
        output += stdout + stderr

        produced = [
            output,
            *(m.raw.decode("utf-8", "replace") for m in gmail.sent()),
            *(note for inv in xero.org.invoices for note in xero.org.notes(inv)),
            (folder / "tahseel-state.db").read_bytes().decode("latin-1"),
        ]
        assert any("Tahseel" in text for text in produced[2:]), "notes are searched"
        for secret in secrets:
            assert len(secret) >= 8
            for text in produced:
                assert secret not in text, f"a secret leaked: {secret[:4]}..."

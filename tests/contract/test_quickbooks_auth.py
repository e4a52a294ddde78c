"""`tahseel auth quickbooks` against the emulator: sandbox loopback, production paste, import.

Intuit takes ``http://localhost`` redirect URIs for development (sandbox) keys only;
production keys need an https one (``tests/emulators/quickbooks/oauth.py`` cites the
documentation). The pasted-address path reads the address from stdin through typer's
prompt, so CliRunner's ``input=`` stands in for the person.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import threading
import types
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from typer.testing import CliRunner

from connectors.errors import LedgerAuthError
from connectors.quickbooks import auth
from sync.cli import app, demo
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
from tests.emulators.quickbooks.oauth import ACCOUNTING, free_loopback_port
from tests.emulators.quickbooks.server import AUTHORIZE_PATH
from tests.support import tally

SUITE = "real services: quickbooks sign-in"
LANDING = "https://tahseel.example/quickbooks/landed"
STATE = "state-of-this-sign-in"
runner = CliRunner()


def consent(emulator: QuickBooksEmulator, redirect: str, state: str = STATE) -> str:
    """What the browser does on the consent page: the address it is sent on to."""
    query = {
        "client_id": emulator.identity.client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": ACCOUNTING,
        "state": state,
    }
    answer = requests.get(
        f"{emulator.base_url}{AUTHORIZE_PATH}?{urlencode(query)}", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


@pytest.fixture
def production(tmp_path, monkeypatch):
    """An emulator with production keys, the landing page registered, and a configuration."""
    with QuickBooksEmulator(keys="production") as emulator:
        emulator.identity.register(LANDING)
        who = emulator.company.add_customer("A", "a@example.com")
        emulator.company.add_invoice("INV-1", who, "5")
        monkeypatch.setenv("QUICKBOOKS_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("QUICKBOOKS_TOKEN", raising=False)
        # The state this sign-in makes, known to the test so the consent can come first.
        fixed = types.SimpleNamespace(token_urlsafe=lambda n=16: STATE)
        monkeypatch.setattr(auth, "secrets", fixed)
        folder = tmp_path / "d"
        demo.install(folder, anchor=date(2026, 11, 23))
        shutil.rmtree(folder / "demo" / "mailbox", ignore_errors=True)
        config = folder / "tahseel.yaml"
        block = (
            "ledger:\n  type: quickbooks\n  token_file: qbo-token.json\n"
            f"  api_url: {emulator.api_url}\n  discovery_url: {emulator.discovery_url}\n\n"
        )
        text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", block, config.read_text("utf-8"))
        config.write_text(text, "utf-8")
        yield emulator, config


def sign_in(config: Path, *options: str, typed: str | None = None):
    args = ["auth", "quickbooks", "-c", str(config), "--no-browser", *options]
    return runner.invoke(app, args, input=typed)


def test_production_keys_connect_through_a_pasted_address(production, tmp_path):
    emulator, config = production
    landed = consent(emulator, LANDING)
    result = sign_in(config, "--redirect-uri", LANDING, typed=landed + "\n")
    assert result.exit_code == 0, result.output
    assert f"Connected to company {emulator.company.realm_id}" in result.output
    printed = re.search(r"^http\S+", result.output, re.M)
    assert printed and "redirect_uri=https%3A%2F%2Ftahseel.example" in printed.group(0)
    token_file = config.parent / "qbo-token.json"
    stored = json.loads(token_file.read_text())
    assert stored["realm_id"] == emulator.company.realm_id
    assert stored["environment"] == "production" and stored["scope"] == ACCOUNTING
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    ledger = ledger_for(emulator, tmp_path, token_file=token_file)
    assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]


@pytest.mark.parametrize(
    ("landed", "says"),
    [
        (lambda e: consent(e, LANDING, state="another-sign-in"), "state"),
        (lambda e: f"{LANDING}?state={STATE}&realmId={e.company.realm_id}", "no code="),
        (lambda e: f"{LANDING}?code=abc&state={STATE}", "no realmId="),
    ],
    ids=["wrong state", "missing code", "missing realm"],
)
def test_a_pasted_address_that_does_not_fit_is_refused(production, landed, says):
    emulator, config = production
    result = sign_in(config, "--redirect-uri", LANDING, typed=landed(emulator) + "\n")
    assert result.exit_code == 4, result.output
    assert says in result.output and "Traceback" not in result.output
    assert not (config.parent / "qbo-token.json").exists()
    tally.record(SUITE, bad_inputs=1)


def test_a_declined_consent_says_so(production):
    emulator, config = production
    emulator.identity.consent = "deny"
    landed = consent(emulator, LANDING)
    assert "error=access_denied" in landed
    result = sign_in(config, "--redirect-uri", LANDING, typed=landed + "\n")
    assert result.exit_code == 4, result.output
    assert "error=access_denied" in result.output and "chose not to connect" in result.output
    tally.record(SUITE, bad_inputs=1)


@pytest.mark.parametrize(
    "options", [(), ("--redirect-uri", "http://tahseel.example/landed")], ids=["loopback", "http"]
)
def test_production_keys_with_plain_http_are_refused_before_anything(production, options):
    emulator, config = production
    result = sign_in(config, *options)
    assert result.exit_code == 2, result.output
    assert "https redirect URI" in result.output and "--redirect-uri" in result.output
    assert emulator.log.calls["GET authorize"] == 0
    tally.record(SUITE, bad_inputs=1)


def test_the_loopback_flow_is_refused_by_intuit_for_production_keys(tmp_path):
    # The library, as the old command called it: Intuit never redirects to localhost
    # for production keys, so the flow must refuse at once rather than wait.
    with QuickBooksEmulator(keys="production") as emulator:
        port = free_loopback_port()
        with pytest.raises(ValueError, match="https"):
            emulator.identity.register(f"http://localhost:{port}/callback")

        def browser(url: str) -> None:
            threading.Thread(target=lambda: _visit(url)).start()

        with pytest.raises(LedgerAuthError, match="https redirect URI"):
            auth.authorise(
                client_id=emulator.identity.client_id,
                client_secret=emulator.identity.client_secret,
                token_file=tmp_path / "qbo.json",
                environment="production",
                discovery_url=emulator.discovery_url,
                port=port,
                show=browser,
                wait=2,
            )
        # Intuit's consent page itself refuses an unregistered or plain-http redirect.
        query = {"client_id": emulator.identity.client_id, "scope": ACCOUNTING, "state": "s"}
        query["redirect_uri"] = f"http://localhost:{port}/callback"
        page = requests.get(
            f"{emulator.base_url}{AUTHORIZE_PATH}?{urlencode(query)}",
            allow_redirects=False,
            timeout=10,
        )
        assert page.status_code == 400 and "Location" not in page.headers
        assert b"redirect_uri query parameter value is invalid" in page.content
    tally.record(SUITE, bad_inputs=2)


def _visit(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=5).read()
    except OSError:
        pass  # Intuit's error page: the browser shows it, nothing comes back


def test_a_token_from_the_playground_is_imported(production, tmp_path):
    emulator, config = production
    playground = emulator.identity.issue(emulator.company.realm_id)
    playground["realmId"] = emulator.company.realm_id
    source = tmp_path / "playground.json"
    source.write_text(json.dumps(playground))
    result = sign_in(config, "--token-file", str(source))
    assert result.exit_code == 0, result.output
    stored = json.loads((config.parent / "qbo-token.json").read_text())
    assert stored["realm_id"] == emulator.company.realm_id
    assert stored["refresh_token"] != playground["refresh_token"], "checked by one refresh"
    assert emulator.identity.refreshes == 1 and "scope" not in stored
    ledger = ledger_for(emulator, tmp_path, token_file=config.parent / "qbo-token.json")
    assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ({"access_token": "at-x", "realmId": "1"}, "missing refresh_token"),
        ({"access_token": "at-x", "refresh_token": "rt-x"}, "missing realmId"),
        ("not json {", "is not a JSON object"),
        ({"refresh_token": "rt-never-issued", "realmId": "1"}, "refused its refresh token"),
    ],
    ids=["no refresh token", "no realm", "not json", "dead refresh token"],
)
def test_a_token_file_that_cannot_be_used_is_refused(production, tmp_path, content, says):
    emulator, config = production
    source = tmp_path / "playground.json"
    source.write_text(content if isinstance(content, str) else json.dumps(content))
    result = sign_in(config, "--token-file", str(source))
    assert result.exit_code == 4, result.output
    assert says in result.output and str(source) in result.output.replace("\n", "")
    assert "rt-x" not in result.output and "at-x" not in result.output
    assert not (config.parent / "qbo-token.json").exists()
    tally.record(SUITE, bad_inputs=1)

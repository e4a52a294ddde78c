"""``tahseel auth``: connect Tahseel to an online service once and keep the token."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from connectors.errors import LedgerError
from mailer.errors import MailError
from sync.cli.common import ConfigOption, OrgOption, fail, out, settings_of
from sync.config.services import (
    GmailSettings,
    MissingSecret,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    secret,
)
from sync.run.outcome import EXIT_ABORTED


def auth_xero(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel for your Xero organisation(s) and store the token.

    Needs `ledger.type: xero` in the configuration, the app's client id and secret
    in the environment variables it names (XERO_CLIENT_ID, XERO_CLIENT_SECRET by
    default), and http://localhost:8765/callback (or `ledger.auth_port`) registered
    as the app's redirect URI at developer.xero.com. Opens Xero's consent page, waits
    for you to approve, and writes `ledger.token_file` (mode 0600).
    """
    from connectors.xero.auth import AUTHORIZE_URL, authorise

    settings = settings_of(config, org)
    ledger = settings.ledger
    if not isinstance(ledger, XeroLedgerSettings):
        fail(f"{config}: ledger.type is {ledger.type}, not xero; nothing to authorise.")
    client_id, client_secret = _app_credentials(config, ledger)
    identity = (ledger.identity_url or "https://identity.xero.com").rstrip("/")
    connections = (ledger.connections_url or "https://api.xero.com").rstrip("/")
    token_file = settings.resolve(ledger.token_file)

    try:
        tenants = authorise(
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            port=ledger.auth_port,
            authorize_url=ledger.login_url or AUTHORIZE_URL,
            token_url=f"{identity}/connect/token",
            connections_url=f"{connections}/connections",
            show=_consent_page(no_browser, "Xero"),
        )
    except LedgerError as exc:
        fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"\nConnected. Token stored in {token_file} (mode 0600).")
    for tenant in tenants:
        out.print(f"  {tenant['tenantName']}  tenant_id: {tenant['tenantId']}", markup=False)
    if len(tenants) > 1 and not ledger.tenant_id:
        out.print("Several organisations: set ledger.tenant_id to the one to chase.")


def auth_gmail(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel to send from and read the Gmail mailbox, and store the token.

    Needs `mailbox.type: gmail` and an OAuth client of type "Desktop app" from Google
    Cloud (APIs & Services > Credentials), downloaded as `mailbox.client_secrets_file`.
    Sign in as the sender (`sender.email`); the token is written to `mailbox.token_file`
    (mode 0600). The scope asked for is gmail.modify: drafts and sending, reading
    replies, and the Tahseel label.
    """
    from mailer.gmail_auth import authorize_installed_app

    settings = settings_of(config, org)
    box = settings.mailbox
    if not isinstance(box, GmailSettings):
        fail(f"{config}: mailbox.type is {box.type}, not gmail; nothing to authorise.")
    secrets_file = settings.resolve(box.client_secrets_file)
    if not secrets_file.exists():
        fail(
            f"{config}: mailbox.client_secrets_file: {secrets_file} does not exist; download"
            " the OAuth client (Desktop app) JSON from Google Cloud."
        )
    token_file = settings.resolve(box.token_file)
    try:
        authorize_installed_app(secrets_file, token_file, open_browser=not no_browser)
    except (MailError, ValueError, OSError) as exc:
        fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"Connected. Token stored in {token_file} (mode 0600).")


def auth_quickbooks(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel for your QuickBooks Online company and store the token.

    Needs `ledger.type: quickbooks`, the app's client id and secret in the environment
    variables it names (QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET by default), and
    http://localhost:8765/callback (or `ledger.auth_port`) registered as a redirect URI
    at developer.intuit.com. Opens Intuit's consent page, waits for you to choose the
    company, and writes `ledger.token_file` (mode 0600) with the company's realm id.
    """
    from connectors.quickbooks.auth import authorise

    settings = settings_of(config, org)
    ledger = settings.ledger
    if not isinstance(ledger, QuickBooksLedgerSettings):
        fail(f"{config}: ledger.type is {ledger.type}, not quickbooks; nothing to authorise.")
    client_id, client_secret = _app_credentials(config, ledger)
    token_file = settings.resolve(ledger.token_file)
    try:
        realm = authorise(
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            environment=ledger.environment,
            discovery_url=ledger.discovery_url,
            port=ledger.auth_port,
            show=_consent_page(no_browser, "QuickBooks"),
        )
    except LedgerError as exc:
        fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"\nConnected to company {realm}. Token stored in {token_file} (mode 0600).")


def _app_credentials(
    config: Path, ledger: XeroLedgerSettings | QuickBooksLedgerSettings
) -> tuple[str, str]:
    try:
        client_id = secret("ledger.client_id_env", ledger.client_id_env)
        client_secret = secret("ledger.client_secret_env", ledger.client_secret_env)
    except MissingSecret as exc:
        fail(f"{config}: {exc}")
    return client_id.get_secret_value(), client_secret.get_secret_value()


def _consent_page(no_browser: bool, service: str) -> Any:
    def show(url: str) -> None:
        out.print(f"Open this page, sign in to {service} and allow access:\n")
        out.print(url, markup=False, highlight=False, soft_wrap=True)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    return show


auth_app = typer.Typer(
    help="Connect Tahseel to an online service once; the token is kept for later runs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
auth_app.command(name="xero")(auth_xero)
auth_app.command(name="gmail")(auth_gmail)
auth_app.command(name="quickbooks")(auth_quickbooks)

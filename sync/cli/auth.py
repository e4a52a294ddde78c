"""``tahseel auth``: connect Tahseel to an online service once and keep the token.

Every service goes the same way: load the settings and check they name that service,
read the app's credentials from the environment, show the consent page, and write
the token file (mode 0600). Each service's command is a plain function, listed by
its ``type`` in ``AUTH_COMMANDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer

from connectors.errors import LedgerError
from mailer.errors import MailError
from sync.cli.common import ConfigOption, OrgOption, fail, out, settings_of
from sync.errors import MissingSecret
from sync.run.outcome import EXIT_ABORTED

if TYPE_CHECKING:
    from sync.config.services import QuickBooksLedgerSettings, XeroLedgerSettings
    from sync.config.settings import Settings

_Section = TypeVar("_Section")
_Result = TypeVar("_Result")

NoBrowserOption = Annotated[
    bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
]


def auth_xero(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: NoBrowserOption = False,
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
    from sync.config.services import XeroLedgerSettings

    settings, ledger = _configured(config, org, "ledger", "xero", XeroLedgerSettings)
    client_id, client_secret = _app_credentials(config, ledger)
    identity = (ledger.identity_url or "https://identity.xero.com").rstrip("/")
    connections = (ledger.connections_url or "https://api.xero.com").rstrip("/")
    token_file = settings.resolve(ledger.token_file)
    tenants = _connect(
        partial(
            authorise,
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            port=ledger.auth_port,
            authorize_url=ledger.login_url or AUTHORIZE_URL,
            token_url=f"{identity}/connect/token",
            connections_url=f"{connections}/connections",
            show=_consent_page(no_browser, "Xero"),
        ),
        LedgerError,
    )
    _print_connected(token_file, after_consent_page=True)
    for tenant in tenants:
        out.print(f"  {tenant['tenantName']}  tenant_id: {tenant['tenantId']}", markup=False)
    if len(tenants) > 1 and not ledger.tenant_id:
        out.print("Several organisations: set ledger.tenant_id to the one to chase.")


def auth_gmail(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: NoBrowserOption = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel to send from and read the Gmail mailbox, and store the token.

    Needs `mailbox.type: gmail` and an OAuth client of type "Desktop app" from Google
    Cloud (APIs & Services > Credentials), downloaded as `mailbox.client_secrets_file`.
    Sign in as the sender (`sender.email`); the token is written to `mailbox.token_file`
    (mode 0600). The scope asked for is gmail.modify: drafts and sending, reading
    replies, and the Tahseel label.
    """
    from mailer.gmail.auth import authorize_installed_app
    from sync.config.services import GmailSettings

    settings, box = _configured(config, org, "mailbox", "gmail", GmailSettings)
    # Google's client library opens the consent page itself; its app credentials are
    # a file downloaded from Google Cloud, not environment variables.
    secrets_file = settings.resolve(box.client_secrets_file)
    if not secrets_file.exists():
        fail(
            f"{config}: mailbox.client_secrets_file: {secrets_file} does not exist; download"
            " the OAuth client (Desktop app) JSON from Google Cloud."
        )
    token_file = settings.resolve(box.token_file)
    _connect(
        partial(authorize_installed_app, secrets_file, token_file, open_browser=not no_browser),
        MailError,
        ValueError,
        OSError,
    )
    _print_connected(token_file, after_consent_page=False)


RedirectUriOption = Annotated[
    str | None,
    typer.Option(
        "--redirect-uri",
        metavar="URL",
        help=(
            "An https redirect URI registered on the app's production keys (e.g."
            " https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl): open the"
            " printed page, then paste the address the browser lands on."
        ),
    ),
]
ImportTokenOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        metavar="FILE",
        help=(
            "Import a token set obtained elsewhere (Intuit's OAuth 2.0 Playground): its"
            " JSON with refresh_token and realmId. Nothing is opened."
        ),
    ),
]


def auth_quickbooks(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: NoBrowserOption = False,
    org: OrgOption = None,
    redirect_uri: RedirectUriOption = None,
    import_from: ImportTokenOption = None,
) -> None:
    """Authorise Tahseel for your QuickBooks Online company and store the token.

    Needs `ledger.type: quickbooks` and the app's client id and secret in the
    environment variables it names (QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET by
    default), of the keys `ledger.environment` names. Development (sandbox) keys:
    register http://localhost:8765/callback (or `ledger.auth_port`) as a redirect URI;
    Tahseel opens Intuit's consent page and takes the redirect itself. Production keys
    take https redirect URIs only: pass one registered on the app with --redirect-uri,
    open the printed page, choose the company, and paste the address the browser
    landed on. Or import tokens from Intuit's OAuth 2.0 Playground with --token-file.
    Writes `ledger.token_file` (mode 0600) with the company's realm id.
    """
    from connectors.quickbooks.auth import authorise, import_token, redirect_problem
    from sync.config.services import QuickBooksLedgerSettings

    settings, ledger = _configured(config, org, "ledger", "quickbooks", QuickBooksLedgerSettings)
    if redirect_uri and import_from:
        fail("Give --redirect-uri or --token-file, not both.")
    loopback = f"http://localhost:{ledger.auth_port}/callback"
    redirect = redirect_uri or loopback
    problem = None if import_from else redirect_problem(redirect, ledger.environment)
    if problem:
        alone = (
            "" if redirect_uri else " Without --redirect-uri Tahseel listens on http://localhost."
        )
        fail(f"{config}: ledger.environment is {ledger.environment}: {problem}{alone}")
    client_id, client_secret = _app_credentials(config, ledger)
    token_file = settings.resolve(ledger.token_file)
    if import_from:
        realm = _connect(
            partial(
                import_token,
                import_from,
                client_id=client_id,
                client_secret=client_secret,
                token_file=token_file,
                environment=ledger.environment,
                discovery_url=ledger.discovery_url,
                realm_id=ledger.realm_id,
            ),
            LedgerError,
        )
        _print_connected(token_file, f"to company {realm}", after_consent_page=False)
        return
    realm = _connect(
        partial(
            authorise,
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            environment=ledger.environment,
            discovery_url=ledger.discovery_url,
            port=ledger.auth_port,
            redirect_uri=redirect_uri,
            ask=_ask,
            show=_consent_page(no_browser, "QuickBooks"),
        ),
        LedgerError,
    )
    _print_connected(token_file, f"to company {realm}", after_consent_page=True)


def _ask(prompt: str) -> str:
    """Read one answer from the person (stdin), after a blank line below the printed URL."""
    out.print("")
    return str(typer.prompt(prompt))


# The `tahseel auth` commands by the `type` of the ledger or mailbox they connect, in
# the order `tahseel auth --help` lists them.
AUTH_COMMANDS: dict[str, Callable[..., None]] = {
    "xero": auth_xero,
    "gmail": auth_gmail,
    "quickbooks": auth_quickbooks,
}

auth_app = typer.Typer(
    help="Connect Tahseel to an online service once; the token is kept for later runs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
for _kind, _command in AUTH_COMMANDS.items():
    auth_app.command(name=_kind)(_command)


def _configured(
    config: Path,
    org: str | None,
    field: Literal["ledger", "mailbox"],
    kind: str,
    section_type: type[_Section],
) -> tuple[Settings, _Section]:
    """The settings, and their ledger or mailbox section, which must be of ``kind``."""
    settings = settings_of(config, org)
    section = settings.ledger if field == "ledger" else settings.mailbox
    if not isinstance(section, section_type):
        fail(f"{config}: {field}.type is {section.type}, not {kind}; nothing to authorise.")
    return settings, section


def _app_credentials(
    config: Path, ledger: XeroLedgerSettings | QuickBooksLedgerSettings
) -> tuple[str, str]:
    from sync.config.services import secret

    try:
        client_id = secret("ledger.client_id_env", ledger.client_id_env)
        client_secret = secret("ledger.client_secret_env", ledger.client_secret_env)
    except MissingSecret as exc:
        fail(f"{config}: {exc}")
    return client_id.get_secret_value(), client_secret.get_secret_value()


def _consent_page(no_browser: bool, service: str) -> Callable[[str], None]:
    def show(url: str) -> None:
        out.print(f"Open this page, sign in to {service} and allow access:\n")
        out.print(url, markup=False, highlight=False, soft_wrap=True)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    return show


def _connect(authorise: Callable[[], _Result], *errors: type[Exception]) -> _Result:
    """The service's answer; any of ``errors`` ends the command (exit 4)."""
    try:
        return authorise()
    except errors as exc:
        fail(f"Not connected: {exc}", EXIT_ABORTED)


def _print_connected(token_file: Path, to: str = "", *, after_consent_page: bool) -> None:
    """Say where the token went; a blank line first sets it apart from the printed URL."""
    gap = "\n" if after_consent_page else ""
    connected = f"Connected {to}." if to else "Connected."
    out.print(f"{gap}{connected} Token stored in {token_file} (mode 0600).")

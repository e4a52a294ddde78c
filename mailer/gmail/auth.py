"""Credentials for the Gmail transport: an installed-app token file or a service account.

Scope. Tahseel asks for one scope, ``https://www.googleapis.com/auth/gmail.modify``. It
is the least that covers what the transport does: create and send drafts (draft-then-send
is how an uncertain send is settled without sending twice), read replies and their
history, and create and apply the ``Tahseel`` label. The narrower scopes do not add up to
it: ``gmail.send`` cannot create drafts or read, ``gmail.compose`` + ``gmail.readonly`` +
``gmail.labels`` cannot apply a label to a message (``messages.modify`` needs
``gmail.modify``), and ``gmail.metadata`` cannot search. ``gmail.modify`` cannot delete
mail permanently. Google classes it as a *restricted* scope: an app published to the
public needs Google's verification and a security assessment; an app used only by its
own Workspace organisation (an "Internal" app) or kept in "Testing" does not.

Installed app (any Gmail or Workspace account). ``tahseel auth gmail`` runs Google's
installed-app flow: it opens the consent page in a browser and receives the answer on a
loopback port (``http://127.0.0.1:<random port>/``). The token JSON, which holds a
refresh token, is written with mode 0600, atomically (temporary file, fsync, rename), so
a crash never leaves a truncated token behind.

Refresh tokens expire after 7 days in "Testing". An OAuth app whose publishing status is
"Testing" (and whose user type is "External", as it must be for gmail.com accounts) gets
refresh tokens that Google revokes seven days after consent. Tahseel then stops with
an authorisation error (exit code 4) asking to run ``tahseel auth gmail`` again. To
avoid a weekly re-consent, publish the app ("In production"; unverified apps show a
warning screen but their tokens do not expire after 7 days) or, on Workspace, make the
app "Internal" or use a service account.

Service account (Google Workspace only). A service account with domain-wide delegation
acts as the sender's mailbox (``subject`` = the sender address). A Workspace admin must
authorise the service account's client id for the scope above under Security > API
controls > Domain-wide delegation. No token file is stored; each token lasts an hour.

Nothing here logs or raises with a token, a secret or a key in the message.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from mailer.errors import MailAuthError

SCOPES = ("https://www.googleapis.com/auth/gmail.modify",)
REAUTH_HINT = "run `tahseel auth gmail` again"


def credentials_from_json(text: str, *, token_uri: str | None = None) -> Any:
    """Installed-app credentials from token JSON (a CI secret, say).

    Args:
        text: The token JSON, as ``save_token`` writes it.
        token_uri: Another token endpoint (a proxy or a test server); google-auth
            otherwise always uses Google's, whatever the JSON says.

    Raises:
        MailAuthError: The text is not a token.
    """
    from google.oauth2.credentials import Credentials

    try:
        credentials = Credentials.from_authorized_user_info(json.loads(text), scopes=list(SCOPES))
    except (ValueError, TypeError) as exc:
        raise MailAuthError(
            f"gmail: the token is unreadable ({type(exc).__name__}); {REAUTH_HINT}"
        ) from None
    if not token_uri:
        return credentials
    moved = credentials.with_token_uri(token_uri)
    moved.expiry = credentials.expiry  # the copy forgets it, and would never refresh early
    return moved


def load_token(path: Path, *, token_uri: str | None = None) -> Any:
    """Load installed-app credentials from a token file written by ``save_token``.

    Args:
        path: The token JSON file.
        token_uri: Another token endpoint, as in ``credentials_from_json``.

    Returns:
        ``google.oauth2.credentials.Credentials``.

    Raises:
        MailAuthError: The file is missing, unreadable or not a token file.
    """
    try:
        return credentials_from_json(Path(path).read_text(encoding="utf-8"), token_uri=token_uri)
    except FileNotFoundError:
        raise MailAuthError(f"gmail: no token file at {path}; {REAUTH_HINT}") from None
    except (OSError, ValueError, TypeError) as exc:
        # The exception text may quote the file's contents: name its kind only.
        raise MailAuthError(
            f"gmail: the token file {path} is unreadable ({type(exc).__name__}); {REAUTH_HINT}"
        ) from None


def save_token(credentials: Any, path: Path) -> None:
    """Write credentials as token JSON: mode 0600, via a temporary file, fsync and rename.

    Args:
        credentials: ``google.oauth2.credentials.Credentials`` (anything with ``to_json``).
        path: Where the token lives.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = credentials.to_json().encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def authorize_installed_app(
    client_secrets: Path, token_path: Path, *, port: int = 0, open_browser: bool = True
) -> Any:
    """Run the installed-app consent flow on a loopback port and store the token.

    Args:
        client_secrets: The OAuth client JSON downloaded from Google Cloud (type
            "Desktop app").
        token_path: Where to store the token (mode 0600).
        port: The loopback port for Google's redirect; 0 picks a free one.
        open_browser: Open the consent page in a browser (else print its address).

    Returns:
        The new credentials.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), list(SCOPES))
    credentials = flow.run_local_server(
        host="127.0.0.1", port=port, open_browser=open_browser, access_type="offline"
    )
    save_token(credentials, token_path)
    return credentials


def service_account_credentials(key_file: Path, subject: str) -> Any:
    """Credentials of a Workspace service account acting as ``subject``'s mailbox.

    Args:
        key_file: The service account's JSON key.
        subject: The sender address the account impersonates (domain-wide delegation).

    Returns:
        ``google.oauth2.service_account.Credentials`` with the Gmail scope.

    Raises:
        MailAuthError: The key file is missing or is not a service account key.
    """
    from google.oauth2 import service_account

    try:
        return service_account.Credentials.from_service_account_file(
            str(key_file), scopes=list(SCOPES), subject=subject
        )
    except FileNotFoundError:
        raise MailAuthError(f"gmail: no service account key at {key_file}") from None
    except (OSError, ValueError, KeyError) as exc:
        raise MailAuthError(
            f"gmail: {key_file} is not a service account key ({type(exc).__name__})"
        ) from None

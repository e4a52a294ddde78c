"""The first connection to QuickBooks Online: the OAuth authorisation-code flow, three ways.

Intuit sends the browser back to the app's redirect URI with the code, the ``state``
and the company's ``realmId``. It takes ``http://localhost`` only for development
(sandbox) keys; production keys need an ``https`` redirect URI registered on the app
("Set app redirect URIs", developer.intuit.com). So ``authorise``:

- without ``redirect_uri`` (sandbox keys), listens on ``http://localhost:<port>/callback``
  and takes the redirect itself;
- with an ``https`` ``redirect_uri`` (any page registered on the app, such as the
  OAuth 2.0 Playground's ``PLAYGROUND_REDIRECT``), prints the consent URL and asks the
  person to paste the address the browser landed on.

``import_token`` takes a token set obtained elsewhere (the OAuth Playground) instead.
Each way exchanges or checks the grant with intuit-oauth and stores the token set with
the realm id, the environment and the scope in the token file (atomically, mode 0600).
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from intuitlib.enums import Scopes

from connectors.errors import LedgerAuthError, LedgerDataError
from connectors.oauth_callback import LoopbackCallback
from connectors.quickbooks.client import _AuthClient, _translate
from connectors.tokens import TokenSet, TokenStore

ACCOUNTING = Scopes.ACCOUNTING.value
"""The one scope asked for: reading invoices and customers, and writing notes."""

PLAYGROUND_REDIRECT = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"
"""The OAuth 2.0 Playground's page, which Intuit keeps registered on every app."""

DOCS = "docs/ledgers/quickbooks.md"
PASTE_PROMPT = "Paste the address your browser landed on"


def redirect_problem(redirect_uri: str, environment: str) -> str | None:
    """Why Intuit will not send ``environment``'s keys to ``redirect_uri``; None when it will.

    Intuit takes plain ``http`` (localhost) only for development keys; a production
    redirect URI must begin with ``https`` and may not be an IP address.
    """
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{redirect_uri} is not an address; give the whole https://... redirect URI"
    if environment != "production":
        return None
    production = (
        "Intuit sends production keys only to an https redirect URI registered on the app"
        " (Production > Keys & OAuth > Redirect URIs at developer.intuit.com)"
    )
    if parts.scheme != "https":
        return (
            f"{redirect_uri} is plain http: {production}. Register an https page, such as"
            f" {PLAYGROUND_REDIRECT}, and pass it with --redirect-uri; for development"
            f" (sandbox) keys set ledger.environment: sandbox. See {DOCS}."
        )
    try:
        ipaddress.ip_address(parts.hostname)
    except ValueError:
        return None
    return f"{redirect_uri} is an IP address, which Intuit refuses: {production}. See {DOCS}."


def authorise(
    *,
    client_id: str,
    client_secret: str,
    token_file: Path,
    environment: str = "production",
    discovery_url: str | None = None,
    port: int = 8765,
    redirect_uri: str | None = None,
    ask: Callable[[str], str] | None = None,
    show: Callable[[str], None] = print,
    wait: float = 300.0,
) -> str:
    """Run the consent flow and store the token set; return the company's realm id.

    Args:
        client_id: The Intuit app's client id.
        client_secret: The Intuit app's client secret.
        token_file: Where to store the token set and realm id.
        environment: ``production`` or ``sandbox``: which pair of the app's keys.
        discovery_url: OpenID discovery document; overrides ``environment`` (tests).
        port: Loopback port of the redirect URI registered with the app (0: any),
            when no ``redirect_uri`` is given.
        redirect_uri: A redirect URI registered on the app; the person pastes the
            address the browser landed on (asked with ``ask``).
        ask: Asks the person for the landed address, given the prompt.
        show: Shows the consent URL to the person (prints it by default).
        wait: Seconds to wait for the loopback redirect.

    Raises:
        LedgerAuthError: An http redirect URI with production keys, consent refused,
            state mismatch, no code, timeout or a refused code.
        LedgerUnavailable: Intuit could not be reached.
    """
    problem = redirect_problem(redirect_uri or f"http://localhost:{port}/callback", environment)
    if problem:
        if redirect_uri is None:
            problem += " Without --redirect-uri Tahseel listens on http://localhost."
        raise LedgerAuthError(f"quickbooks: auth: {problem}")
    loopback = LoopbackCallback(port, "QuickBooks Online") if redirect_uri is None else None
    redirect = redirect_uri or loopback.redirect_uri  # type: ignore[union-attr]
    state = secrets.token_urlsafe(16)
    try:
        auth = _AuthClient(
            client_id, client_secret, redirect, discovery_url or environment, timeout=30.0
        )
    except Exception as exc:
        if loopback:
            loopback.close()
        raise _translate(exc, "auth.discovery", None, {}) from exc
    if loopback:
        loopback.start(wait)
    show(auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state))
    if loopback:
        answer = loopback.result(wait)
        if not answer:
            raise LedgerAuthError(
                f"quickbooks: auth: no answer on {redirect} within {wait:.0f} s; is that"
                " the redirect URI registered on the app's development keys?"
            )
    else:
        if ask is None:
            raise ValueError("a redirect_uri needs ask= to read the landed address")
        answer = landed_parameters(ask(PASTE_PROMPT))
    code, realm = _granted(answer, state)
    try:
        auth.get_bearer_token(code, realm_id=realm)
    except Exception as exc:
        raise _translate(exc, "auth.token", None, {}) from exc
    _store(token_file, _answer(auth), realm=realm, environment=environment, scope=ACCOUNTING)
    return realm


def landed_parameters(address: str) -> dict[str, str]:
    """The query parameters of the address the browser landed on (or of its query alone)."""
    address = address.strip()
    query = urlsplit(address).query if "?" in address else address
    return {name: values[0] for name, values in parse_qs(query).items()}


def import_token(
    source: Path,
    *,
    client_id: str,
    client_secret: str,
    token_file: Path,
    environment: str = "production",
    discovery_url: str | None = None,
    realm_id: str | None = None,
) -> str:
    """Store a token set obtained elsewhere (e.g. Intuit's OAuth 2.0 Playground).

    The file holds Intuit's token response as JSON (``refresh_token`` at least) and
    the company's id as ``realmId`` or ``realm_id``, unless ``realm_id`` is given. The
    refresh token is spent once, to check the grant belongs to these keys and to learn
    when the new access token expires; the new set is what is stored.

    Returns:
        The company's realm id.

    Raises:
        LedgerDataError: The file is missing, not JSON, or lacks a field.
        LedgerAuthError: Intuit refused the refresh token.
        LedgerUnavailable: Intuit could not be reached.
    """
    given = _read_token_file(source)
    realm = str(given.get("realmId") or given.get("realm_id") or realm_id or "")
    missing = [name for name in ("refresh_token",) if not given.get(name)]
    missing += [] if realm else ["realmId (or set ledger.realm_id)"]
    if missing:
        raise LedgerDataError(
            f"quickbooks: {source}: missing {', '.join(missing)}; save the whole token"
            " response of the OAuth 2.0 Playground (Get tokens) and add the company's"
            ' "realmId" shown beside it'
        )
    try:
        auth = _AuthClient(
            client_id, client_secret, PLAYGROUND_REDIRECT, discovery_url or environment, timeout=30
        )
        auth.refresh(refresh_token=given["refresh_token"])
    except Exception as exc:
        failure = _translate(exc, "auth.import", None, {})
        if isinstance(failure, LedgerAuthError):
            raise LedgerAuthError(
                f"quickbooks: {source}: Intuit refused its refresh token ({failure}); it was"
                f" spent or revoked, or made with other keys than these {environment} keys."
                " Get new tokens with these keys."
            ) from exc
        raise failure from exc
    fresh = {**_answer(auth), "refresh_token": auth.refresh_token or given["refresh_token"]}
    scope = given.get("scope")
    _store(token_file, fresh, realm=realm, environment=environment, scope=scope)
    return realm


def _granted(answer: Mapping[str, str], state: str) -> tuple[str, str]:
    """The code and realm id of the consent redirect, once its state is checked."""
    where = "quickbooks: auth: the address the browser landed on"
    error = answer.get("error")
    if error:
        said = answer.get("error_description", "")
        said = f" ({said})" if said else ""
        hint = (
            " You chose not to connect; run the command again and choose Connect."
            if error == "access_denied"
            else ""
        )
        raise LedgerAuthError(f"{where} carries error={error}{said}.{hint}")
    if answer.get("state") != state:
        raise LedgerAuthError(
            f"{where} does not carry this sign-in's state (another or an older consent page?);"
            " run the command again and paste the address from the page it printed"
        )
    if not answer.get("code"):
        raise LedgerAuthError(
            f"{where} has no code=; paste the whole address, after you chose Connect"
        )
    if not answer.get("realmId"):
        raise LedgerAuthError(f"{where} has no realmId=; choose a company on the consent page")
    return answer["code"], answer["realmId"]


def _answer(auth: _AuthClient) -> dict[str, Any]:
    """The token response intuit-oauth keeps on its client."""
    names = ("access_token", "refresh_token", "expires_in", "x_refresh_token_expires_in")
    return {name: getattr(auth, name, None) for name in names}


def _read_token_file(source: Path) -> dict[str, Any]:
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise LedgerDataError(f"quickbooks: cannot read {source}: {exc.strerror}") from None
    try:
        given = json.loads(text)
    except ValueError:
        given = None  # never quote the text: it holds secrets
    if not isinstance(given, dict):
        raise LedgerDataError(
            f"quickbooks: {source} is not a JSON object; save the token response as it is shown"
        )
    return given


def _store(
    token_file: Path, auth: Mapping[str, Any], *, realm: str, environment: str, scope: Any
) -> None:
    """Write the token set, with what a later check needs: company, keys, scope."""
    token: TokenSet = {
        "access_token": auth["access_token"],
        "refresh_token": auth["refresh_token"],
        "expires_in": auth["expires_in"],
        "x_refresh_token_expires_in": auth["x_refresh_token_expires_in"],
        "expires_at": time.time() + float(auth["expires_in"] or 3600),
        "realm_id": realm,
        "environment": environment,
    }
    if scope:
        # Intuit's token response does not say the scope: this is what was asked for,
        # and consent to one scope is all or nothing.
        token["scope"] = scope
    TokenStore(token_file, provider="quickbooks").save(token)

"""The first connection to QuickBooks Online: the OAuth authorisation-code flow, on loopback.

``authorise`` prints (or opens) Intuit's consent URL, takes the redirect on
``http://localhost:<port>/callback`` (which carries the code and the company's
``realmId``), exchanges the code with intuit-oauth, and stores the token set with the
realm id in the token file (atomically, mode 0600).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path

from intuitlib.enums import Scopes

from connectors.errors import LedgerAuthError
from connectors.oauth_callback import LoopbackCallback
from connectors.quickbooks.client import _AuthClient, _translate
from connectors.tokens import TokenStore


def authorise(
    *,
    client_id: str,
    client_secret: str,
    token_file: Path,
    environment: str = "production",
    discovery_url: str | None = None,
    port: int = 8765,
    show: Callable[[str], None] = print,
    wait: float = 300.0,
) -> str:
    """Run the consent flow and store the token set; return the company's realm id.

    Args:
        client_id: The Intuit app's client id.
        client_secret: The Intuit app's client secret.
        token_file: Where to store the token set and realm id.
        environment: ``production`` or ``sandbox``.
        discovery_url: OpenID discovery document; overrides ``environment`` (tests).
        port: Loopback port of the redirect URI registered with the app (0: any).
        show: Shows the consent URL to the person (prints it by default).
        wait: Seconds to wait for the person to consent.

    Raises:
        LedgerAuthError: Consent refused, state mismatch, timeout or a refused code.
        LedgerUnavailable: Intuit could not be reached.
    """
    state = secrets.token_urlsafe(16)
    callback = LoopbackCallback(port, "QuickBooks Online")
    redirect = callback.redirect_uri
    try:
        auth = _AuthClient(
            client_id, client_secret, redirect, discovery_url or environment, timeout=30.0
        )
    except Exception as exc:
        callback.close()
        raise _translate(exc, "auth.discovery", None, {}) from exc
    callback.start(wait)
    show(auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state))
    result = callback.result(wait)
    if result.get("state") != state or "code" not in result or "realmId" not in result:
        reason = result.get("error", "timeout")
        raise LedgerAuthError(f"quickbooks: auth: no consent received ({reason})")
    try:
        auth.get_bearer_token(result["code"], realm_id=result["realmId"])
    except Exception as exc:
        raise _translate(exc, "auth.token", None, {}) from exc
    token = {
        "access_token": auth.access_token,
        "refresh_token": auth.refresh_token,
        "expires_in": auth.expires_in,
        "x_refresh_token_expires_in": auth.x_refresh_token_expires_in,
        "expires_at": time.time() + float(auth.expires_in or 3600),
        "realm_id": result["realmId"],
    }
    TokenStore(token_file, provider="quickbooks").save(token)
    return result["realmId"]

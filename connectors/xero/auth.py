"""The first connection to Xero: the OAuth authorisation-code flow, on loopback.

``authorise`` prints (or opens) Xero's consent URL, takes the redirect on
``http://localhost:<port>/callback``, exchanges the code for a token set, asks
``/connections`` which organisations were granted, and stores the token set with
those tenants in the token file (atomically, mode 0600). The SDK has no code
exchange, so it is a plain form POST with urllib3 (the SDK's own HTTP library).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

from connectors.errors import LedgerAuthError, LedgerUnavailable
from connectors.oauth_callback import LoopbackCallback
from connectors.tokens import TokenStore

AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
TOKEN_URL = "https://identity.xero.com/connect/token"
CONNECTIONS_URL = "https://api.xero.com/connections"
SCOPES = ("offline_access", "accounting.invoices", "accounting.contacts.read")
"""Granular scopes (apps created from March 2026); older apps use accounting.transactions."""


def authorise(
    *,
    client_id: str,
    client_secret: str,
    token_file: Path,
    port: int = 8765,
    scopes: tuple[str, ...] = SCOPES,
    authorize_url: str = AUTHORIZE_URL,
    token_url: str = TOKEN_URL,
    connections_url: str = CONNECTIONS_URL,
    show: Callable[[str], None] = print,
    wait: float = 300.0,
) -> list[dict[str, str]]:
    """Run the consent flow and store the token set; return the organisations granted.

    Args:
        client_id: The Xero app's client id.
        client_secret: The Xero app's client secret.
        token_file: Where to store the token set and tenants.
        port: Loopback port of the redirect URI registered with the app (0: any).
        scopes: Scopes to ask for; ``offline_access`` gives a refresh token.
        authorize_url: Xero's consent page.
        token_url: Xero's token endpoint.
        connections_url: Xero's ``/connections``.
        show: Shows the consent URL to the person (prints it by default).
        wait: Seconds to wait for the person to consent.

    Returns:
        ``[{"tenantId": ..., "tenantName": ...}, ...]``.

    Raises:
        LedgerAuthError: Consent refused, state mismatch, timeout or a refused code.
    """
    state = secrets.token_urlsafe(16)
    callback = LoopbackCallback(port, "Xero")
    redirect = callback.redirect_uri
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": " ".join(scopes),
        "state": state,
    }
    callback.start(wait)
    show(f"{authorize_url}?{urlencode(query)}")
    result = callback.result(wait)
    if result.get("state") != state or "code" not in result:
        raise LedgerAuthError(f"xero: auth: no consent received ({result.get('error', 'timeout')})")
    token = _exchange(token_url, client_id, client_secret, result["code"], redirect)
    tenants = _connections(connections_url, token["access_token"])
    token["expires_at"] = time.time() + float(token.get("expires_in") or 1800)
    token["tenants"] = tenants
    TokenStore(token_file, provider="xero").save(token)
    return tenants


def _exchange(url: str, client_id: str, client_secret: str, code: str, redirect: str) -> Any:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    response = _request("POST", url, "auth.token", fields=fields, encode_multipart=False)
    return json.loads(response.data)


def _connections(url: str, access_token: str) -> list[dict[str, str]]:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    response = _request("GET", url, "auth.connections", headers=headers)
    rows = json.loads(response.data)
    return [
        {"tenantId": row["tenantId"], "tenantName": row.get("tenantName", "")}
        for row in rows
        if row.get("tenantType", "ORGANISATION") == "ORGANISATION"
    ]


def _request(method: str, url: str, operation: str, **options: Any) -> Any:
    try:
        pool = urllib3.PoolManager(retries=False, timeout=30.0)
        response = pool.request(method, url, **options)
    except urllib3.exceptions.HTTPError as exc:
        raise LedgerUnavailable(f"xero: {operation}: no answer ({type(exc).__name__})") from exc
    if response.status >= 500:
        raise LedgerUnavailable(f"xero: {operation}: HTTP {response.status}")
    if response.status != 200:
        raise LedgerAuthError(f"xero: {operation}: refused (HTTP {response.status})")
    return response

"""Intuit's OAuth service in memory: consent, codes, access tokens, rotating refresh tokens.

Every refresh hands out a new refresh token (Intuit may rotate on any refresh). The
one spent keeps working for ``grace`` seconds after its first use, then answers
``invalid_grant``, as does any token the service never issued. Intuit does not
document that grace; it is a setting so tests can make it as strict as they need.

The app has one pair of keys, ``development`` (sandbox companies) or ``production``,
each with its own list of registered redirect URIs, as on the app's Keys & OAuth page
(https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq:
"A developer registers one set of redirect URIs for the development environment and
one set for the production environment"). The rules kept here, each with its source:

- Consent goes only to a registered redirect URI, compared whole. Intuit's error page
  reads "The redirect_uri query parameter value is invalid. Make sure it is listed in
  the Redirect URIs section on your app's keys tab and matches it exactly" (quoted in
  https://github.com/intuit/quickbooks-online-mcp-server/issues/51). It is a page on
  Intuit's site: no redirect, no code. Its HTTP status is not documented; 400 here.
- Plain ``http`` is for development keys only. "Set app redirect URIs"
  (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/set-redirect-uri):
  "You can add localhost (no HTTPS) as a URI for sandbox environments", and for
  production "The Intuit OAuth 2.0 Server can only redirect to URIs beginning with
  https. IP addresses aren't allowed." So ``register`` refuses an http or IP-address
  URI for production keys, and consent refuses one even if it were listed. Production
  apps hit exactly this: intuit/quickbooks-online-mcp-server issues #16 and #110.
- Intuit keeps the OAuth 2.0 Playground's redirect URI registered on every app
  (Intuit developer blog, 11 Aug 2017, "OAuth 2.0 integration tips: testing redirect
  URL"): ``PLAYGROUND_REDIRECT`` is in both lists from the start.
- A person who declines is sent back with ``error=access_denied`` and the ``state``
  (RFC 6749 section 4.1.2.1; Intuit's FAQ: "If the user doesn't grant the permission,
  the server returns an error"). ``consent = "deny"`` makes the person decline.
- A token carries the scopes consented to. An API call with a token lacking
  ``com.intuit.quickbooks.accounting`` gets HTTP 403, fault 3100 "AuthorizationFailed",
  "The access token does not have sufficient scope"
  (https://github.com/IntuitDeveloper/QBOConceptsTutorial-PHP/issues/13). The same 403
  answers tokens of development keys on the production host and the other way round
  (https://github.com/intuit/QuickBooks-V3-Java-SDK/issues/43: "This error can happen
  when you are using sandbox api url with prod tokens or vice-versa"); ``host`` says
  which host the emulator plays.
- Intuit's token response carries no ``scope`` member: the samples published (e.g. the
  bearer token exchange on https://nishujangra.github.io/intuit-go/docs/Auth.html, and
  the "Token response" row of the reference notes ledger-and-gmail-apis.md, 2.7)
  hold ``token_type``, ``expires_in``, ``refresh_token``, ``x_refresh_token_expires_in``
  and ``access_token`` only, so none is sent here either.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.emulators.quickbooks.faults import AUTH_FAILED

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400
ACCOUNTING = "com.intuit.quickbooks.accounting"
PLAYGROUND_REDIRECT = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"
LOOPBACK_REDIRECT = "http://localhost:8765/callback"
"""The product's default loopback redirect URI, registered on development keys."""

HOSTS = {"development": "sandbox", "production": "production"}
"""The API host each pair of keys reaches."""

KNOWN_SCOPES = {
    ACCOUNTING,
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
}
"""Scopes on Intuit's list (intuitlib.enums.Scopes); any other is ``invalid_scope``."""

SCOPE_REFUSED = {
    "fault": {
        "error": [
            {
                "message": "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                "detail": "The access token does not have sufficient scope",
                "code": "3100",
                "element": None,
            }
        ],
        "type": "SERVICE",
    },
}
"""The 403 body, as Intuit sends it in JSON (https://github.com/intuit/oauth-jsclient/issues/2),
with the detail of the XML one (QBOConceptsTutorial-PHP issue 13)."""

REDIRECT_INVALID = (
    b"<html><body><h1>Uh oh, there's a connection problem.</h1>"
    b"<p>The redirect_uri query parameter value is invalid. Make sure it is listed in the"
    b" Redirect URIs section on your app's keys tab and matches it exactly.</p>"
    b"</body></html>"
)


class GrantError(Exception):
    """An OAuth error; ``str(exc)`` is the ``error`` code to send back."""


@dataclass
class _Grant:
    realm_id: str
    scopes: frozenset[str]
    spent_at: float | None = None


@dataclass(frozen=True)
class Consent:
    """What the consent page does: redirect the browser, or show an error page."""

    status: int
    location: str = ""
    page: bytes = b""


def refused_redirect(uri: str, keys: str) -> str | None:
    """Why Intuit will not take ``uri`` as a redirect URI of ``keys``; None when it will."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an absolute http(s) URI"
    if keys == "production":
        if parts.scheme != "https":
            return "production redirect URIs must begin with https"
        try:
            ipaddress.ip_address(parts.hostname)
        except ValueError:
            return None
        return "IP addresses aren't allowed in production redirect URIs"
    return None


def free_loopback_port() -> int:
    """A port free on 127.0.0.1 now, for a loopback redirect URI a test registers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Identity:
    """Token issuing and checking for the emulator.

    Args:
        client_id: The only app allowed.
        client_secret: Its secret.
        wall: Seconds since the epoch (the emulator's, which tests may advance).
        grace: Seconds a spent refresh token still works.
        keys: ``development`` or ``production``: which pair of the app's keys these are.
        redirect_uris: The redirect URIs registered for these keys; by default the
            product's loopback one (development keys only) and the Playground's.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        wall: Callable[[], float],
        *,
        grace: float,
        keys: str = "development",
        redirect_uris: Iterable[str] | None = None,
    ) -> None:
        if keys not in HOSTS:
            raise ValueError(f"keys must be one of {', '.join(HOSTS)}")
        self.client_id = client_id
        self.client_secret = client_secret
        self.wall = wall
        self.grace = grace
        self.keys = keys
        self.host = HOSTS[keys]
        """The API host the emulator plays: ``sandbox`` or ``production``."""
        self.consent = "allow"
        """``allow`` or ``deny``: what the person does on the consent page."""
        self.redirect_uris: set[str] = set()
        defaults = [PLAYGROUND_REDIRECT] + ([LOOPBACK_REDIRECT] if keys == "development" else [])
        for uri in defaults if redirect_uris is None else redirect_uris:
            self.register(uri)
        self.lock = threading.Lock()
        self.access: dict[str, tuple[float, str, frozenset[str]]] = {}
        self.refresh: dict[str, _Grant] = {}
        self.codes: dict[str, tuple[str, str, frozenset[str]]] = {}
        self.refreshes = 0
        self.refused = 0

    def register(self, uri: str) -> None:
        """Add a redirect URI on the app's Keys & OAuth page, as the developer portal allows.

        Raises:
            ValueError: The portal refuses it for these keys (see ``refused_redirect``).
        """
        reason = refused_redirect(uri, self.keys)
        if reason:
            raise ValueError(f"{uri}: {reason}")
        self.redirect_uris.add(uri)

    def issue(self, realm_id: str, scopes: Iterable[str] = (ACCOUNTING,)) -> dict[str, Any]:
        """A new token set for ``realm_id``, as the token endpoint returns it."""
        with self.lock:
            return self._issue(realm_id, frozenset(scopes))

    def authorize(self, query: dict[str, str], realm_id: str) -> Consent:
        """Answer the consent page (``GET /connect/oauth2``) once the person has chosen."""
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id:
            return Consent(400, page=b"<html><body>invalid_client</body></html>")
        if redirect not in self.redirect_uris or refused_redirect(redirect, self.keys):
            self.refused += 1
            return Consent(400, page=REDIRECT_INVALID)
        answer = {"state": query.get("state", "")}
        scopes = frozenset(query.get("scope", "").split())
        if not scopes or not scopes <= KNOWN_SCOPES:
            answer["error"] = "invalid_scope"
        elif self.consent != "allow":
            answer["error"] = "access_denied"
        else:
            answer["code"] = self.code(redirect, realm_id, scopes)
            answer["realmId"] = realm_id
        return Consent(302, location=f"{redirect}?{urlencode(answer)}")

    def code(self, redirect_uri: str, realm_id: str, scopes: Iterable[str] = (ACCOUNTING,)) -> str:
        """A one-time authorisation code for the consent redirect."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = (redirect_uri, realm_id, frozenset(scopes))
        return code

    def token(self, form: dict[str, str], client: tuple[str, str]) -> dict[str, Any]:
        """Answer POST /oauth2/v1/tokens/bearer.

        Raises:
            GrantError: ``invalid_client``, ``invalid_grant`` or ``unsupported_grant_type``.
        """
        if client != (self.client_id, self.client_secret):
            raise GrantError("invalid_client")
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                found = self.codes.pop(form.get("code", ""), None)
                if found is None or found[0] != form.get("redirect_uri"):
                    self.refused += 1
                    raise GrantError("invalid_grant")
                return self._issue(found[1], found[2])
            if grant == "refresh_token":
                return self._refresh(form.get("refresh_token", ""))
        raise GrantError("unsupported_grant_type")

    def realm_for(self, header: str | None) -> str | None:
        """The realm a ``Bearer`` header may reach, or None when the token is bad or expired."""
        found = self._access(header)
        return None if found is None else found[1]

    def refusal(self, header: str | None, realm_id: str) -> tuple[int, bytes] | None:
        """Why an API call to ``realm_id`` with this ``Authorization`` is refused, if it is.

        Returns:
            ``(status, JSON body)``: 401 for a bad or expired token (or another realm's),
            403 fault 3100 for a token without the accounting scope or of the keys of
            the other host (see the module's docstring); None when the call may go on.
        """
        found = self._access(header)
        if found is None or found[1] != realm_id:
            return 401, json.dumps(AUTH_FAILED).encode()
        if ACCOUNTING not in found[2] or HOSTS[self.keys] != self.host:
            return 403, json.dumps(SCOPE_REFUSED).encode()
        return None

    def _access(self, header: str | None) -> tuple[float, str, frozenset[str]] | None:
        if not header or not header.startswith("Bearer "):
            return None
        with self.lock:
            found = self.access.get(header[7:])
        if found is None or found[0] <= self.wall():
            return None
        return found

    def _refresh(self, token: str) -> dict[str, Any]:
        grant = self.refresh.get(token)
        now = self.wall()
        if grant is None or (grant.spent_at is not None and now > grant.spent_at + self.grace):
            self.refused += 1
            raise GrantError("invalid_grant")
        if grant.spent_at is None:
            grant.spent_at = now
        self.refreshes += 1
        return self._issue(grant.realm_id, grant.scopes)

    def _issue(self, realm_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        self.access[access] = (self.wall() + ACCESS_TTL, realm_id, scopes)
        self.refresh[refresh] = _Grant(realm_id, scopes)
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TTL,
            "x_refresh_token_expires_in": REFRESH_TTL,
        }

"""Xero's identity service in memory: codes, access tokens, rotating refresh tokens.

Refresh tokens rotate as Xero's do: every refresh returns a new one, and the one
spent stays usable for a grace period (30 minutes) after its first use, then
answers ``invalid_grant``.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GRANTED = "offline_access accounting.invoices accounting.contacts.read"
"""What a consent to ``tahseel auth xero`` grants (``connectors.xero.auth.SCOPES``)."""


class GrantError(Exception):
    """An OAuth error; ``str(exc)`` is the ``error`` code to send back."""


@dataclass
class _Grant:
    tenants: list[str]
    scope: str
    spent_at: float | None = None
    children: list[str] = field(default_factory=list)


class Identity:
    """Token issuing and checking for the emulator.

    Args:
        client_id: The only app allowed.
        client_secret: Its secret.
        wall: Seconds since the epoch (the emulator's, which tests may advance).
        access_ttl: Seconds an access token lives.
        grace: Seconds a spent refresh token still works.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        wall: Callable[[], float],
        *,
        access_ttl: int = 1800,
        grace: int = 1800,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.wall = wall
        self.access_ttl = access_ttl
        self.grace = grace
        self.lock = threading.Lock()
        self.access: dict[str, tuple[float, list[str]]] = {}
        self.refresh: dict[str, _Grant] = {}
        self.codes: dict[str, tuple[str, list[str], str]] = {}
        self.refreshes = 0
        self.refused = 0

    def issue(self, tenants: list[str], scope: str = GRANTED) -> dict[str, Any]:
        """A new token set for ``tenants``, as the token endpoint returns it."""
        with self.lock:
            return self._issue(tenants, scope)

    def code(self, redirect_uri: str, tenants: list[str], scope: str) -> str:
        """A one-time authorisation code for the authorize redirect."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = (redirect_uri, tenants, scope)
        return code

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer POST /connect/token.

        Raises:
            GrantError: ``invalid_client`` or ``invalid_grant``.
        """
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            raise GrantError("invalid_client")
        grant = form.get("grant_type")
        with self.lock:
            if grant == "refresh_token":
                return self._rotate(form.get("refresh_token", ""))
            if grant == "authorization_code":
                found = self.codes.pop(form.get("code", ""), None)
                if found is None or found[0] != form.get("redirect_uri"):
                    raise GrantError("invalid_grant")
                return self._issue(found[1], found[2])
        raise GrantError("unsupported_grant_type")

    def tenants_for(self, authorization: str | None) -> tuple[str, list[str]]:
        """Check a Bearer header: ``("", tenants)`` when good, else ``(detail, [])``."""
        if not authorization or not authorization.startswith("Bearer "):
            return "AuthenticationUnsuccessful", []
        with self.lock:
            found = self.access.get(authorization[len("Bearer ") :])
        if found is None:
            return "AuthenticationUnsuccessful", []
        expires_at, tenants = found
        if self.wall() >= expires_at:
            stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(expires_at))
            return f"TokenExpired: token expired at {stamp}", []
        return "", tenants

    def _rotate(self, refresh_token: str) -> dict[str, Any]:
        grant = self.refresh.get(refresh_token)
        now = self.wall()
        if grant is None or (grant.spent_at is not None and now > grant.spent_at + self.grace):
            self.refused += 1
            raise GrantError("invalid_grant")
        if grant.spent_at is None:
            grant.spent_at = now
        self.refreshes += 1
        fresh = self._issue(grant.tenants, grant.scope)
        grant.children.append(fresh["refresh_token"])
        return fresh

    def _issue(self, tenants: list[str], scope: str) -> dict[str, Any]:
        access = "at-" + secrets.token_hex(24)
        refresh = "rt-" + secrets.token_hex(24)
        self.access[access] = (self.wall() + self.access_ttl, list(tenants))
        self.refresh[refresh] = _Grant(list(tenants), scope)
        return {
            "id_token": "id-" + uuid.uuid4().hex,
            "access_token": access,
            "expires_in": self.access_ttl,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": scope,
        }

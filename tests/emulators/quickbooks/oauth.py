"""Intuit's OAuth service in memory: codes, access tokens, rotating refresh tokens.

Every refresh hands out a new refresh token (Intuit may rotate on any refresh). The
one spent keeps working for ``grace`` seconds after its first use, then answers
``invalid_grant``, as does any token the service never issued. Intuit does not
document that grace; it is a setting so tests can make it as strict as they need.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400


class GrantError(Exception):
    """An OAuth error; ``str(exc)`` is the ``error`` code to send back."""


@dataclass
class _Grant:
    realm_id: str
    spent_at: float | None = None


class Identity:
    """Token issuing and checking for the emulator.

    Args:
        client_id: The only app allowed.
        client_secret: Its secret.
        wall: Seconds since the epoch (the emulator's, which tests may advance).
        grace: Seconds a spent refresh token still works.
    """

    def __init__(
        self, client_id: str, client_secret: str, wall: Callable[[], float], *, grace: float
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.wall = wall
        self.grace = grace
        self.lock = threading.Lock()
        self.access: dict[str, tuple[float, str]] = {}
        self.refresh: dict[str, _Grant] = {}
        self.codes: dict[str, tuple[str, str]] = {}
        self.refreshes = 0
        self.refused = 0

    def issue(self, realm_id: str) -> dict[str, Any]:
        """A new token set for ``realm_id``, as the token endpoint returns it."""
        with self.lock:
            return self._issue(realm_id)

    def code(self, redirect_uri: str, realm_id: str) -> str:
        """A one-time authorisation code for the consent redirect."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = (redirect_uri, realm_id)
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
                return self._issue(found[1])
            if grant == "refresh_token":
                return self._refresh(form.get("refresh_token", ""))
        raise GrantError("unsupported_grant_type")

    def realm_for(self, header: str | None) -> str | None:
        """The realm a ``Bearer`` header may reach, or None when the token is bad or expired."""
        if not header or not header.startswith("Bearer "):
            return None
        with self.lock:
            found = self.access.get(header[7:])
        if found is None or found[0] <= self.wall():
            return None
        return found[1]

    def _refresh(self, token: str) -> dict[str, Any]:
        grant = self.refresh.get(token)
        now = self.wall()
        if grant is None or (grant.spent_at is not None and now > grant.spent_at + self.grace):
            self.refused += 1
            raise GrantError("invalid_grant")
        if grant.spent_at is None:
            grant.spent_at = now
        self.refreshes += 1
        return self._issue(grant.realm_id)

    def _issue(self, realm_id: str) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        self.access[access] = (self.wall() + ACCESS_TTL, realm_id)
        self.refresh[refresh] = _Grant(realm_id)
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_TTL,
            "x_refresh_token_expires_in": REFRESH_TTL,
        }

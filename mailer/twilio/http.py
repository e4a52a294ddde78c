"""The Twilio client: credentials from named environment variables, a timeout, a base URL.

The SDK (``twilio.rest.Client``) has no base-URL argument. It builds every URL from a
product domain (``https://api.twilio.com``, ``https://content.twilio.com``), optionally
mangled by ``edge`` and ``region`` (``api.dublin.ie1.twilio.com``), and follows a list's
``next_page_uri`` on the same domain. Setting ``client.api.base_url`` works for the
Messages API only and ``edge`` mangles a loopback host into ``127.dublin.0.0.1``
(reference, Testing). So ``ApiUrlHttpClient`` swaps the scheme and host of every request
in ``request()``, the one place all of them pass, and keeps the path: the Messages and
Content APIs, and the next pages, all reach ``api_url``.

The SDK's own ``TwilioHttpClient`` waits forever by default (``timeout=None``) and its
``max_retries`` only retries connection errors on ``https://`` (reference, Errors and
[22]); this client always carries a timeout, and retries are ours (``calls.py``), where
the difference between a list and a create is known.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from mailer.errors import MailAuthError

DEFAULT_TIMEOUT = 15.0
"""Seconds to wait for Twilio's answer (connect and each read)."""

# The SDK reads TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_EDGE and TWILIO_REGION from
# the environment when ``environment`` is empty or None ({} is falsy, reference Testing),
# so a non-empty mapping of its own keeps what we pass the only input.
_SEALED_ENVIRONMENT = {"TAHSEEL_TWILIO": "explicit"}


class ApiUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
    """A ``TwilioHttpClient`` that sends every request to ``api_url`` instead of twilio.com.

    Args:
        api_url: ``scheme://host[:port]`` to send to (a loopback emulator); None keeps
            Twilio's own hosts.
        timeout: Seconds for connect and read; never None.
    """

    def __init__(self, api_url: str | None, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.api_url = urlsplit(api_url) if api_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Send as the SDK does, to ``api_url``'s scheme and host when one is set."""
        if self.api_url is not None:
            parts = urlsplit(url)
            url = urlunsplit(
                (self.api_url.scheme, self.api_url.netloc, parts.path, parts.query, "")
            )
        return super().request(method, url, *args, **kwargs)


@dataclass(frozen=True, slots=True)
class TwilioCredentials:
    """Where the Twilio credentials are: the names of environment variables, never values.

    Either an auth token (``auth_token_env``) or an API key (``api_key_env`` and
    ``api_secret_env``, Twilio's recommendation for production) with the account SID.

    Attributes:
        account_sid_env: Holds the account SID (``AC...``).
        auth_token_env: Holds the account's auth token.
        api_key_env: Holds an API key SID (``SK...``); used instead of the token when set.
        api_secret_env: Holds the API key's secret.
    """

    account_sid_env: str = "TWILIO_ACCOUNT_SID"
    auth_token_env: str = "TWILIO_AUTH_TOKEN"
    api_key_env: str | None = None
    api_secret_env: str | None = None

    def resolve(self, environ: Mapping[str, str] | None = None) -> tuple[str, str, str]:
        """The account SID, the username and the password to authenticate with.

        Raises:
            MailAuthError: A variable is unset or empty, naming it and what to put in it.
        """
        env = os.environ if environ is None else environ

        def need(name: str, what: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise MailAuthError(
                    f"Twilio: the environment variable {name} is not set: put the {what} "
                    "in it (Twilio Console, Account Info), or name another variable in the "
                    "settings"
                )
            return value

        account = need(self.account_sid_env, "account SID (AC...)")
        if not account.startswith("AC"):
            raise MailAuthError(
                f"Twilio: {self.account_sid_env} does not hold an account SID (it should "
                "start with AC): copy it from the Twilio Console, Account Info"
            )
        if self.api_key_env:
            key = need(self.api_key_env, "API key SID (SK...)")
            secret = need(self.api_secret_env or f"{self.api_key_env}_SECRET", "API key secret")
            return account, key, secret
        return account, account, need(self.auth_token_env, "auth token")


def build_client(
    credentials: TwilioCredentials,
    *,
    api_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> Client:
    """A ``twilio.rest.Client`` with the credentials resolved, a timeout and ``api_url``.

    Args:
        credentials: The names of the variables holding the credentials.
        api_url: Send every request here instead of twilio.com (an emulator).
        timeout: Seconds to wait for an answer.
        environ: Where to read the variables (``os.environ`` when None).
    """
    account, username, password = credentials.resolve(environ)
    return Client(
        username,
        password,
        account_sid=account,
        http_client=ApiUrlHttpClient(api_url, timeout),
        environment=dict(_SEALED_ENVIRONMENT),
    )

"""Build the parts a configuration names: ledger, mailbox, state store, renderer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from connectors import open_ledger
from connectors.base import Ledger
from mailer.maildir import MaildirTransport
from mailer.render import Renderer
from mailer.transport import Transport
from sync.connections import (
    GmailSettings,
    MissingSecret,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    secret,
)
from sync.errors import ConfigError, ConfigIssue
from sync.resources import default_templates_dir
from sync.settings import Settings
from sync.state import Store

if TYPE_CHECKING:
    from mailer.gmail.api import QuotaBudget


def build_ledger(settings: Settings) -> Ledger:
    """The ledger the settings name.

    Raises:
        ConfigError: A secret the settings name is not in the environment.
    """
    cfg = settings.ledger
    if isinstance(cfg, XeroLedgerSettings | QuickBooksLedgerSettings):
        try:
            client_id = secret("ledger.client_id_env", cfg.client_id_env)
            client_secret = secret("ledger.client_secret_env", cfg.client_secret_env)
        except MissingSecret as exc:
            message = f"the environment variable {exc.variable} is not set"
            raise ConfigError(
                [ConfigIssue(str(settings.source), None, exc.setting, message)]
            ) from None
    if isinstance(cfg, QuickBooksLedgerSettings):
        return open_ledger(
            "quickbooks",
            client_id=client_id.get_secret_value(),
            client_secret=client_secret.get_secret_value(),
            token_file=settings.resolve(cfg.token_file),
            token_env=cfg.token_env,
            realm_id=cfg.realm_id,
            environment=cfg.environment,
            email_source=cfg.email_source,
            language_field=cfg.language_field,
            reference_field=cfg.reference_field,
            payment_link_fallback=cfg.payment_link,
            api_url=cfg.api_url,
            discovery_url=cfg.discovery_url,
        )
    if isinstance(cfg, XeroLedgerSettings):
        return open_ledger(
            "xero",
            client_id=client_id.get_secret_value(),
            client_secret=client_secret.get_secret_value(),
            token_file=settings.resolve(cfg.token_file),
            token_env=cfg.token_env,
            tenant_id=cfg.tenant_id,
            arabic_group=cfg.arabic_group,
            per_day=cfg.daily_limit,
            api_url=cfg.api_url,
            identity_url=cfg.identity_url,
            connections_url=cfg.connections_url,
        )
    return open_ledger(
        cfg.type,
        path=settings.resolve(cfg.path),
        payment_link=cfg.payment_link,
        notes_path=settings.resolve(cfg.notes_path) if cfg.notes_path else None,
        business_name=settings.business.name,
        pdf_font=settings.resolve(cfg.pdf_font) if cfg.pdf_font else None,
    )


def build_transport(settings: Settings, *, budget: QuotaBudget | None = None) -> Transport:
    """The mailbox the settings name.

    Args:
        settings: Validated settings.
        budget: The Gmail quota budget of this mailbox, when other organisations of
            the run send from the same one (Gmail's quota is per mailbox).
    """
    box = settings.mailbox
    if not isinstance(box, GmailSettings):
        return MaildirTransport(settings.resolve(box.path))
    from mailer.gmail.auth import (
        credentials_from_json,
        load_token,
        service_account_credentials,
    )
    from mailer.gmail.transport import GmailTransport

    options: dict[str, Any] = {
        "address": settings.sender.email,
        "label": box.label,
        "daily_cap": box.daily_cap,
        "base_url": box.api_url,
        "budget": budget,
    }
    env_token = os.environ.get(box.token_env or "", "")
    if box.service_account_file is not None:
        key = settings.resolve(box.service_account_file)
        options["credentials"] = service_account_credentials(key, subject=settings.sender.email)
    elif env_token:
        options["credentials"] = credentials_from_json(env_token, token_uri=box.token_uri)
    else:
        token_file = settings.resolve(box.token_file)
        options["credentials"] = load_token(token_file, token_uri=box.token_uri)
        options["token_file"] = token_file
    return GmailTransport(**options)


def build_store(settings: Settings) -> Store:
    """The state store at the settings' URL."""
    return Store(settings.state_url)


def build_renderer(settings: Settings) -> Renderer:
    """A renderer over the user's templates first, then the built-in ones."""
    paths = []
    if settings.templates is not None:
        paths.append(settings.resolve(settings.templates))
    paths.append(default_templates_dir())
    return Renderer(paths, digits=settings.language.digits)

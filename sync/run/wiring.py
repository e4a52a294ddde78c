"""Build the parts a configuration names: ledger, mailbox, state store, renderer."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectors import open_ledger
from connectors.base import Ledger
from mailer.channel import Channel, ChannelKind
from mailer.compiled import default_cache_dir
from mailer.maildir import MaildirTransport
from mailer.render import Renderer
from mailer.transport import Transport
from sync.config.resources import default_templates_dir
from sync.config.services import (
    CsvLedgerSettings,
    GmailSettings,
    MaildirSettings,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    kind_of,
    missing_maildir,
    secret,
)
from sync.config.settings import Settings
from sync.errors import ConfigError, ConfigIssue, MissingSecret
from sync.store.store import Store

if TYPE_CHECKING:
    from mailer.gmail.api import QuotaBudget


def build_ledger(settings: Settings) -> Ledger:
    """The ledger the settings name, built by its kind's factory.

    Raises:
        ConfigError: A secret the settings name is not in the environment.
    """
    ledger: Ledger = _factory("ledger", settings.ledger.type)(settings)
    return ledger


def build_transport(settings: Settings, *, budget: QuotaBudget | None = None) -> Transport:
    """The mailbox the settings name, built by its kind's factory.

    Args:
        settings: Validated settings.
        budget: The Gmail quota budget of this mailbox, when other organisations of
            the run send from the same one (Gmail's quota is per mailbox).
    """
    transport: Transport = _factory("mailbox", settings.mailbox.type)(settings, budget=budget)
    return transport


def _factory(section: str, name: str) -> Callable[..., Any]:
    module, _, function = kind_of(section, name).build.partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return factory


def _app_secrets(settings: Settings) -> tuple[str, str]:
    """The OAuth app's client id and secret, from the variables the ledger's settings name."""
    cfg = settings.ledger
    assert isinstance(cfg, XeroLedgerSettings | QuickBooksLedgerSettings)
    try:
        client_id = secret("ledger.client_id_env", cfg.client_id_env)
        client_secret = secret("ledger.client_secret_env", cfg.client_secret_env)
    except MissingSecret as exc:
        message = f"the environment variable {exc.variable} is not set"
        raise ConfigError([ConfigIssue(str(settings.source), None, exc.setting, message)]) from None
    return client_id.get_secret_value(), client_secret.get_secret_value()


def csv_ledger(settings: Settings) -> Ledger:
    """A CSV file exported from any accounting system."""
    cfg = settings.ledger
    assert isinstance(cfg, CsvLedgerSettings)
    return open_ledger(
        "csv",
        path=settings.resolve(cfg.path),
        payment_link=cfg.payment_link,
        notes_path=settings.resolve(cfg.notes_path) if cfg.notes_path else None,
        business_name=settings.business.name,
        pdf_font=settings.resolve(cfg.pdf_font) if cfg.pdf_font else None,
        delimiter=cfg.delimiter,
        decimal=cfg.decimal,
        thousands=cfg.thousands,
        encoding=cfg.encoding,
    )


def xero_ledger(settings: Settings) -> Ledger:
    """A Xero organisation."""
    cfg = settings.ledger
    assert isinstance(cfg, XeroLedgerSettings)
    client_id, client_secret = _app_secrets(settings)
    return open_ledger(
        "xero",
        client_id=client_id,
        client_secret=client_secret,
        token_file=settings.resolve(cfg.token_file),
        token_env=cfg.token_env,
        tenant_id=cfg.tenant_id,
        arabic_group=cfg.arabic_group,
        policy_group_prefix=cfg.policy_group_prefix,
        fee_account_code=cfg.fee_account_code,
        per_day=cfg.daily_limit,
        api_url=cfg.api_url,
        identity_url=cfg.identity_url,
        connections_url=cfg.connections_url,
    )


def quickbooks_ledger(settings: Settings) -> Ledger:
    """A QuickBooks Online company."""
    cfg = settings.ledger
    assert isinstance(cfg, QuickBooksLedgerSettings)
    client_id, client_secret = _app_secrets(settings)
    return open_ledger(
        "quickbooks",
        client_id=client_id,
        client_secret=client_secret,
        token_file=settings.resolve(cfg.token_file),
        token_env=cfg.token_env,
        realm_id=cfg.realm_id,
        environment=cfg.environment,
        email_source=cfg.email_source,
        language_field=cfg.language_field,
        policy_field=cfg.policy_field,
        reference_field=cfg.reference_field,
        payment_link_fallback=cfg.payment_link,
        fee_item_id=cfg.fee_item_id,
        api_url=cfg.api_url,
        discovery_url=cfg.discovery_url,
    )


def maildir_transport(settings: Settings, *, budget: QuotaBudget | None = None) -> Transport:
    """A local Maildir (``budget`` is Gmail's and has no meaning here)."""
    box = settings.mailbox
    assert isinstance(box, MaildirSettings)
    path = settings.resolve(box.path)
    problem = None if box.create else missing_maildir(path)
    if problem is not None:
        raise ConfigError([ConfigIssue(str(settings.source), None, "mailbox.path", problem)])
    return MaildirTransport(path, create=box.create)


def gmail_transport(settings: Settings, *, budget: QuotaBudget | None = None) -> Transport:
    """The business's Gmail, signed in by a token file, an environment variable or a key.

    The key is a Workspace service account's, acting as the sender.
    """
    box = settings.mailbox
    assert isinstance(box, GmailSettings)
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
    return Renderer(
        paths,
        digits=settings.language.digits,
        calendar=settings.language.calendar,
        cache_dir=default_cache_dir(),
    )


def build_channel(settings: Settings, kind: str) -> Channel:
    """The channel that sends ``kind`` (``whatsapp`` or ``sms``) as ``channels:`` says.

    ``type: file`` appends to a local outbox file; ``type: twilio`` builds the Twilio
    client from the environment variables the settings name (the ``twilio`` extra).

    Raises:
        MailAuthError: A Twilio credential's variable is not set.
    """
    cfg = settings.channels
    assert cfg is not None  # a stage names a text channel only with the section
    channel_kind: ChannelKind = "sms" if kind == "sms" else "whatsapp"
    sender = cfg.sender_of(kind)
    if cfg.type == "file":
        from mailer.textfile import FileChannel

        return FileChannel(
            kind=channel_kind,
            sender=sender or settings.business.name[:11],
            outbox=settings.resolve(cfg.outbox),
            inbox=settings.resolve(cfg.inbox),
        )
    from mailer.twilio import TwilioChannel, TwilioCredentials, build_client

    credentials = TwilioCredentials(
        account_sid_env=cfg.account_sid_env,
        auth_token_env=cfg.auth_token_env,
        api_key_env=cfg.api_key_env,
        api_secret_env=cfg.api_secret_env,
    )
    assert sender is not None  # the settings require a sender for a Twilio channel in use
    client = build_client(credentials, api_url=cfg.api_url)
    return TwilioChannel(client, kind=channel_kind, sender=sender)

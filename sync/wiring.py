"""Build the parts a configuration names: ledger, mailbox, state store, renderer."""

from __future__ import annotations

from connectors import open_ledger
from connectors.base import Ledger
from mailer.maildir import MaildirTransport
from mailer.render import Renderer
from mailer.transport import Transport
from sync.resources import default_templates_dir
from sync.settings import Settings
from sync.state import Store


def build_ledger(settings: Settings) -> Ledger:
    """The ledger the settings name."""
    cfg = settings.ledger
    return open_ledger(
        cfg.type,
        path=settings.resolve(cfg.path),
        payment_link=cfg.payment_link,
        notes_path=settings.resolve(cfg.notes_path) if cfg.notes_path else None,
        business_name=settings.business.name,
        pdf_font=settings.resolve(cfg.pdf_font) if cfg.pdf_font else None,
    )


def build_transport(settings: Settings) -> Transport:
    """The mailbox the settings name."""
    return MaildirTransport(settings.resolve(settings.mailbox.path))


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

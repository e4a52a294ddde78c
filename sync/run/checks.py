"""Checks a configuration must pass before a run: templates, ledger and mailbox settings.

``tahseel check`` prints them; every run of an organisation checks its templates first,
so a bad template stops that organisation before its first email, never half way.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from mailer.render import Renderer
from sync.config.services import (
    GmailSettings,
    MissingSecret,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    secret,
)
from sync.config.settings import LANGUAGES, Settings
from sync.run.outbound import Identity, sample_invoice, template_context


def templates_in_use(settings: Settings) -> list[tuple[str, str]]:
    """(template, stage) pairs for every email the policy can send."""
    used = [(s.template_name, s.name) for s in settings.policy.stages if s.action == "email"]
    used.append((settings.policy.resend.template, "resend"))
    if settings.policy.thank_you.enabled:
        used.append((settings.policy.thank_you.template, "thank_you"))
    if settings.policy.acknowledge.enabled:
        used.append((settings.policy.acknowledge.template, "acknowledge"))
    return used


def check_templates(settings: Settings, renderer: Renderer) -> list[str]:
    """Render every template in use, in every language, against a sample invoice."""
    identity = Identity.from_settings(settings)
    invoice = sample_invoice()
    problems: list[str] = []
    for template, stage in templates_in_use(settings):
        for language in LANGUAGES:
            if not renderer.has_template(template, language):
                problems.append(f"template {template!r} ({language}) not found for stage {stage!r}")
                continue
            context = template_context(
                invoice,
                identity,
                stage=stage,
                cycle=0,
                language=language,
                payment_link="https://pay.example.com/INV-0001",
                attachment=True,
                today=invoice.due_date,
                promised_date=invoice.due_date + timedelta(days=10),
            )
            problems.extend(renderer.check(template, language, context))
    return sorted(set(problems), key=problems.index)


def check_ledger_settings(settings: Settings) -> list[str]:
    """Problems with the ledger's settings that the schema alone cannot see.

    For a CSV ledger, a file the declared format cannot read (another delimiter,
    encoding or decimal separator) is a problem that names the setting to add.
    """
    from connectors.csvfile import CsvFormat, check_link_pattern, sniff

    problems: list[str] = []
    where = f"{settings.source}: ledger"
    ledger = settings.ledger
    if isinstance(ledger, XeroLedgerSettings | QuickBooksLedgerSettings):
        for name in ("client_id_env", "client_secret_env"):
            try:
                secret(f"ledger.{name}", getattr(ledger, name))
            except MissingSecret as exc:
                problems.append(f"{settings.source}: {exc}")
        token = settings.resolve(ledger.token_file)
        if not token.exists() and not (ledger.token_env and os.environ.get(ledger.token_env)):
            problems.append(
                f"{where}.token_file: {token} does not exist; run `tahseel auth {ledger.type}`"
            )
        return problems
    if ledger.payment_link:
        problems += [f"{where}.payment_link: {p}" for p in check_link_pattern(ledger.payment_link)]
    path = settings.resolve(ledger.path)
    if not Path(path).exists():
        problems.append(f"{where}.path: {path} does not exist")
        return problems
    declared = CsvFormat(ledger.delimiter, ledger.decimal, ledger.thousands, ledger.encoding)
    section = _ledger_section(settings)
    for hint in sniff(Path(path), declared):
        problems.append(
            f"{where}: {path}: {hint.reason}; add `{hint.line}` to the ledger section ({section})"
        )
    return problems


def _ledger_section(settings: Settings) -> str:
    """Where the ledger section starts, as ``file:line`` when the YAML says."""
    from sync.config.source import read_config
    from sync.errors import ConfigError

    try:
        data = read_config(settings.source)
        return f"{settings.source}:{data.lc.key('ledger')[0] + 1}"
    except (ConfigError, OSError, KeyError, AttributeError):
        return str(settings.source)


def check_mailbox_settings(settings: Settings) -> list[str]:
    """Problems with the mailbox's settings that the schema alone cannot see."""
    box = settings.mailbox
    if not isinstance(box, GmailSettings):
        return []
    where = f"{settings.source}: mailbox"
    if box.service_account_file is not None:
        key = settings.resolve(box.service_account_file)
        return [] if key.exists() else [f"{where}.service_account_file: {key} does not exist"]
    if box.token_env and os.environ.get(box.token_env):
        return []
    token = settings.resolve(box.token_file)
    if not token.exists():
        return [f"{where}.token_file: {token} does not exist; run `tahseel auth gmail`"]
    return []

"""Checks a configuration must pass before a run: templates, ledger and mailbox settings.

``tahseel check`` prints them; every run of an organisation checks its templates first,
so a bad template stops that organisation before its first email, never half way.
"""

from __future__ import annotations

import os
from pathlib import Path

from mailer.errors import TemplateError
from mailer.render import Renderer
from sync.config.services import (
    CsvLedgerSettings,
    MaildirSettings,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    missing_maildir,
    secret,
)
from sync.config.settings import LANGUAGES, Settings, Stage
from sync.errors import MissingSecret
from sync.plan.grouping import STATEMENT_SUFFIX, statement_template
from sync.run.dossier import DOSSIER, LETTER, sample_context
from sync.run.fee_checks import check_late_fee
from sync.run.outbound import sample_invoice
from sync.run.samples import sample_contexts
from sync.run.schedule import PLAN_TEMPLATES
from sync.run.statement_context import PDF_TEMPLATE
from sync.run.subjects import Subjects
from sync.run.text_checks import check_channel_service, check_texts


def templates_in_use(settings: Settings) -> list[tuple[str, str]]:
    """(template, stage) pairs for every email the policy, or a named one, can send."""
    used: list[tuple[str, str]] = []
    for policy in (settings.policy, *settings.policies.values()):
        pairs = [(s.template_name, s.name) for s in policy.stages if s.action == "email"]
        if policy.grouping == "customer":
            pairs += [(statement_template(t), stage) for t, stage in pairs]
        pairs.append((policy.resend.template, "resend"))
        if policy.thank_you.enabled:
            pairs.append((policy.thank_you.template, "thank_you"))
        if policy.acknowledge.enabled:
            pairs.append((policy.acknowledge.template, "acknowledge"))
        used += [pair for pair in pairs if pair not in used]
    used += [(stage, stage) for stage in PLAN_TEMPLATES]  # tahseel instalments, any day
    return used


def check_templates(settings: Settings, renderer: Renderer) -> list[str]:
    """Render every template in use, in every language, against sample invoices.

    Each is checked (every undefined use listed) in the first sample context of
    ``sync.run.samples`` and rendered strictly in each of them (replied or not, a
    promise broken or pending, a company or a person...); then every subject must
    render the same at every stage (``sync.run.subjects``).
    """
    problems: list[str] = []
    subjects, statements = Subjects(), Subjects()  # a statement's thread is the customer's
    for template, stage in templates_in_use(settings):
        for language in LANGUAGES:
            if not renderer.has_template(template, language):
                problems.append(_missing(renderer, template, language, stage))
                continue
            contexts = sample_contexts(settings, stage, language)
            found = renderer.check(template, language, contexts[0])
            problems.extend(found)
            for context in contexts if not found else ():
                try:
                    rendered = renderer.render(template, language, context)
                except TemplateError as exc:
                    problems.extend(exc.problems)
                    break
                mine = statements if template.endswith(STATEMENT_SUFFIX) else subjects
                mine.add(template, stage, language, rendered.subject)
    if not problems:
        problems += subjects.problems(renderer) + statements.problems(renderer)
        problems += check_statement_pdf(settings, renderer)
    if any(s.action == "escalate" for s in settings.policy.stages):
        problems.extend(check_dossier(settings, renderer))
    problems.extend(check_texts(settings, renderer))
    return sorted(set(problems), key=problems.index)


def check_statement_pdf(settings: Settings, renderer: Renderer) -> list[str]:
    """Render the statement PDF's words in every language, where a statement attaches it."""
    grouped = [
        p for p in (settings.policy, *settings.policies.values()) if p.grouping == "customer"
    ]
    if not any(s.attach_pdf for p in grouped for s in p.stages):
        return []
    problems: list[str] = []
    for language in LANGUAGES:
        try:
            renderer.render_text(
                PDF_TEMPLATE, language, sample_contexts(settings, "final", language)[0]
            )
        except TemplateError as exc:
            problems.extend(exc.problems)
    return problems


def check_dossier(settings: Settings, renderer: Renderer) -> list[str]:
    """Render the escalation's dossier (English) and demand letter (every language)."""
    context = sample_context(settings, sample_invoice())
    problems = renderer.check(DOSSIER, "en", context)
    for language in LANGUAGES:
        try:
            renderer.render_text(LETTER, language, context)
        except TemplateError as exc:
            problems.extend(exc.problems)
    return problems


def _missing(renderer: Renderer, template: str, language: str, stage: str) -> str:
    missing = renderer.missing_parts(template, language) or [f"{language}/{template}.*"]
    folders = ", ".join(str(f) for f in renderer.search_path)
    return (
        f"stage {stage!r}: template {template!r} ({language}) is missing"
        f" {', '.join(missing)} (looked in {folders})"
    )


def policy_warnings(settings: Settings) -> list[str]:
    """What in the policies is allowed but probably not meant; ``check`` shows it, runs go on."""
    warnings = _stage_warnings(f"{settings.source}: policy.stages", settings.policy.stages)
    for name, policy in settings.policies.items():
        warnings += _stage_warnings(f"{settings.source}: policies.{name}.stages", policy.stages)
    return warnings


def _stage_warnings(where: str, stages: tuple[Stage, ...]) -> list[str]:
    warnings = []
    for i, (before, stage) in enumerate(zip(stages, stages[1:], strict=False), start=1):
        if stage.offset_days == before.offset_days:
            warnings.append(
                f"{where}[{i}]: {stage.name!r} has the same offset_days ({stage.offset_days})"
                f" as {before.name!r}, so it goes out min_days_between later; give each"
                " stage its own day"
            )
    for i, stage in enumerate(stages):
        if stage.repeat_every_days and not stage.repeat_limit:
            warnings.append(
                f"{where}[{i}]: {stage.name!r} has repeat_every_days but no repeat_limit, so"
                " it is never repeated; set repeat_limit to the number of repeats"
            )
    return warnings


def check_ledger_settings(settings: Settings, *, files: bool = False) -> list[str]:
    """Problems with the ledger's settings that the schema alone cannot see.

    For a CSV ledger, a file the declared format cannot read (another delimiter,
    encoding or decimal separator) is a problem that names the setting to add; with
    ``files``, so is a PDF an open invoice names that cannot be attached
    (``check_ledger_files``; ``doctor`` shows those with the ledger's own checks).
    """
    from connectors.csvfile import CsvFormat, sniff

    problems: list[str] = check_late_fee(settings, _ledger_section)
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
    problems += check_payment_link(settings)
    path = settings.resolve(ledger.path)
    if not Path(path).exists():
        problems.append(f"{where}.path: {path} does not exist")
        return problems
    declared = CsvFormat(ledger.delimiter, ledger.decimal, ledger.thousands, ledger.encoding)
    hints = sniff(Path(path), declared)
    section = _ledger_section(settings) if hints else ""  # the file is read again to say where
    for hint in hints:
        problems.append(
            f"{where}: {path}: {hint.reason}; add `{hint.line}` to the ledger section ({section})"
        )
    return problems + (check_ledger_files(settings) if files and not hints else [])


def check_ledger_files(settings: Settings) -> list[str]:
    """The files a CSV ledger's open invoices name (``pdf_path``) that cannot be attached.

    Empty for another ledger, and for a CSV file that cannot be read (the settings'
    checks say why).
    """
    from connectors.csvfile import FileLedger
    from connectors.errors import LedgerError

    csv = settings.ledger
    if not isinstance(csv, CsvLedgerSettings):
        return []
    ledger = FileLedger(
        settings.resolve(csv.path),
        delimiter=csv.delimiter,
        decimal=csv.decimal,
        thousands=csv.thousands,
        encoding=csv.encoding,
    )
    try:
        return ledger.pdf_problems()
    except LedgerError:
        return []


def check_payment_link(settings: Settings) -> list[str]:
    """Problems with a CSV ledger's payment-link pattern, each at its file and line.

    A run checks it before anything else, like the templates: a link a customer
    cannot follow is never mailed.
    """
    from connectors.csvfile import check_link_pattern

    ledger = settings.ledger
    if isinstance(ledger, XeroLedgerSettings | QuickBooksLedgerSettings):
        return []
    if not ledger.payment_link:
        return []
    problems = check_link_pattern(ledger.payment_link)
    if not problems:
        return []  # the usual case: the file is not read again to say where
    where = _located(settings, "ledger", "payment_link")
    return [f"{where}: ledger.payment_link: {p}" for p in problems]


def _ledger_section(settings: Settings) -> str:
    """Where the ledger section starts, as ``file:line`` when the YAML says."""
    return _located(settings, "ledger")


def _located(settings: Settings, section: str, key: str | None = None) -> str:
    """Where a setting is written, as ``file:line`` when the YAML says, else the file.

    An organisation's own setting is found in its entry of ``organisations``; a
    setting it inherits, at the top level.
    """
    from ruamel.yaml.comments import CommentedMap

    from sync.config.source import read_config
    from sync.errors import ConfigError

    try:
        data = read_config(settings.source)
    except (ConfigError, OSError):
        return str(settings.source)
    if not isinstance(data, CommentedMap):
        return str(settings.source)
    places = [data]
    for entry in data.get("organisations") or []:
        if isinstance(entry, CommentedMap) and entry.get("name") == settings.organisation:
            places.insert(0, entry)
    for place in places:
        node = place.get(section) if isinstance(place, CommentedMap) else None
        if not isinstance(node, CommentedMap):
            continue
        if key is None:
            return f"{settings.source}:{place.lc.key(section)[0] + 1}"
        if key in node:
            return f"{settings.source}:{node.lc.key(key)[0] + 1}"
    return str(settings.source)


def check_mailbox_settings(settings: Settings) -> list[str]:
    """Problems with the mailbox's (and text channels') settings the schema cannot see."""
    texts = check_channel_service(settings)
    return texts + _check_mailbox(settings)


def _check_mailbox(settings: Settings) -> list[str]:
    box = settings.mailbox
    where = f"{settings.source}: mailbox"
    if isinstance(box, MaildirSettings):
        problem = None if box.create else missing_maildir(settings.resolve(box.path))
        return [f"{where}.path: {problem}"] if problem else []
    if box.service_account_file is not None:
        key = settings.resolve(box.service_account_file)
        return [] if key.exists() else [f"{where}.service_account_file: {key} does not exist"]
    if box.token_env and os.environ.get(box.token_env):
        return []
    token = settings.resolve(box.token_file)
    if not token.exists():
        return [f"{where}.token_file: {token} does not exist; run `tahseel auth gmail`"]
    return []

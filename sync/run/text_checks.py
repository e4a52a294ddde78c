"""What ``tahseel check`` verifies of WhatsApp and SMS before a run sends any.

Each SMS template of a stage that sends SMS renders in every language against the
sample invoices, shows the message's tag, and fits ``channels.sms.max_segments``; each
stage that sends WhatsApp has a Content template mapped. With Twilio credentials in the
environment, ``check_channel_service`` asks Twilio whether each mapped template exists
and is approved for WhatsApp (the channel's preflight).
"""

from __future__ import annotations

import os

from mailer.errors import MailError, TemplateError
from mailer.render import Renderer
from mailer.segments import TooManySegments, check_segments
from sync.config.policies import every_stage
from sync.config.settings import LANGUAGES, Settings
from sync.run.outbound import sample_invoice
from sync.run.samples import sample_contexts
from sync.run.text_compose import SMS_SUFFIX, sms_context, tag_for

SAMPLE_TAG = tag_for("sample", sample_invoice(), "sample", 0, "sms")
"""A tag as long as a real one, for the sample renders."""


def check_texts(settings: Settings, renderer: Renderer) -> list[str]:
    """Problems of the SMS templates and WhatsApp mappings the policy's stages use."""
    cfg = settings.channels
    if cfg is None:
        return []
    problems: list[str] = []
    where = f"{settings.source}: channels"
    checked: set[tuple[str, str]] = set()
    for stage in every_stage(settings):  # of ``policy`` and of each named policy
        if (stage.name, stage.template_name) in checked:
            continue
        checked.add((stage.name, stage.template_name))
        if "whatsapp" in stage.channels and not cfg.whatsapp.templates.get(stage.name):
            problems.append(
                f"{where}.whatsapp.templates: stage {stage.name!r} sends on WhatsApp but no"
                f" Content template is mapped: add {stage.name}: {{en: HX..., ar: HX...}}"
            )
        if "sms" not in stage.channels:
            continue
        for language in LANGUAGES:
            problems += _check_sms(settings, renderer, stage.template_name, stage.name, language)
    return problems


def _check_sms(
    settings: Settings, renderer: Renderer, template: str, stage: str, language: str
) -> list[str]:
    cfg = settings.channels
    assert cfg is not None
    file = renderer.sms_file(template, language)
    name = f"{language}/{template}{SMS_SUFFIX}"
    if file is None:
        return [f"{name}: missing; stage {stage!r} sends SMS: write it (built-in ones show how)"]
    problems: list[str] = []
    for context in sample_contexts(settings, stage, language):
        for link in (context["payment_link"], None):
            try:
                text = renderer.render_sms(
                    template, language, sms_context(settings, context, SAMPLE_TAG, link)
                )
            except TemplateError as exc:
                return list(exc.problems)
            if SAMPLE_TAG not in text:
                return [f"{file}: does not show {{{{ tag }}}}: add it (it finds a message again)"]
            try:
                check_segments(text, cfg.sms.max_segments, where=str(file))
            except TooManySegments as exc:
                if str(exc) not in problems:
                    problems.append(str(exc))
    return problems


def check_channel_service(settings: Settings) -> list[str]:
    """Ask Twilio, when its credentials are set, whether each mapped template is approved."""
    cfg = settings.channels
    if cfg is None or cfg.type != "twilio" or not cfg.whatsapp.templates:
        return []
    if not os.environ.get(cfg.account_sid_env):
        return []
    from sync.run.wiring import build_channel

    templates = {
        f"{stage}/{language}": sid
        for stage, languages in cfg.whatsapp.templates.items()
        for language, sid in languages.items()
    }
    try:
        found = build_channel(settings, "whatsapp").preflight(templates)
    except MailError as exc:
        return [f"{settings.source}: channels: {exc}"]
    return [f"{settings.source}: channels.whatsapp: {p}" for p in found.problems]

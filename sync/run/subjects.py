"""The check that every message of an invoice's thread carries one neutral subject.

Gmail threads messages by their subject, so every later message of an invoice goes out
as ``Re:`` and the first one's subject: a subject that names a stage ("due in two
days") reads false on the overdue reminder and the thank-you that follow. The built-in
templates have one subject per language, ``<lang>/_subject.txt``; a folder of one's own
may still hold a stage's ``<template>.subject.txt`` from before. Either way, each
subject must render the same at every stage, or ``check`` refuses it at its file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from mailer.errors import TemplateError
from mailer.render import THREAD_SUBJECT, Renderer
from sync.config.settings import LANGUAGES, Settings
from sync.run.samples import sample_contexts

_VARYING = re.compile(r"\b(stage|days_overdue|cycle|promised_date|promised|replied|deadline)\b")
"""Variables that differ between the messages of one thread."""


def check_subjects(
    settings: Settings, renderer: Renderer, used: list[tuple[str, str, int | None]]
) -> list[str]:
    """Problems with the subjects of the templates in ``used`` (template, stage, offset days).

    Each is rendered as the stage would send it, in every language; all must be equal.
    """
    problems: list[str] = []
    reported: set[Path] = set()
    for language in LANGUAGES:
        seen: dict[str, tuple[str, str]] = {}  # subject -> (stage, file)
        for template, stage, offset in used:
            if not renderer.has_template(template, language):
                continue  # reported as missing by the template check
            relative = renderer.part_file(template, language, "subject.txt")
            path = _located(renderer, relative)
            for context in sample_contexts(settings, stage, language, offset_days=offset):
                try:
                    subject = renderer.render(template, language, context).subject
                except TemplateError:
                    break  # the template check reports it
                if not seen:
                    seen[subject] = (stage, str(path))
                    continue
                if subject in seen:
                    continue
                if path in reported:
                    break
                reported.add(path)
                (other_stage, other_file), *_ = seen.values()
                problems.append(
                    _differs(path, relative, language, template, stage, subject)
                    + f" (stage {other_stage!r} in {other_file} has {next(iter(seen))!r})"
                )
                break
    return sorted(set(problems), key=problems.index)


def _differs(
    path: Path, relative: str, language: str, template: str, stage: str, subject: str
) -> str:
    line = _varying_line(path)
    where = f"{path}:{line}"
    if relative.endswith(f"/{THREAD_SUBJECT}"):
        return (
            f"{where}: the thread subject renders {subject!r} for stage {stage!r}, unlike"
            " other messages of the thread; every message of an invoice carries one"
            " subject, so keep only what is the same at every stage (invoice number,"
            " business name) and put the stage's words in each template's"
            " `{% block about %}` (the message's first line)"
        )
    return (
        f"{where}: the subject of {template!r} ({language}) renders {subject!r}, unlike"
        " other messages of the thread; every message of an invoice carries one subject:"
        f" delete this file so {language}/{THREAD_SUBJECT} is used, and put its stage"
        f" wording in the first line of {template}.txt and {template}.html"
        " (`{% block about %}`)"
    )


def _located(renderer: Renderer, relative: str) -> Path:
    for folder in renderer.search_path:
        candidate = folder.joinpath(*relative.split("/"))
        if candidate.is_file():
            return candidate
    return Path(relative)


def _varying_line(path: Path) -> int:
    """The first line of a subject template that uses a variable differing by stage."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for number, text in enumerate(lines, start=1):
        for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text):
            if _VARYING.search(tag):
                return number
    return 1

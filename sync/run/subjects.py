"""The check that every message of an invoice's thread carries one neutral subject.

Gmail threads messages by their subject, so every later message of an invoice goes out
as ``Re:`` and the first one's subject: a subject that names a stage ("due in two
days") reads false on the overdue reminder and the thank-you that follow. The built-in
templates have one subject per language, ``<lang>/_subject.txt``; a folder of one's own
may still hold a stage's ``<template>.subject.txt`` from before. Either way, each
subject must render the same at every stage and in every sample context, or ``check``
refuses it at its file and line, saying what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from mailer.render import THREAD_SUBJECT, Renderer

_VARYING = re.compile(r"\b(stage|days_overdue|cycle|promised_date|promised|replied|deadline)\b")
"""Variables that differ between the messages of one thread."""


class Subjects:
    """The subjects the sample renders gave, by language, to compare once all are in."""

    def __init__(self) -> None:
        self._seen: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, template: str, stage: str, language: str, subject: str) -> None:
        """Remember that ``template`` rendered ``subject`` for ``stage`` in ``language``."""
        self._seen.setdefault(language, []).append((template, stage, subject))

    def problems(self, renderer: Renderer) -> list[str]:
        """One problem per subject file that renders unlike the language's first subject."""
        problems: list[str] = []
        reported: set[Path] = set()
        for language, seen in self._seen.items():
            first_template, first_stage, first = seen[0]
            first_file = _located(renderer, first_template, language)
            for template, stage, subject in seen:
                if subject == first:
                    continue
                relative = renderer.part_file(template, language, "subject.txt")
                path = _located(renderer, template, language)
                if path in reported:
                    continue
                reported.add(path)
                problems.append(
                    _differs(path, relative, language, template, stage, subject)
                    + f" (stage {first_stage!r} in {first_file} has {first!r})"
                )
        return problems


def _differs(
    path: Path, relative: str, language: str, template: str, stage: str, subject: str
) -> str:
    where = f"{path}:{_varying_line(path)}"
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


def _located(renderer: Renderer, template: str, language: str) -> Path:
    relative = renderer.part_file(template, language, "subject.txt")
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

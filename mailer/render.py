"""Sandboxed Jinja2 rendering of email templates, with Babel filters for money and dates.

Templates live in ``<folder>/<lang>/<template>.subject.txt``, ``.txt`` and ``.html``;
folders are searched in order, so a business can override any file of the built-in set.
Rendering is strict: an undefined variable, an unsafe attribute or an oversized output
is a :class:`~mailer.errors.TemplateError` whose ``problems`` read ``file:line: message``.
The sandbox and its deadline are in ``mailer.sandbox``, the filters in ``mailer.filters``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import jinja2
from jinja2 import FileSystemLoader

from mailer.amounts import money_text
from mailer.bidi import Part, finalizer, plain
from mailer.compiled import Compiled
from mailer.errors import TemplateError, UnwritableValue
from mailer.filters import babel_filters
from mailer.hijri import OutsideUmmAlQura
from mailer.sandbox import (
    NamedUndefined,
    RecordingUndefined,
    Sandbox,
    naming,
    time_limit,
    undefined_uses,
)

PARTS = ("subject.txt", "txt", "html")
THREAD_SUBJECT = "_subject.txt"
"""The one subject of every customer thread, per language (``<lang>/_subject.txt``): used
by every template that has no ``<template>.subject.txt`` of its own."""
# An SMS is rendered like a subject: values without bidi marks, which would make an
# English text UCS-2 and halve what a segment holds.
_KIND: dict[str, Part] = {
    "subject.txt": "subject",
    "txt": "text",
    "html": "html",
    "sms.txt": "subject",
}
MAX_SUBJECT = 200
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")

# Control characters (Unicode Cc), line and paragraph separators; CR and LF are
# reported on their own.
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The three rendered parts of one email.

    Attributes:
        subject: One line, stripped, without control characters.
        text: The plain-text body.
        html: The HTML body.
        language: The language the templates were taken from (``en``, ``ar``).
    """

    subject: str
    text: str
    html: str
    language: str


class Renderer:
    """Renders one template (subject, text and HTML) in one language, in a sandbox.

    Args:
        search_path: Folders tried in order (the user's templates first, then the
            built-in ones); each holds one subfolder per language.
        digits: ``"arabic"`` writes numbers from the ``money``, ``date`` and ``number``
            filters with Arabic-Indic digits in Arabic messages; ``"latin"`` keeps 0-9.
        calendar: What the ``date`` filter writes in Arabic messages: ``"gregorian"``,
            ``"hijri"`` (Umm al-Qura) or ``"both"``.
        max_output: Largest number of characters any one part may render to.
        cache_dir: A private folder where compiled templates are kept for later runs
            (``mailer.compiled``); None compiles in every process.
    """

    def __init__(
        self,
        search_path: Sequence[Path],
        *,
        digits: Literal["latin", "arabic"] = "latin",
        calendar: Literal["gregorian", "hijri", "both"] = "gregorian",
        max_output: int = 256_000,
        cache_dir: Path | None = None,
    ) -> None:
        if digits not in ("latin", "arabic"):
            raise ValueError(f"digits must be 'latin' or 'arabic', not {digits!r}")
        if calendar not in ("gregorian", "hijri", "both"):
            raise ValueError(f"calendar must be gregorian, hijri or both, not {calendar!r}")
        self.search_path = tuple(Path(p) for p in search_path)
        self.digits = digits
        self.calendar = calendar
        self.max_output = max_output
        self._loader = FileSystemLoader([str(p) for p in self.search_path])
        self._environments: dict[tuple[str, bool, Part], Sandbox] = {}
        self._compiled = Compiled(cache_dir)

    def render(self, template: str, language: str, context: Mapping[str, Any]) -> Rendered:
        """Render the subject, text and HTML parts of ``template`` in ``language``.

        Args:
            template: The template's name, such as ``overdue``.
            language: The language folder and Babel locale, such as ``en`` or ``ar``.
            context: Plain data (dicts, strings, numbers, dates) for the templates.

        Returns:
            The rendered parts.

        Raises:
            TemplateError: A part is missing, fails to parse or render, renders too
                large, or the subject is not one clean line.
            UnwritableValue: A value of this context cannot be written, such as a date
                outside the Umm al-Qura calendar (a TemplateError that skips the message).
        """
        parts: dict[str, str] = {}
        with naming(context):
            for part in PARTS:
                output, problems = self._render_part(template, language, part, context)
                if problems:
                    unwritable = all(isinstance(p, _ValueProblem) for p in problems)
                    raise (UnwritableValue if unwritable else TemplateError)(
                        problems[0], list(problems)
                    )
                parts[part] = output
        subject = parts["subject.txt"].strip()
        if _subject_problems("", subject):  # name the file only when there is a problem
            name = self._part_name(template, language, "subject.txt")
            problems = _subject_problems(name, subject)
            raise TemplateError(problems[0], problems)
        return Rendered(subject=subject, text=parts["txt"], html=parts["html"], language=language)

    def check(self, template: str, language: str, context: Mapping[str, Any]) -> list[str]:
        """Render every part of ``template`` and list every problem found.

        Undefined variables are collected across each whole part rather than stopping
        at the first, then each part is rendered strictly as ``render`` would.

        Args:
            template: The template's name, such as ``overdue``.
            language: The language folder, such as ``en`` or ``ar``.
            context: A sample context, with the same keys a live run passes.

        Returns:
            Lines like ``templates/en/due.html:12: 'invoice' has no attribute 'numbr'``;
            empty when the template is fine.
        """
        problems: list[str] = []
        for part in PARTS:
            with undefined_uses() as recorded, naming(context):
                _, found = self._render_part(template, language, part, context, recording=True)
            with naming(context):
                output, strict = self._render_part(template, language, part, context)
            if part == "subject.txt" and not strict:
                name = self._part_name(template, language, part)
                strict = _subject_problems(name, output.strip())
            for line in [*recorded, *found, *strict]:
                if line not in problems:
                    problems.append(line)
        return problems

    def render_text(self, template: str, language: str, context: Mapping[str, Any]) -> str:
        """Render ``<language>/<template>.txt`` alone: a document's words, not an email.

        Raises:
            TemplateError: As ``render`` does.
        """
        with naming(context):
            output, problems = self._render_part(template, language, "txt", context)
        if problems:
            raise TemplateError(problems[0], problems)
        return output

    def render_sms(self, template: str, language: str, context: Mapping[str, Any]) -> str:
        """Render ``<language>/<template>.sms.txt``: an SMS, its lines tidied, no bidi marks.

        Raises:
            TemplateError: As ``render`` does.
        """
        with naming(context):
            output, problems = self._render_part(template, language, "sms.txt", context)
        if problems:
            raise TemplateError(problems[0], problems)
        return _tidy_text(output).strip()

    def sms_file(self, template: str, language: str) -> Path | None:
        """The file ``<language>/<template>.sms.txt`` is read from, or None when none has it."""
        return self._find(f"{language}/{template}.sms.txt")

    def has_template(self, template: str, language: str) -> bool:
        """Return True when all three parts of ``template`` exist for ``language``."""
        if not (_NAME.fullmatch(template) and _LANGUAGE.fullmatch(language)):
            return False
        return all(self._find(self.part_file(template, language, part)) for part in PARTS)

    def missing_parts(self, template: str, language: str) -> list[str]:
        """The files of ``template`` that no folder of the search path holds.

        Returns:
            Names like ``en/weekly.subject.txt``, relative to a template folder.
        """
        names = [self.part_file(template, language, part) for part in PARTS]
        return [name for name in names if self._find(name) is None]

    def part_file(self, template: str, language: str, part: str) -> str:
        """The file one part is rendered from, relative to a template folder.

        A template's subject is its own ``<template>.subject.txt`` where a folder has
        one, else the thread subject ``<language>/_subject.txt``.
        """
        name = f"{language}/{template}.{part}"
        if part == "subject.txt" and self._find(name) is None:
            return f"{language}/{THREAD_SUBJECT}"
        return name

    def _find(self, name: str) -> Path | None:
        for folder in self.search_path:
            candidate = folder.joinpath(*name.split("/"))
            if candidate.is_file():
                return candidate
        return None

    def _part_name(self, template: str, language: str, part: str) -> str:
        name = self.part_file(template, language, part)
        found = self._find(name)
        return str(found) if found is not None else name

    def _render_part(
        self,
        template: str,
        language: str,
        part: str,
        context: Mapping[str, Any],
        *,
        recording: bool = False,
    ) -> tuple[str, list[str]]:
        """Render one part (inside ``naming``); return its output and what stopped it."""
        if not _NAME.fullmatch(template):
            return "", [f"{template!r}: not a valid template name"]
        if not _LANGUAGE.fullmatch(language):
            return "", [f"{language!r}: not a valid language code"]
        name = self.part_file(template, language, part)
        with time_limit():
            try:
                loaded = self._environment(language, recording, _KIND[part]).get_template(name)
                output = _bounded_join(
                    loaded.generate(context), self.max_output, loaded.filename or name
                )
                return (_tidy_text(output) if part == "txt" else output), []
            except jinja2.TemplateNotFound as exc:
                folders = ", ".join(str(p) for p in self.search_path)
                return "", [f"{exc.name or name}: template not found in {folders}"]
            except jinja2.TemplateSyntaxError as exc:
                return "", [f"{exc.filename or exc.name or name}:{exc.lineno}: {exc.message}"]
            except _OutputTooLarge as exc:
                return "", [str(exc)]
            except UnicodeDecodeError as exc:
                return "", [_not_utf8(self._find(name), name, exc)]
            except OutsideUmmAlQura as exc:  # the data's fault, not the template's
                where = _traceback_location(exc.__traceback__, name)
                return "", [_ValueProblem(f"{where}: {exc}")]
            except Exception as exc:  # a template may raise anything a filter or test raises
                return "", [f"{_traceback_location(exc.__traceback__, name)}: {_describe(exc)}"]

    def _environment(self, language: str, recording: bool, part: Part) -> Sandbox:
        # Each part has its own finalize: inserted values are isolated by where they land.
        key = (language, recording, part)
        env = self._environments.get(key)
        if env is None:
            env = Sandbox(
                max_output=self.max_output,
                loader=self._loader,
                undefined=RecordingUndefined if recording else NamedUndefined,
                autoescape=_autoescape,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
                # One run renders from files that do not change under it: no stat per use.
                auto_reload=False,
                # Checked and strict rendering compile alike: each file is compiled once.
                bytecode_cache=self._compiled,
                finalize=finalizer(part),
            )
            env.globals.pop("lipsum", None)
            env.filters.update(babel_filters(language, self.digits, self.calendar))
            env.filters.update(money_text=money_text(language, self.digits), plain=plain)
            self._environments[key] = env
        return env


class _OutputTooLarge(Exception):
    pass


class _ValueProblem(str):
    """A problem caused by a value of the context rather than by the template."""

    __slots__ = ()


def _autoescape(name: str | None) -> bool:
    """Escape HTML templates only; text parts are sent as they are written."""
    return name is not None and name.endswith((".html", ".htm", ".xml"))


def _bounded_join(chunks: Iterator[str], limit: int, name: str) -> str:
    """Join rendered chunks, stopping as soon as they pass ``limit`` characters."""
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _OutputTooLarge(f"{name}: output is over {limit} characters")
        out.append(chunk)
    return "".join(out)


def _not_utf8(path: Path | None, name: str, exc: UnicodeDecodeError) -> str:
    """``file:line: not UTF-8 text (byte 0x..)`` for a template that cannot be decoded."""
    data = exc.object if isinstance(exc.object, bytes) else b""
    line = data[: exc.start].count(b"\n") + 1
    byte = f" (byte 0x{data[exc.start]:02x})" if exc.start < len(data) else ""
    return f"{path or name}:{line}: not UTF-8 text{byte}; save the template as UTF-8"


def _tidy_text(text: str) -> str:
    """Trim trailing spaces and collapse runs of blank lines left by template blocks."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _traceback_location(tb: TracebackType | None, fallback: str) -> str:
    """Return ``file:line`` of the innermost template frame in a rewritten traceback."""
    location = f"{fallback}:0"
    while tb is not None:
        # Jinja rewrites template frames into fake ones whose globals carry the exception.
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            location = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return location


def _describe(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateError):
        return exc.message or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def _subject_problems(name: str, subject: str) -> list[str]:
    problems = []
    if not subject:
        problems.append(f"{name}:1: the subject renders empty")
    if "\n" in subject or "\r" in subject:
        problems.append(f"{name}:1: the subject spans more than one line")
    if len(subject) > MAX_SUBJECT:
        problems.append(f"{name}:1: the subject is {len(subject)} characters (max {MAX_SUBJECT})")
    if _CONTROL.search(subject):
        problems.append(f"{name}:1: the subject contains control characters")
    return problems


def default_search_path(user_folder: Path | None = None) -> list[Path]:
    """Return the template folders to search: ``user_folder`` first, then the built-in set.

    Args:
        user_folder: The business's own templates folder, if it has one.

    Returns:
        The folders, in the order ``Renderer`` should try them.
    """
    root = Path(__file__).resolve().parent.parent
    # A source checkout has templates/; an installed wheel has them as tahseel_templates/.
    builtin = next(
        (root / name for name in ("templates", "tahseel_templates") if (root / name).is_dir()),
        root / "templates",
    )
    return [p for p in (user_folder, builtin) if p is not None]

"""Sandboxed Jinja2 rendering of email templates, with Babel filters for money and dates.

Templates live in ``<folder>/<lang>/<template>.subject.txt``, ``.txt`` and ``.html``;
folders are searched in order, so a business can override any file of the built-in set.
Rendering is strict: an undefined variable, an unsafe attribute or an oversized output
is a :class:`~mailer.errors.TemplateError` whose ``problems`` read ``file:line: message``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import babel
import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from jinja2 import ChainableUndefined, FileSystemLoader, StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import missing

from mailer.errors import TemplateError


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


# 3.1.6 closes the last published sandbox escapes (str.format and |attr bypasses).
if _version(jinja2.__version__) < (3, 1, 6):
    raise ImportError(
        f"Tahseel needs jinja2 >= 3.1.6 for a safe sandbox; found {jinja2.__version__}. "
        "Upgrade with: pip install 'jinja2>=3.1.6'"
    )

PARTS = ("subject.txt", "txt", "html")
MAX_SUBJECT = 200
MAX_SECONDS = 2.0
"""Longest a template part may take to render; loops that run longer stop with an error."""
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# Names of the context's nested dicts by id, so a typo reads "'invoice' has no attribute
# 'numbr'" instead of Jinja's "'dict object' has no attribute 'numbr'".
_OBJECT_NAMES: contextvars.ContextVar[dict[int, str]] = contextvars.ContextVar("names")
# Control characters (Unicode Cc), line and paragraph separators; CR and LF are
# reported on their own.
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# When the part being rendered must be done (``time.monotonic``), for loops and calls.
_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=0.0)
# Where ``check`` collects undefined uses instead of stopping at the first one.
_RECORDED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "recorded", default=None
)


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


def _describe_undefined(undefined: Undefined) -> str:
    """Jinja's message, naming the context variable a missing attribute was read on."""
    obj, name = undefined._undefined_obj, undefined._undefined_name
    if not undefined._undefined_hint and obj is not missing and isinstance(name, str):
        owner = _OBJECT_NAMES.get({}).get(id(obj))
        if owner is not None:
            return f"{owner!r} has no attribute {name!r}"
    return str(Undefined._undefined_message.fget(undefined))  # type: ignore[attr-defined]


class _Undefined(StrictUndefined):
    """StrictUndefined whose errors read "'invoice' has no attribute 'numbr'"."""

    __slots__ = ()
    _undefined_message = property(_describe_undefined)


class _RecordingUndefined(ChainableUndefined):
    """Used by ``check``: records each use of an undefined value and carries on."""

    __slots__ = ()
    _undefined_message = property(_describe_undefined)

    def _record(self) -> None:
        sink = _RECORDED.get()
        line = f"{_live_template_location()}: {self._undefined_message}"
        if sink is not None and line not in sink:
            sink.append(line)

    def __str__(self) -> str:
        self._record()
        return ""

    def __iter__(self) -> Iterator[Any]:
        self._record()
        return iter(())

    def __bool__(self) -> bool:
        self._record()
        return False

    def __len__(self) -> int:
        self._record()
        return 0

    def __eq__(self, other: object) -> bool:
        self._record()
        return type(self) is type(other)

    __hash__ = ChainableUndefined.__hash__


def _live_template_location() -> str:
    """Return ``file:line`` of the innermost template frame on the running stack."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            lineno = template.get_corresponding_lineno(frame.f_lineno)
            return f"{template.filename or template.name}:{lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<template>:0"


def _in_time() -> None:
    deadline = _DEADLINE.get()
    if deadline and time.monotonic() > deadline:
        raise jinja2.exceptions.SecurityError(
            f"template took longer than {MAX_SECONDS:g} s to render (a loop too large?)"
        )


class _Alarm:
    """A backstop for loops the deadline checks cannot see (over a long string, say).

    In the main thread on a system with interval timers, a signal interrupts rendering
    once ``seconds`` have passed; elsewhere it does nothing.
    """

    def __init__(self, seconds: float) -> None:
        self.armed = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, _alarm_rang)
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def cancel(self) -> None:
        """Disarm the timer and put the previous handler back."""
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _alarm_rang(signum: int, frame: Any) -> None:
    raise jinja2.exceptions.SecurityError(
        f"template took longer than {MAX_SECONDS:g} s to render (a loop too large?)"
    )


class _TimedRange:
    """``range`` for templates: as the sandbox's, but a loop over it stops at the deadline."""

    def __init__(self, *args: int) -> None:
        self.numbers = safe_range(*args)

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[int]:
        for count, number in enumerate(self.numbers):
            if count % 1024 == 0:
                _in_time()
            yield number


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, refusing more than Jinja's own.

    It also refuses ``*`` and ``**`` that would build huge values, and loops or calls
    past the rendering deadline.
    """

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *, max_output: int, **options: Any) -> None:
        super().__init__(**options)
        self.max_output = max_output
        self.globals["range"] = _TimedRange

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` as the sandbox reads it, with a shortcut for context data.

        A plain dict has no attribute of that name, so the sandbox would fail to find
        one and fall back to the item: that answer is given at once.
        """
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N807
        """Call a function from a template, if there is still time."""
        _in_time()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Apply ``operator``, refusing results larger than the output limit."""
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise jinja2.exceptions.SecurityError("exponent too large in template")
            return left**right
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(count, int):
                if len(seq) * count > self.max_output:
                    raise jinja2.exceptions.SecurityError("repetition too large in template")
        return left * right


class Renderer:
    """Renders one template (subject, text and HTML) in one language, in a sandbox.

    Args:
        search_path: Folders tried in order (the user's templates first, then the
            built-in ones); each holds one subfolder per language.
        digits: ``"arabic"`` writes numbers from the ``money``, ``date`` and ``number``
            filters with Arabic-Indic digits in Arabic messages; ``"latin"`` keeps 0-9.
        max_output: Largest number of characters any one part may render to.
    """

    def __init__(
        self,
        search_path: Sequence[Path],
        *,
        digits: Literal["latin", "arabic"] = "latin",
        max_output: int = 256_000,
    ) -> None:
        if digits not in ("latin", "arabic"):
            raise ValueError(f"digits must be 'latin' or 'arabic', not {digits!r}")
        self.search_path = tuple(Path(p) for p in search_path)
        self.digits = digits
        self.max_output = max_output
        self._loader = FileSystemLoader([str(p) for p in self.search_path])
        self._environments: dict[tuple[str, bool], _Sandbox] = {}

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
        """
        parts: dict[str, str] = {}
        with _guarded(context):
            for part in PARTS:
                output, problems = self._render_part(template, language, part, context)
                if problems:
                    raise TemplateError(problems[0], problems)
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
            recorded: list[str] = []
            token = _RECORDED.set(recorded)
            try:
                with _guarded(context):
                    _, found = self._render_part(template, language, part, context, recording=True)
            finally:
                _RECORDED.reset(token)
            with _guarded(context):
                output, strict = self._render_part(template, language, part, context)
            if part == "subject.txt" and not strict:
                name = self._part_name(template, language, part)
                strict = _subject_problems(name, output.strip())
            for line in [*recorded, *found, *strict]:
                if line not in problems:
                    problems.append(line)
        return problems

    def has_template(self, template: str, language: str) -> bool:
        """Return True when all three parts of ``template`` exist for ``language``."""
        if not (_NAME.fullmatch(template) and _LANGUAGE.fullmatch(language)):
            return False
        return all(self._find(f"{language}/{template}.{part}") for part in PARTS)

    def _find(self, name: str) -> Path | None:
        for folder in self.search_path:
            candidate = folder.joinpath(*name.split("/"))
            if candidate.is_file():
                return candidate
        return None

    def _part_name(self, template: str, language: str, part: str) -> str:
        name = f"{language}/{template}.{part}"
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
        """Render one part (inside ``_guarded``); return its output and what stopped it."""
        if not _NAME.fullmatch(template):
            return "", [f"{template!r}: not a valid template name"]
        if not _LANGUAGE.fullmatch(language):
            return "", [f"{language!r}: not a valid language code"]
        name = f"{language}/{template}.{part}"
        timer = _DEADLINE.set(time.monotonic() + MAX_SECONDS)
        alarm = _Alarm(MAX_SECONDS + 1)
        try:
            loaded = self._environment(language, recording).get_template(name)
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
        except Exception as exc:  # a template may raise anything a filter or test raises
            return "", [f"{_traceback_location(exc.__traceback__, name)}: {_describe(exc)}"]
        finally:
            alarm.cancel()
            _DEADLINE.reset(timer)

    def _environment(self, language: str, recording: bool) -> _Sandbox:
        key = (language, recording)
        env = self._environments.get(key)
        if env is None:
            env = _Sandbox(
                max_output=self.max_output,
                loader=self._loader,
                undefined=_RecordingUndefined if recording else _Undefined,
                autoescape=_autoescape,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
                # One run renders from files that do not change under it: no stat per use.
                auto_reload=False,
            )
            env.globals.pop("lipsum", None)
            env.filters.update(_babel_filters(language, self.digits))
            self._environments[key] = env
        return env


class _OutputTooLarge(Exception):
    pass


@contextlib.contextmanager
def _guarded(context: Mapping[str, Any]) -> Iterator[None]:
    """Name the context's objects for error messages, once for all parts of a render."""
    token = _OBJECT_NAMES.set(_name_objects(context))
    try:
        yield
    finally:
        _OBJECT_NAMES.reset(token)


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


def _name_objects(context: Mapping[str, Any]) -> dict[int, str]:
    names: dict[int, str] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            names.setdefault(id(value), path)
            for key, item in value.items():
                walk(item, f"{path}.{key}")

    for key, value in context.items():
        walk(value, str(key))
    return names


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


def _babel_filters(language: str, digits: str) -> dict[str, Callable[..., str]]:
    """Build the ``money``, ``date`` and ``number`` filters for one language."""
    locale = babel.Locale.parse(language.replace("-", "_"))
    arabic = digits == "arabic" and locale.language == "ar"
    numbering = "arab" if arabic else "latn"

    def finish(text: str) -> str:
        return text.translate(_TO_ARABIC_DIGITS) if arabic else text

    @functools.lru_cache(maxsize=4096, typed=True)
    def formatted(value: Decimal | int | float, code: str) -> str:
        # One email shows its amount in the subject, text and HTML: format it once.
        text = format_currency(value, code, locale=locale, numbering_system=numbering)
        return finish(_space_currency(text, get_currency_symbol(code, locale=locale)))

    def money(amount: Any, currency: Any) -> str:
        if isinstance(amount, Undefined) or isinstance(currency, Undefined):
            return str(amount) + str(currency)
        return formatted(_as_number(amount, "money"), str(currency))

    def date_filter(value: Any, format: str = "long") -> str:
        if isinstance(value, Undefined):
            return str(value)
        if not isinstance(value, date):
            raise TypeError(f"date filter expects a date, got {type(value).__name__}")
        day = value.date() if isinstance(value, datetime) else value
        return finish(format_date(day, format=format, locale=locale))

    def number(value: Any) -> str:
        if isinstance(value, Undefined):
            return str(value)
        return finish(
            format_decimal(_as_number(value, "number"), locale=locale, numbering_system=numbering)
        )

    return {"money": money, "date": date_filter, "number": number}


def _space_currency(text: str, symbol: str) -> str:
    """Apply CLDR's currency spacing, which Babel skips: "SAR 11,500.00", not "SAR11,500.00".

    A symbol ending in a letter gets a no-break space before the digits that follow it.
    """
    rest = text[len(symbol) :]
    if symbol[-1:].isalpha() and text.startswith(symbol) and rest[:1].isdigit():
        return f"{symbol}\u00a0{rest}"
    return text


def _as_number(value: Any, filter_name: str) -> Decimal | int | float:
    # bool is an int, and Babel would happily print it as 1 or 0.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"{filter_name} filter expects a number, got {type(value).__name__}")
    return value


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

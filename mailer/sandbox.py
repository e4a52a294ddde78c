"""The template sandbox: Jinja's immutable sandbox with a deadline, and strict undefineds.

``Sandbox`` refuses more than Jinja's own sandbox (huge ``*`` and ``**`` results, loops
and calls past the deadline); ``time_limit`` sets that deadline around one part, with a
signal as a backstop in the main thread. ``NamedUndefined`` fails on first use with a
message naming the context variable read; ``RecordingUndefined`` (inside
``undefined_uses``) collects every use instead, for ``Renderer.check``.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import ChainableUndefined, StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import missing


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


# 3.1.6 closes the last published sandbox escapes (str.format and |attr bypasses).
if _version(jinja2.__version__) < (3, 1, 6):
    raise ImportError(
        f"Tahseel needs jinja2 >= 3.1.6 for a safe sandbox; found {jinja2.__version__}. "
        "Upgrade with: pip install 'jinja2>=3.1.6'"
    )

MAX_SECONDS = 2.0
"""Longest a template part may take to render; loops that run longer stop with an error."""

# Names of the context's nested dicts by id, so a typo reads "'invoice' has no attribute
# 'numbr'" instead of Jinja's "'dict object' has no attribute 'numbr'".
_OBJECT_NAMES: contextvars.ContextVar[dict[int, str]] = contextvars.ContextVar("names")
# When the part being rendered must be done (``time.monotonic``), for loops and calls.
_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=0.0)
# Where ``check`` collects undefined uses instead of stopping at the first one.
_RECORDED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "recorded", default=None
)


def _describe_undefined(undefined: Undefined) -> str:
    """Jinja's message, naming the context variable a missing attribute was read on."""
    obj, name = undefined._undefined_obj, undefined._undefined_name
    if not undefined._undefined_hint and obj is not missing and isinstance(name, str):
        owner = _OBJECT_NAMES.get({}).get(id(obj))
        if owner is not None:
            return f"{owner!r} has no attribute {name!r}"
    return str(Undefined._undefined_message.fget(undefined))  # type: ignore[attr-defined]


class NamedUndefined(StrictUndefined):
    """StrictUndefined whose errors read "'invoice' has no attribute 'numbr'"."""

    __slots__ = ()
    _undefined_message = property(_describe_undefined)


class RecordingUndefined(ChainableUndefined):
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


class Sandbox(ImmutableSandboxedEnvironment):
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


@contextlib.contextmanager
def time_limit() -> Iterator[None]:
    """Give the part rendered inside ``MAX_SECONDS``: loops and calls stop past it.

    A signal one second later is the backstop for loops the checks cannot see.
    """
    timer = _DEADLINE.set(time.monotonic() + MAX_SECONDS)
    alarm = _Alarm(MAX_SECONDS + 1)
    try:
        yield
    finally:
        alarm.cancel()
        _DEADLINE.reset(timer)


@contextlib.contextmanager
def undefined_uses() -> Iterator[list[str]]:
    """Collect the uses of undefined values (``RecordingUndefined``) in the list yielded."""
    recorded: list[str] = []
    token = _RECORDED.set(recorded)
    try:
        yield recorded
    finally:
        _RECORDED.reset(token)


@contextlib.contextmanager
def naming(context: Mapping[str, Any]) -> Iterator[None]:
    """Name the context's objects for error messages, once for all parts of a render."""
    token = _OBJECT_NAMES.set(_name_objects(context))
    try:
        yield
    finally:
        _OBJECT_NAMES.reset(token)


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

"""Generate the reference parts of the documentation from the code, for cog.

The configuration reference walks the pydantic models from the top-level ``Settings``
(nested models, sequences of models, and unions of models such as the ledger kinds), and
the command reference renders ``tahseel --help`` and each command's ``--help`` at a
fixed width without colour. Run from the repository's root::

    cog -r -I docs docs/*.md

and ``cog --check -I docs docs/*.md`` to see that the pages are current (the tests do).
Every import of ``sync`` is in ``_sources``.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import annotated_types
from _settings_notes import NOTES
from _sources import HijriHoliday, Settings, app
from pydantic import BaseModel
from pydantic.fields import FieldInfo

HELP_WIDTH = 88
"""The terminal width the ``--help`` texts are rendered at, so that they do not vary."""

_SCALARS: dict[Any, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "`true` or `false`",
    Decimal: "decimal number",
    Path: "path",
    date: "date (YYYY-MM-DD)",
    time: "time (HH:MM)",
    timedelta: "duration",
    HijriHoliday: "Hijri date (`hijri:10-01`)",
    type(None): "none",
}


@dataclass(frozen=True)
class Section:
    """One model of the tree, at the first key path it is reached by."""

    model: type[BaseModel]
    path: str
    kind: str | None = None

    @property
    def anchor(self) -> str:
        """The heading's id: the key path, as a URL fragment."""
        base = self.path.replace("[]", "").replace(".", "-") or "top-level"
        return f"{base}-{self.kind}" if self.kind else base


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(_unwrap(a) for a in typing.get_args(annotation))
    return (annotation,)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    if field is None:
        return None
    values = typing.get_args(_unwrap(field.annotation))
    return str(values[0]) if len(values) == 1 else None


def _nested(annotation: Any) -> tuple[list[type[BaseModel]], bool]:
    """The models a field holds, and whether it holds a list of them."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (tuple, list):
        inner, _ = _nested(typing.get_args(annotation)[0])
        return inner, True
    if origin is dict:  # a map of names to models: its entries are documented as one
        inner, _ = _nested(typing.get_args(annotation)[1])
        return inner, False
    return [m for m in _members(annotation) if _is_model(m)], False


def _documented_fields(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        if not field.exclude:
            yield name, field


def sections(model: type[BaseModel] = Settings, path: str = "") -> list[Section]:
    """Every model reachable from ``model``, parents before children, each once."""
    found = [Section(model, path, _kind(model) if path else None)]
    seen = {model}
    for name, field in _documented_fields(model):
        nested, is_list = _nested(field.annotation)
        child = f"{path}.{name}" if path else name
        child += "[]" if is_list else ""
        for sub in nested:
            for section in sections(sub, child):
                if section.model not in seen:
                    seen.add(section.model)
                    found.append(section)
    return found


def _anchors() -> dict[type[BaseModel], Section]:
    return {s.model: s for s in sections()}


def _link(section: Section) -> str:
    if section.kind:
        return f"[`type: {section.kind}`](#{section.anchor})"
    return f"[`{section.path}`](#{section.anchor})"


def type_name(annotation: Any, anchors: dict[type[BaseModel], Section] | None = None) -> str:
    """A reader's name for a field's type, models linked to their sections."""
    anchors = _anchors() if anchors is None else anchors
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if _is_model(annotation):
        section = anchors[annotation]
        return _link(section) if section.kind else f"mapping, see {_link(section)}"
    if origin is typing.Literal:
        # A blank value (a space, a tab) is shown quoted, as YAML must write it.
        values = [f"`{json.dumps(v) if str(v).isspace() else v}`" for v in args]
        return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a, anchors) for a in args)
    if origin in (tuple, list):
        return f"list of {type_name(args[0], anchors)}"
    if origin is dict:
        return f"map of {type_name(args[0], anchors)} to {type_name(args[1], anchors)}"
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _constraints(field: FieldInfo) -> str:
    words = []
    for item in field.metadata:
        for cls, attribute, sign in (
            (annotated_types.Ge, "ge", "≥"),
            (annotated_types.Gt, "gt", ">"),
            (annotated_types.Le, "le", "≤"),
            (annotated_types.Lt, "lt", "<"),
        ):
            if isinstance(item, cls):
                words.append(f"{sign} {getattr(item, attribute)}")
        if isinstance(item, annotated_types.MinLen) and item.min_length:
            words.append(f"at least {item.min_length} long")
    return ", ".join(words)


def _yaml(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return str(value)


def default(
    model: type[BaseModel], name: str, field: FieldInfo, anchors: dict[Any, Section]
) -> str:
    """The field's default as it would be written in YAML, or ``required``."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return f"the defaults of {_link(anchors[type(value)])}"
    if value is None:
        return "none"
    if isinstance(value, time):
        return f"`{value:%H:%M}`"
    # The model's own serialiser, so that a value is shown as it is written (26h).
    dumped = model.model_construct().model_dump(mode="json", include={name})[name]
    return f"`{_yaml(dumped)}`"


def _attribute_docstrings(model: type[BaseModel]) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(model))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    found = {}
    for node, after in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found[node.target.id] = inspect.cleandoc(after.value.value)
    return found


def _markdown(text: str) -> str:
    """Docstring text (reStructuredText literals) as one Markdown line."""
    return " ".join(text.replace("``", "`").split())


def description(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    """What a field means: from the code when it says, else from ``_settings_notes``.

    Raises:
        LookupError: When nothing says it, or when a note repeats what the code says.
    """
    key = f"{model.__name__}.{name}"
    own = field.description or _attribute_docstrings(model).get(name)
    if own and key in NOTES:
        raise LookupError(f"{key} is described in the code: drop it from _settings_notes")
    if own:
        return _markdown(own)
    if key in NOTES:
        return NOTES[key]
    nested, _ = _nested(field.annotation)
    if len(nested) == 1 and nested[0].__doc__:
        return _markdown(nested[0].__doc__.split("\n\n")[0])
    raise LookupError(f"{key} has no description: give it one (or a note in _settings_notes)")


def _check_notes() -> None:
    known = {
        f"{s.model.__name__}.{name}" for s in sections() for name, _ in _documented_fields(s.model)
    }
    unknown = sorted(set(NOTES) - known)
    if unknown:
        raise LookupError(f"_settings_notes describes settings that do not exist: {unknown}")


def settings_reference() -> str:
    """Markdown: one section per model, with a table of its keys."""
    _check_notes()
    anchors = _anchors()
    out = []
    for section in sections():
        if section.path and section.kind:
            title = f"`{section.path}` with `type: {section.kind}`"
        else:
            title = f"`{section.path}`" if section.path else "The top level"
        out.append(f"### {title} {{#{section.anchor}}}\n")
        if section.model.__doc__:
            out.append(_markdown(section.model.__doc__) + "\n")
        out.append("| key | type | default | meaning |")
        out.append("|---|---|---|---|")
        for name, field in _documented_fields(section.model):
            key = f"{section.path}.{name}" if section.path else name
            kind = type_name(field.annotation, anchors)
            limits = _constraints(field)
            kind += f" ({limits})" if limits else ""
            cells = [
                f"`{key}`",
                kind,
                default(section.model, name, field, anchors),
                description(section.model, name, field),
            ]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def setting_keys() -> list[str]:
    """Every key path the reference lists, e.g. ``policy.stages[].offset_days``."""
    return [
        f"{s.path}.{name}" if s.path else name
        for s in sections()
        for name, _ in _documented_fields(s.model)
    ]


def command_names() -> list[tuple[str, ...]]:
    """Every command of the app, groups' commands included: ``("run",)``, ``("auth", "xero")``."""
    import typer.main

    names: list[tuple[str, ...]] = []

    def walk(command: Any, prefix: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            names.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return names


def help_text(*command: str) -> str:
    """``tahseel COMMAND --help`` at a fixed width, without colour."""
    import click
    from typer.testing import CliRunner

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": str(HELP_WIDTH)})
    result = runner.invoke(
        app,
        [*command, "--help"],
        prog_name="tahseel",
        terminal_width=HELP_WIDTH,
        max_content_width=HELP_WIDTH,
    )
    if result.exit_code != 0:
        raise click.ClickException(f"tahseel {' '.join(command)} --help: {result.output}")
    return result.output


def help_block(*command: str) -> str:
    """A Markdown code block of ``tahseel COMMAND --help``, prompt included."""
    shown = " ".join(("tahseel", *command, "--help"))
    return f"```text\n$ {shown}\n{help_text(*command).rstrip()}\n```\n"

"""The configuration as YAML: read with the line of every node, and errors located in it.

Pydantic's validation errors become ``ConfigIssue`` lines like
``tahseel.yaml:23: policy.stages[2].offset_days: expected an integer, got 'ten'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent

from sync.config.policies import check_customer_policies
from sync.config.services import UNION_KEYS
from sync.config.settings import Settings
from sync.errors import ConfigError, ConfigIssue


def validate(path: Path, data: CommentedMap) -> Settings:
    """Validate one business's configuration ``data``, read from ``path``.

    Raises:
        ConfigError: With every problem found, each naming file, line and field.
    """
    try:
        settings = Settings.model_validate({**plain(data), "source": path})
        check_customer_policies(settings)
        return settings
    except ValidationError as exc:
        raise ConfigError([config_issue(str(path), data, err) for err in exc.errors()]) from None


def read_config(path: Path) -> CommentedMap:
    """Read a configuration file's YAML, keeping the line of every node.

    Raises:
        ConfigError: The file cannot be read, is not YAML, or is not a mapping.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigIssue(name, None, "", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise ConfigError([ConfigIssue(name, where, "", message)]) from None
    try:
        _refuse_aliases(name, text)
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError([ConfigIssue(name, line, "", f"not valid YAML: {exc.problem}")]) from None
    if data is None:
        raise ConfigError([ConfigIssue(name, None, "", f"the file is empty; {MINIMAL}")])
    if not isinstance(data, CommentedMap):
        raise ConfigError([ConfigIssue(name, 1, "", "expected a mapping of settings at the top")])
    return data


MINIMAL = (
    "a minimal configuration names the business, the sender and the ladder, e.g.\n"
    "  business:\n    name: Nakheel Trading\n    timezone: Asia/Riyadh\n"
    "  sender:\n    name: Accounts\n    email: accounts@nakheel.example\n"
    "  policy:\n    stages:\n      - name: overdue\n        offset_days: 1\n"
    "(`tahseel init` writes a complete, commented one)"
)
"""What an empty file is told to hold instead."""


def _refuse_aliases(name: str, text: str) -> None:
    """Refuse YAML aliases (``*name``) before anything is built from the text.

    Aliases let a few lines expand into gigabytes (a "billion laughs" file), and a
    configuration has no need of them: each setting is written once.
    """
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            message = (
                f"YAML aliases (*{event.anchor}) are not allowed in the configuration;"
                " write the value out where it is needed"
            )
            raise ConfigError([ConfigIssue(name, line, "", message)])


def plain(node: Any) -> Any:
    """The YAML tree as plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def config_issue(name: str, data: Any, err: Any) -> ConfigIssue:
    """Turn one pydantic error into a ConfigIssue located in the YAML tree ``data``."""
    full = tuple(err["loc"])
    loc = _without_kinds(full)
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = _message(err)
    if loc != full and err["type"] == "extra_forbidden":
        message = f"not a setting of a {full[1]} {full[0]} (check the configuration reference)"
    return ConfigIssue(name, _line_of(data, loc), path, message)


# Pydantic's wording for the common mistakes, said the way an accountant would.
_PLAIN = {
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "date_parsing": "expected a date like 2026-12-01",
    "date_from_datetime_parsing": "expected a date like 2026-12-01",
    "date_type": "expected a date like 2026-12-01",
    "time_parsing": 'expected a time like "08:00"',
    "time_type": 'expected a time like "08:00"',
    "decimal_parsing": "expected an amount like 10 or 10.50",
    "string_type": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of settings",
}


def _without_kinds(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the kind pydantic inserts after a section chosen by ``type`` (``ledger.xero``)."""
    if len(loc) > 1 and loc[0] in UNION_KEYS and loc[1] in UNION_KEYS[loc[0]]:
        return (loc[0], *loc[2:])
    return loc


def _message(err: Any) -> str:
    kind, got = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown setting (check the spelling against the configuration reference)"
    if kind == "unknown_kind":
        return f"{err['msg']}, got {err.get('input', {}).get('type')!r}"
    if kind == "missing":
        return "required setting is missing"
    msg = _PLAIN.get(kind) or str(err["msg"]).removeprefix("Value error, ")
    if kind.endswith("_parsing") or kind.endswith("_type") or kind == "literal_error":
        return f"{msg}, got {got!r}" if not isinstance(got, dict | list) else msg
    return msg


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """Find the line of the deepest node of ``loc`` that the YAML has (1-based)."""
    node, line = data, None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and isinstance(data, CommentedMap):
        line = 1
    return line

"""Several organisations in one configuration: an accounting firm's clients, one file.

The top-level settings are the defaults. Each entry of ``organisations`` has a ``name``
and may override sections; a section it gives is merged key by key into the top-level
one (lists are replaced whole), except that a ``ledger`` or ``mailbox`` of another
``type`` replaces the top-level one whole. The state store is one for all of them.

Each organisation keeps its own state identity, its tenant (the business name, with
" [test]" in test mode), so two organisations must not share a business name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sync.config.policies import check_customer_policies
from sync.config.services import UNION_KEYS
from sync.config.settings import Settings
from sync.config.source import config_issue, plain
from sync.errors import ConfigError, ConfigIssue

KEY = "organisations"
OVERRIDABLE = (
    "business",
    "ledger",
    "sender",
    "mailbox",
    "policy",
    "policies",
    "customers",
    "channels",
    "instalments",
    "templates",
    "notify",
    "escalation",
    "language",
    "calendar",
    "mode",
    "test_recipients",
    "safety",
)
"""What an organisation may set for itself; everything else is shared."""

_KIND_DEFAULTS = {"ledger": "csv", "mailbox": "maildir"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def from_entries(path: Path, data: CommentedMap) -> list[Settings]:
    """The settings of each organisation listed in the configuration ``data`` read from ``path``.

    Raises:
        ConfigError: Every problem found, each naming file, line and field.
    """
    name = str(path)
    entries = data[KEY]
    if not isinstance(entries, CommentedSeq) or not entries:
        line = data.lc.key(KEY)[0] + 1
        message = "expected a list of organisations, each with a name (or remove the key)"
        raise ConfigError([ConfigIssue(name, line, KEY, message)])
    defaults = {k: v for k, v in data.items() if k != KEY}
    issues: list[ConfigIssue] = []
    found: list[Settings] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"{KEY}[{index}]"
        line = entries.lc.item(index)[0] + 1
        org_issues = _entry_issues(name, entry, where, line, seen, index)
        if org_issues:
            issues += org_issues
            continue
        try:
            found.append(_validate(path, defaults, entry))
        except ValidationError as exc:
            for err in exc.errors():
                issue = _locate(name, data, entry, where, line, err)
                if issue not in issues:
                    issues.append(issue)
    issues += _tenant_clashes(name, entries, found)
    if issues:
        raise ConfigError(issues)
    return found


def select(organisations: Sequence[Settings], names: Sequence[str]) -> list[Settings]:
    """The organisations named (all when ``names`` is empty and there is one).

    Args:
        organisations: What ``load_organisations`` returned.
        names: Names given with ``--org``; empty means "the only one".

    Raises:
        ConfigError: A name the file does not list, or no name while it lists several.
    """
    source = str(organisations[0].source)
    listed = [o.organisation for o in organisations if o.organisation is not None]
    if not listed:
        if names:
            message = f"lists no organisations, so --org {names[0]} names nothing; leave it out"
            raise ConfigError([ConfigIssue(source, None, "", message)])
        return list(organisations)
    if not names:
        if len(organisations) == 1:
            return list(organisations)
        message = (
            f"lists {len(listed)} organisations ({', '.join(listed)}); choose one with --org NAME"
        )
        raise ConfigError([ConfigIssue(source, None, KEY, message)])
    by_name = {o.organisation: o for o in organisations}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        message = f"no organisation named {unknown[0]!r}; the names are {', '.join(listed)}"
        raise ConfigError([ConfigIssue(source, None, KEY, message)])
    return [by_name[n] for n in dict.fromkeys(names)]


def select_all(organisations: Sequence[Settings], names: Sequence[str]) -> list[Settings]:
    """Like ``select``, but no names means every organisation (for ``run`` and ``check``)."""
    if names:
        return select(organisations, names)
    return list(organisations)


def _entry_issues(
    name: str, entry: Any, where: str, line: int, seen: dict[str, int], index: int
) -> list[ConfigIssue]:
    """Problems of one entry's shape: its name and the keys it may have."""
    if not isinstance(entry, CommentedMap):
        return [ConfigIssue(name, line, where, "expected a mapping with a name and overrides")]
    issues = []
    org = entry.get("name")
    if "name" not in entry:
        issues.append(ConfigIssue(name, line, f"{where}.name", "required setting is missing"))
    elif not isinstance(org, str) or not _NAME.match(org):
        message = (
            "a name is letters, digits, '.', '_' and '-', starting with a letter or digit"
            f" (it is typed after --org), got {org!r}"
        )
        issues.append(ConfigIssue(name, entry.lc.key("name")[0] + 1, f"{where}.name", message))
    elif org.lower() in seen:
        message = f"{org!r} is already the name of {KEY}[{seen[org.lower()]}]; names must differ"
        issues.append(ConfigIssue(name, entry.lc.key("name")[0] + 1, f"{where}.name", message))
    else:
        seen[org.lower()] = index
    for key in entry:
        if key == "name" or key in OVERRIDABLE:
            continue
        if key in ("state", KEY):
            message = f"{key} is shared by every organisation: set it at the top of the file"
        else:
            message = (
                f"not a setting an organisation can override; these are: {', '.join(OVERRIDABLE)}"
            )
        issues.append(ConfigIssue(name, entry.lc.key(key)[0] + 1, f"{where}.{key}", message))
    return issues


def _validate(path: Path, defaults: dict[str, Any], entry: CommentedMap) -> Settings:
    merged = plain(defaults)
    for key, value in plain(entry).items():
        if key == "name":
            continue
        merged[key] = _override(key, merged.get(key), value)
    settings = Settings.model_validate({**merged, "source": path, "organisation": entry["name"]})
    check_customer_policies(settings)
    return settings


def _override(key: str, base: Any, over: Any) -> Any:
    """Merge ``over`` into ``base``: mappings key by key, anything else replaced."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    if key in _KIND_DEFAULTS:
        # Without a type of its own, an override keeps the top-level one's.
        if "type" in over and over["type"] != base.get("type", _KIND_DEFAULTS[key]):
            return over
    merged = dict(base)
    for k, v in over.items():
        merged[k] = _override(k, base[k], v) if k in base else v
    return merged


def _locate(
    name: str, data: CommentedMap, entry: CommentedMap, where: str, line: int, err: Any
) -> ConfigIssue:
    """Name the line that caused ``err``: the organisation's own, or the default it took."""
    loc = tuple(err["loc"])
    if len(loc) > 1 and loc[0] in UNION_KEYS and loc[1] in UNION_KEYS[loc[0]]:
        loc = (loc[0], *loc[2:])
    if not _has(entry, loc) and _has(data, loc):
        return config_issue(name, data, err)
    issue = config_issue(name, entry, err)
    own_line = issue.line if loc and loc[0] in entry else line
    path = f"{where}.{issue.path}" if issue.path else where
    org = entry.get("name")
    return ConfigIssue(issue.file, own_line, path, f"{issue.message} (organisation {org})")


def _has(node: Any, loc: tuple[Any, ...]) -> bool:
    """Whether the YAML tree ``node`` holds the whole path ``loc``."""
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return True


def _tenant_clashes(
    name: str, entries: CommentedSeq, found: Sequence[Settings]
) -> list[ConfigIssue]:
    """Two organisations with one business name would share their state: refuse it."""
    issues = []
    first: dict[str, str | None] = {}
    for settings in found:
        tenant = settings.tenant
        if tenant in first:
            index = next(i for i, e in enumerate(entries) if e.get("name") == settings.organisation)
            entry = entries[index]
            line = entries.lc.item(index)[0] + 1
            if "business" in entry and isinstance(entry["business"], CommentedMap):
                business = entry["business"]
                line = business.lc.key("name")[0] + 1 if "name" in business else line
            message = (
                f"{settings.organisation} and {first[tenant]} have the same business name"
                f" {settings.business.name!r}; state is kept per business name, so give each"
                " its own"
            )
            issues.append(ConfigIssue(name, line, f"{KEY}[{index}].business.name", message))
        else:
            first[tenant] = settings.organisation
    return issues

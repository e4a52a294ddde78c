"""Which pip extras a configuration needs: ``python -m sync.config.extras tahseel.yaml``.

The GitHub Action installs Tahseel, then asks this which optional parts to add (the
Xero or QuickBooks SDK, the Gmail client, the Twilio SDK, the PostgreSQL driver). It reads the YAML
as written, without validating it, so that a configuration with mistakes still gets
the parts it names and `tahseel run` reports the mistakes with their lines.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sync.config.services import KINDS
from sync.config.source import plain, read_config
from sync.errors import ConfigError

_EXTRAS: dict[tuple[str, object], str] = {(k.section, k.name): k.extra for k in KINDS if k.extra}


def extras_needed(data: Any) -> list[str]:
    """The extras for every ledger, mailbox and state store named anywhere in ``data``.

    Anywhere, because a configuration may hold several organisations, each with its own
    ledger and mailbox.
    """
    found: set[str] = set()
    for key, value in _items(data):
        kind = value.get("type") if isinstance(value, dict) else None
        if (key, kind) in _EXTRAS:
            found.add(_EXTRAS[key, kind])
        elif key == "url" and isinstance(value, str) and value.startswith("postgresql"):
            found.add("postgres")
        elif key == "replies" and isinstance(value, dict) and value.get("model"):
            found.add("llm")
        elif key == "channels" and isinstance(value, dict) and value.get("type") == "twilio":
            found.add("twilio")
    return sorted(found)


def _items(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from _items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _items(value)


def main(argv: list[str]) -> int:
    """Print the extras ``argv[0]`` needs, comma-separated (empty when none)."""
    if len(argv) != 1:
        print("usage: python -m sync.config.extras CONFIG", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        data = plain(read_config(path))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(",".join(extras_needed(data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

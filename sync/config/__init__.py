"""The configuration: ``tahseel.yaml`` read into validated, frozen ``Settings``.

Models, the YAML loader that keeps file and line for every error, the ledger and
mailbox sections, organisations, durations, and the pip extras a file needs.

The names below are imported on first use: a module of this package that needs no
pydantic (``durations``, ``resources``) costs no pydantic to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.config.loader import load_organisations, load_settings
    from sync.config.settings import Settings

__all__ = ["Settings", "load_organisations", "load_settings"]

_HOMES = {
    "Settings": "sync.config.settings",
    "load_organisations": "sync.config.loader",
    "load_settings": "sync.config.loader",
}


def __getattr__(name: str) -> Any:
    """Import a public name of the package when it is first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

"""Where the shipped defaults live: the built-in templates and the example configuration.

In an installed wheel they are the ``tahseel_templates`` and ``tahseel_config`` packages;
in a source checkout they are the ``templates/`` and ``config/`` folders at its top.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _locate(package: str, folder: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _CHECKOUT / folder


def default_templates_dir() -> Path:
    """Return the folder holding the built-in templates (``en/``, ``ar/``)."""
    return _locate("tahseel_templates", "templates")


def example_config_dir() -> Path:
    """Return the folder holding the example ``tahseel.yaml`` and the demo data."""
    return _locate("tahseel_config", "config")

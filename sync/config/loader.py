"""Reading ``tahseel.yaml``: one business's settings, or every organisation's."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from sync.config import organisations
from sync.config.settings import Settings
from sync.config.source import read_config, validate


def load_settings(path: Path) -> Settings:
    """Read and validate a configuration file.

    A file that lists ``organisations`` gives the settings of its only organisation;
    with several, use ``load_organisations`` and choose one.

    Args:
        path: The YAML file.

    Returns:
        The validated settings.

    Raises:
        ConfigError: With every problem found, each naming file, line and field.
    """
    data = read_config(path)
    if organisations.KEY in data:
        return organisations.select(organisations.from_entries(path, data), [])[0]
    return validate(path, data)


def load_organisations(path: Path, data: CommentedMap | None = None) -> list[Settings]:
    """Read a configuration and return the settings of each organisation it lists.

    A file without ``organisations`` gives one entry, its own settings (with
    ``organisation`` None), exactly as ``load_settings`` reads it.

    Args:
        path: The YAML file.
        data: The file already read by ``read_config``, if it was.

    Raises:
        ConfigError: Every problem found, each naming file, line and field.
    """
    data = read_config(path) if data is None else data
    if organisations.KEY not in data:
        return [validate(path, data)]
    return organisations.from_entries(path, data)

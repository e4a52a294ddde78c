"""The ``tahseel`` command: a typer app split by theme, with rich views; kept thin.

``app`` and ``main`` are imported here eagerly rather than on first use (a module
``__getattr__``): the submodule ``sync.cli.app`` shares the name, and once anything
imports the submodule directly the import system binds ``sync.cli.app`` to it, so a
lazy ``from sync.cli import app`` would then give the module instead of the app.
"""

from sync.cli.app import app, main

__all__ = ["app", "main"]

"""The ``tahseel`` command: a typer app split by theme, with rich views; kept thin.

``commands`` builds the app from the theme modules (running, reading, holds, auth);
``common`` holds the options and helpers they share; ``views`` prints.
"""

from sync.cli.commands import app, main

__all__ = ["app", "main"]

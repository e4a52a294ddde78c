"""The ``tahseel`` command. Thin: it parses, builds the parts, runs, and prints.

The commands live by theme in ``running``, ``reading``, ``holds`` and ``auth``; this
module puts them on the app in the order ``tahseel --help`` lists them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import typer

from sync.cli import auth, doctor, holds, instalments, optouts, reading, running
from sync.cli.common import plain_errors

EXIT_CODES = """Exit codes (for cron and CI): 0 done; 1 done, but some invoices were skipped or
had errors (see the summary); 2 usage or configuration error; 3 not run, another run
holds the lock; 4 aborted (authorisation, quota, state store, circuit breaker, a mailbox
refusing every send); 5 stale: `tahseel heartbeat` found no successful run within the
allowed age."""

app = typer.Typer(
    help=(
        "Tahseel chases unpaid invoices politely, in Arabic and English: reminders before,\n"
        "on and after the due date from your own mailbox, replies understood, every step\n"
        "noted on the invoice.\n\n"
        "Start with `tahseel demo` to see the whole loop on made-up data, or `tahseel init\n"
        "DIR` to get a configuration to edit; then `tahseel check`, `tahseel auth` and\n"
        "`tahseel doctor` (for an online ledger or Gmail), `tahseel plan` and `tahseel run`\n"
        "(daily, from cron or a scheduled CI job).\n\n" + EXIT_CODES
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("init", running.init),
    ("demo", running.demo_command),
    ("check", running.check),
    ("doctor", doctor.doctor),
    ("plan", running.plan_command),
    ("run", running.run),
    ("status", reading.status),
    ("report", reading.report),
    ("heartbeat", reading.heartbeat),
    ("pause", holds.pause),
    ("resume", holds.resume),
    ("snooze", holds.snooze),
    ("instalments", instalments.instalments),
    ("unbounce", holds.unbounce),
    ("opt-out", optouts.opt_out),
    ("opt-in", optouts.opt_in),
    ("classify", reading.classify),
)
for _name, _command in COMMANDS:
    app.command(name=_name)(plain_errors(_command))
# Typer lists the command groups after the commands, whatever the order they are added.
app.add_typer(auth.auth_app, name="auth")


def main() -> None:
    """Entry point of the ``tahseel`` console script."""
    logging.basicConfig(
        level=os.environ.get("TAHSEEL_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    app()

"""What every command shares: the consoles, the common options, loading the settings."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, ParamSpec
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from connectors.errors import LedgerError, LedgerNotInstalled
from mailer.errors import MailError
from sync.errors import ConfigError, SyncError
from sync.run.outcome import EXIT_ABORTED, EXIT_USAGE

if TYPE_CHECKING:
    from sync.config.settings import Settings

P = ParamSpec("P")

# Piped into a file or a CI log there is no terminal width to respect: keep rows whole.
# Lines of text stay whole too (soft wrap), so a log line can be searched for.
out = Console() if sys.stdout.isatty() else Console(width=200, soft_wrap=True)
err = (
    Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=200, soft_wrap=True)
)

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar="TAHSEEL_CONFIG",
        help="The configuration file.",
        show_default=True,
    ),
]
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar="TAHSEEL_ORG",
        help="The organisation to act on, when the configuration lists several.",
    ),
]
OrgsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--org",
        help="Only this organisation (repeat for several); all of them when not given.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help=(
            "Act as if it were this day (YYYY-MM-DD; or +N: the first business day N days"
            " or more from today), at the start of the send window."
        ),
    ),
]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print the message on stderr and exit with the code (2, usage, unless told)."""
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


def exit_code_of(exc: Exception) -> int:
    """The exit code an error ends a command with: 2 for what the user sets up, else 4."""
    return EXIT_USAGE if isinstance(exc, ConfigError | LedgerNotInstalled) else EXIT_ABORTED


def plain_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Turn an error no command handled into one line on stderr and its exit code.

    Every command is wrapped, so a state store that cannot be written, a ledger whose
    SDK is missing or a file that is not there never ends in a traceback: a
    configuration or usage problem exits 2, everything that needs a person exits 4.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc))
        except (LedgerError, MailError, SyncError) as exc:
            fail(str(exc), exit_code_of(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}")

    return run


def settings_of(path: Path, org: str | None = None) -> Settings:
    """The settings of one business: the file's own, or of the organisation named."""
    return organisations_of(path, [org] if org else [], every=False)[0]


def organisations_of(path: Path, names: list[str], *, every: bool) -> list[Settings]:
    """The organisations named, or (``every``) all of them when none is named."""
    # Loading the settings needs pydantic: imported here, `tahseel --help` does without.
    from sync.config.loader import load_organisations
    from sync.config.organisations import select, select_all

    if not path.exists():
        demo = Path("tahseel-demo") / "tahseel.yaml"
        hint = f" The demo's is {demo}: pass -c {demo}." if demo.exists() else ""
        fail(
            f"{path}: no such configuration file. Pass -c FILE or set TAHSEEL_CONFIG;"
            f" `tahseel init DIR` writes one to edit.{hint}"
        )
    try:
        found = load_organisations(path)
        return select_all(found, names) if every else select(found, names)
    except ConfigError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        fail(f"{len(exc.issues)} problem(s) in the configuration; nothing was done.")


def moment_of(settings: Settings, today: str | None) -> datetime:
    """Now, or the start of the send window on --today in the business's time zone."""
    from sync.plan.calendar import calendar_of

    if today is None:
        return datetime.now(UTC)
    zone = ZoneInfo(settings.business.timezone)
    try:
        if today.startswith("+"):
            # The first business day that many days ahead: a later day that mail may go.
            ahead = datetime.now(zone).date() + timedelta(days=int(today[1:]))
            day = calendar_of(settings).next_business_day(ahead)
        else:
            day = date.fromisoformat(today)
    except ValueError:
        fail(f"--today: expected a date like 2026-12-01 or +8 (days from today), got {today!r}")
    return datetime.combine(day, settings.calendar.send_window.start, tzinfo=zone)

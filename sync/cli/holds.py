"""Holding one invoice or address back: ``pause``, ``resume``, ``snooze`` and ``unbounce``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from sync.cli.common import ConfigOption, OrgOption, fail, out, settings_of
from sync.config.settings import Settings
from sync.run.outcome import EXIT_OK
from sync.run.wiring import build_ledger, build_store


def pause(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    config: ConfigOption = Path("tahseel.yaml"),
    reason: Annotated[
        str, typer.Option(help="Why; shown in status and noted.")
    ] = "paused by a person",
    org: OrgOption = None,
) -> None:
    """Stop reminders to one invoice until `tahseel resume`."""
    _hold(settings_of(config, org), invoice, paused=reason)


def resume(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Lift a pause or snooze: reminders go on from the next rung."""
    _hold(settings_of(config, org), invoice, paused=None, snoozed_until=None)


def snooze(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    until: Annotated[str, typer.Option(help="Day reminders may start again (YYYY-MM-DD).")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Hold reminders to one invoice until a day, e.g. the date the customer promised."""
    try:
        day = date.fromisoformat(until)
    except ValueError:
        fail(f"--until: expected a date like 2026-12-01, got {until!r}")
    _hold(settings_of(config, org), invoice, snoozed_until=day)


def unbounce(
    address: Annotated[str, typer.Argument(help="The email address that bounced.")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Email an address again after a bounce, once it is known to work.

    When a delivery failure report names an address, Tahseel stops emailing it and
    says so in every run's summary. Correcting the address in the ledger is enough;
    use this when the same address works again (a full mailbox, a fixed server).
    """
    settings = settings_of(config, org)
    if build_store(settings).clear_failing(settings.tenant, address):
        out.print(f"{address}: will be emailed again.")
        raise typer.Exit(EXIT_OK)
    fail(f"{address} was not marked as bouncing.")


def _hold(settings: Settings, number: str, **values: object) -> None:
    ledger, store = build_ledger(settings), build_store(settings)
    matches = [inv for inv in ledger.list_open_invoices() if inv.number == number]
    if not matches:
        fail(f"no open invoice numbered {number!r} in {ledger.describe()}")
    inv = matches[0]
    store.set_control(settings.tenant, inv.id, inv.number, datetime.now(UTC), **values)
    out.print(f"{number}: {', '.join(f'{k}={v}' for k, v in values.items())}")
    raise typer.Exit(EXIT_OK)

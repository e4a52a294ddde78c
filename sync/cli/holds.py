"""Holding one invoice or address back: ``pause``, ``resume``, ``snooze`` and ``unbounce``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sync.cli.common import ConfigOption, OrgOption, fail, out, settings_of
from sync.run.outcome import EXIT_OK

if TYPE_CHECKING:
    from connectors.base import Ledger
    from connectors.models import Invoice
    from sync.config.settings import Settings


def pause(
    invoice: Annotated[
        str, typer.Argument(help="Invoice number, or the ledger's id for the invoice.")
    ],
    config: ConfigOption = Path("tahseel.yaml"),
    reason: Annotated[
        str, typer.Option(help="Why; shown in status and noted.")
    ] = "paused by a person",
    org: OrgOption = None,
) -> None:
    """Stop reminders to one invoice until `tahseel resume`."""
    _hold(settings_of(config, org), invoice, paused=reason)


def resume(
    invoice: Annotated[
        str, typer.Argument(help="Invoice number, or the ledger's id for the invoice.")
    ],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Lift a pause or snooze: reminders go on from the next rung."""
    _hold(settings_of(config, org), invoice, paused=None, snoozed_until=None)


def snooze(
    invoice: Annotated[
        str, typer.Argument(help="Invoice number, or the ledger's id for the invoice.")
    ],
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
    from sync.run.wiring import build_store

    settings = settings_of(config, org)
    if build_store(settings).clear_failing(settings.tenant, address):
        out.print(f"{address}: will be emailed again.")
        raise typer.Exit(EXIT_OK)
    fail(f"{address} was not marked as bouncing.")


def _hold(settings: Settings, name: str, **values: object) -> None:
    from sync.run.wiring import build_ledger, build_store

    ledger, store = build_ledger(settings), build_store(settings)
    inv = _one_invoice(ledger, name)
    store.set_control(settings.tenant, inv.id, inv.number, datetime.now(UTC), **values)
    shown = inv.number if inv.number == name else f"{inv.number} (id {inv.id})"
    out.print(f"{shown}: {', '.join(f'{k}={v}' for k, v in values.items())}")
    raise typer.Exit(EXIT_OK)


def _one_invoice(ledger: Ledger, name: str) -> Invoice:
    """The one open invoice ``name`` names, by its number or its ledger id.

    Two invoices sharing a number are refused by that number: the message lists
    their ids, which name each one for sure.
    """
    invoices = list(ledger.list_open_invoices())
    by_id = [inv for inv in invoices if inv.id == name]
    by_number = [inv for inv in invoices if inv.number == name]
    matches = list({inv.id: inv for inv in [*by_id, *by_number]}.values())
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(
            f"id {inv.id} ({inv.contact.name}, due {inv.due_date})" for inv in matches
        )
        fail(
            f"{name!r} names {len(matches)} open invoices: {listed}. Give the ledger id"
            f" instead, e.g. {matches[0].id!r}."
        )
    unread = [line for line in ledger.problems if f"(invoice {name})" in line]
    why = "".join(f"\nthe ledger could not read it: {line}" for line in unread)
    fail(f"no open invoice numbered {name!r} in {ledger.describe()}{why}")

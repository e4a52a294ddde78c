"""Numbers that want no text messages: ``opt-out`` and ``opt-in``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sync.cli.common import ConfigOption, OrgOption, fail, out, settings_of
from sync.run.outcome import EXIT_OK

if TYPE_CHECKING:
    from sync.config.settings import Settings

NumberArgument = Annotated[
    str,
    typer.Argument(
        help="The phone number, e.g. +966501234567 (or 0501234567 with business.country)."
    ),
]


def opt_out(
    number: NumberArgument,
    config: ConfigOption = Path("tahseel.yaml"),
    how: Annotated[
        str, typer.Option(help="How the customer asked; kept and noted on the ledger.")
    ] = "asked a person",
    org: OrgOption = None,
) -> None:
    """Send no more WhatsApp or SMS messages to a number (an opt-out received another way).

    Saudi SMS is one-way, so a STOP cannot arrive by SMS there: record one the customer
    gave by phone, email or in person. STOP (or إيقاف, الغاء, وقف) received by WhatsApp
    is recorded by the run itself. The opt-out is noted on the invoice last texted to
    the number; `tahseel opt-in` lifts it.
    """
    from sync.run.wiring import build_ledger, build_store
    from sync.store.texts import TextLog

    settings = settings_of(config, org)
    e164 = _number(settings, number)
    log = TextLog(build_store(settings), settings.tenant)
    now = datetime.now(UTC)
    if not log.opt_out(e164, now, how):
        out.print(f"{e164} had already opted out; nothing changed.")
        raise typer.Exit(EXIT_OK)
    latest = log.latest_to(e164)
    if latest is not None:
        from sync.run.outbound import rung_key

        ledger = build_ledger(settings)
        found = ledger.get_invoices([latest.invoice_id])
        if found:
            text = (
                f"Tahseel: {e164} opted out of text messages ({how}); none is sent to it"
                f" until `tahseel opt-in {e164}`. {now:%Y-%m-%d %H:%M} UTC."
            )
            key = rung_key(settings.tenant, latest.invoice_id, f"optout@{e164}", 0)
            ledger.add_note(found[0], text, key=f"{key}:{now:%Y%m%d%H%M%S}")
    out.print(f"{e164}: no WhatsApp or SMS message goes to it until `tahseel opt-in {e164}`.")


def opt_in(
    number: NumberArgument,
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Text a number again after an opt-out, once the customer has asked for it."""
    from sync.run.wiring import build_store
    from sync.store.texts import TextLog

    settings = settings_of(config, org)
    e164 = _number(settings, number)
    if TextLog(build_store(settings), settings.tenant).opt_in(e164):
        out.print(f"{e164}: will get WhatsApp and SMS messages again.")
        raise typer.Exit(EXIT_OK)
    fail(f"{e164} had not opted out.")


def _number(settings: Settings, raw: str) -> str:
    from mailer.phones import normalise

    found = normalise(raw, settings.business.country or "ZZ")
    if found.e164 is None:
        fail(f"NUMBER: {found.reason}")
    return found.e164

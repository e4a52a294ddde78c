"""What ``tahseel check`` and ``tahseel doctor`` say about a policy's late fee.

The ledger must be able to create the fee, with the account (Xero) or the item
(QuickBooks) its line needs; and every open invoice must be in a currency the fee has
an amount in. The last is known before a run only where the ledger is readable offline
(a CSV file); with Xero and QuickBooks the run reports each invoice it gives no fee.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync.config.services import CsvLedgerSettings, QuickBooksLedgerSettings, XeroLedgerSettings
from sync.config.settings import Policy, Settings

_NEEDS = {
    "xero": (
        "fee_account_code",
        "the code of the Xero revenue account a late fee's line is posted to, e.g."
        ' fee_account_code: "260" (Xero: Accounting > Chart of accounts)',
    ),
    "quickbooks": (
        "fee_item_id",
        "the Id of the QuickBooks service item a late fee's line sells, e.g."
        ' fee_item_id: "21" (QuickBooks: Sales > Products and services)',
    ),
}


def check_late_fee(settings: Settings, where: Callable[[Settings], str] | None = None) -> list[str]:
    """Problems with the policies' ``late_fee`` against the ledger; none without a fee.

    ``where`` says where the ledger section is written (``file:line``); asked only
    when there is a problem to place.
    """
    fees = {name: p.late_fee for name, p in _policies(settings) if p.late_fee is not None}
    if not fees:
        return []
    ledger = settings.ledger
    if isinstance(ledger, XeroLedgerSettings | QuickBooksLedgerSettings):
        setting, what = _NEEDS[ledger.type]
        if getattr(ledger, setting):
            return []
        place = where(settings) if where else settings.source
        return [
            f"{place}: ledger.{setting} is not set, and {next(iter(fees))}.late_fee needs"
            f" {what}; add it to the ledger section"
        ]
    return _csv_currencies(settings, ledger)


def _policies(settings: Settings) -> list[tuple[str, Policy]]:
    """Each policy with where it is written: ``policy``, ``policies.NAME``."""
    named = [(f"policies.{n}", p) for n, p in settings.policies.items()]
    return [("policy", settings.policy), *named]


def _csv_currencies(settings: Settings, cfg: CsvLedgerSettings) -> list[str]:
    """Each open invoice of the CSV file in a currency its policy's fee has no amount in."""
    from connectors.errors import LedgerError
    from sync.config.policies import PolicyBook
    from sync.run.wiring import build_ledger

    if not Path(settings.resolve(cfg.path)).exists():
        return []  # check_ledger_settings says so
    try:
        invoices = list(build_ledger(settings).list_open_invoices())
    except LedgerError:
        return []  # the run and check_ledger_settings say what is wrong with the file
    where, book = settings.resolve(cfg.path), PolicyBook.from_settings(settings)
    problems = []
    for inv in invoices:
        choice = book.choose(inv.contact)
        fee = choice.policy.late_fee if choice.policy is not None else None
        if fee is None or inv.currency.upper() in fee.amounts:
            continue
        have = ", ".join(fee.amounts)
        written = "policy" if choice.policy is settings.policy else f"policies.{choice.name}"
        problems.append(
            f"{where}: invoice {inv.number} is in {inv.currency}, and {written}.late_fee has"
            f" an amount in {have} only, so this invoice would get no fee; add"
            f" {inv.currency} to {written}.late_fee.amount (e.g. amount:"
            f" {{{have.split(', ')[0]}: …, {inv.currency}: …}}) or write the invoice in {have}"
        )
    return problems


def sample_fee(settings: Settings, stage: str, currency: str) -> dict[str, Any] | None:
    """The ``late_fee`` a template of ``stage`` sees in ``check`` (of any policy), or None."""
    fees = [p.late_fee for _, p in _policies(settings) if p.late_fee is not None]
    fee = next((f for f in fees if f.stage == stage), None)
    if fee is None:
        return None
    amount = fee.amount_in(currency) or next(iter(fee.amounts.values()))
    return {"amount": amount, "currency": currency, "number": "FEE-INV-0001"}

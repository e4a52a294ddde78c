"""The optional late fee of a policy: a fixed amount invoiced once at one stage.

Only fixed amounts: no percentage and no interest. One amount in one currency
(``amount: 50, currency: SAR``), or one amount per currency (``amount: {SAR: 50,
USD: 15}``); an invoice in a currency without an amount gets no fee, and the run
says so for that invoice.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import is_currency
from pydantic import Field, model_validator

from sync.config.base import Model


class LateFee(Model):
    """A fixed late fee invoiced in the ledger at one stage (see [Late fees](late-fee.md))."""

    amount: Decimal | dict[str, Decimal]
    """the fee (`50`), or one per currency (`{SAR: 50, USD: 15}`); above zero, two
    decimals at most; no percentage, no interest"""
    currency: str | None = None
    """the fee's ISO 4217 currency when `amount` is one number; an invoice in another
    currency gets no fee (the run says so; `tahseel check` says so for a CSV ledger)"""
    after_days: int = Field(default=30, ge=0, le=3650)
    """days past the due date before an invoice gets the fee at its stage"""
    once: bool = True
    """one fee per invoice, ever; `false`: one at each send of the stage (its repeats)"""
    stage: str
    """the email stage whose message states the fee, and at which it is created"""

    @model_validator(mode="after")
    def _amounts(self) -> LateFee:
        if isinstance(self.amount, dict):
            if self.currency is not None:
                raise ValueError(
                    "give either amount and currency (amount: 50, currency: SAR) or amounts"
                    " per currency (amount: {SAR: 50, USD: 15}), not both"
                )
            if not self.amount:
                raise ValueError("amount per currency names no currency; e.g. {SAR: 50}")
            pairs = list(self.amount.items())
        elif self.currency is None:
            raise ValueError("amount needs a currency (e.g. currency: SAR)")
        else:
            pairs = [(self.currency, self.amount)]
        for code, value in pairs:
            if not is_currency(code.upper()):
                raise ValueError(f"{code!r} is not an ISO 4217 currency code (like SAR or USD)")
            if value <= 0:
                raise ValueError(f"the fee in {code.upper()} must be above zero, got {value}")
            if value != value.quantize(Decimal("0.01")):
                raise ValueError(f"the fee in {code.upper()} has more than two decimals: {value}")
        return self

    @property
    def amounts(self) -> dict[str, Decimal]:
        """The fee by upper-case currency code."""
        if isinstance(self.amount, dict):
            return {k.upper(): v for k, v in self.amount.items()}
        assert self.currency is not None  # the validator requires it
        return {self.currency.upper(): self.amount}

    def amount_in(self, currency: str) -> Decimal | None:
        """The fee for an invoice in ``currency``, or None when the policy sets none."""
        return self.amounts.get(currency.upper())

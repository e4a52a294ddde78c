"""The policy: the ladder of stages, exclusions, the thank-you, acknowledgement and resend."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from babel.numbers import is_currency
from pydantic import Field, field_validator, model_validator

from sync.config.base import Model as _Model
from sync.config.channels import ChannelName, check_channels
from sync.config.checks import check_email
from sync.config.fees import LateFee
from sync.config.wording import FinalNotice, check_note

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_STAGES = ("resend", "thank_you")


class Exclusions(_Model):
    """Customers and invoices that are never chased (matched by id, name, number or reference)."""

    contacts: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


class Stage(_Model):
    """One rung of the reminder ladder."""

    name: str
    offset_days: int = Field(ge=-60, le=365)
    repeat_every_days: int | None = Field(default=None, ge=1, le=90)
    repeat_limit: int = Field(default=0, ge=0, le=52)
    template: str | None = None
    attach_pdf: bool = False
    cc: tuple[str, ...] = ()
    action: Literal["email", "escalate"] = "email"
    channels: tuple[ChannelName, ...] = ("email",)
    """Where the reminder goes: ``[email]``, ``[email, whatsapp]``, ``[email, sms]``..."""

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: tuple[ChannelName, ...]) -> tuple[ChannelName, ...]:
        check_channels(value)
        if "email" not in value:
            # The rung is its email's (the planner's one action a rung); texts go beside it.
            raise ValueError(
                f"{list(value)} leaves out email: a stage sends its email and texts beside"
                " it (a stage without email is not supported yet); add email"
            )
        return value

    @field_validator("cc")
    @classmethod
    def _cc(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value) or value in RESERVED_STAGES:
            raise ValueError(
                "a stage name is lowercase letters, digits and _ (not 'resend' or 'thank_you')"
            )
        return value

    @model_validator(mode="after")
    def _repeat(self) -> Stage:
        if self.repeat_limit and not self.repeat_every_days:
            raise ValueError("repeat_limit needs repeat_every_days")
        return self

    @property
    def template_name(self) -> str:
        """The template used for this stage (its own name unless set)."""
        return self.template or self.name


class ThankYou(_Model):
    """The thank-you sent once when a reminded invoice becomes paid."""

    enabled: bool = True
    template: str = "thank_you"
    note: str | dict[Literal["en", "ar"], str] | None = None
    """One line the business writes into the thank-you (or one per language)."""

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | dict[str, str] | None) -> str | dict[str, str] | None:
        return check_note(value)


class AcknowledgeSettings(_Model):
    """The reply to a customer who promises to pay on a date."""

    enabled: bool = True
    template: str = "acknowledge"


class Resend(_Model):
    """The message that re-sends the invoice when a customer says it never arrived."""

    template: str = "resend"


class Policy(_Model):
    """The accountant's written policy: when, how often and how firmly to chase."""

    min_days_between: int = Field(default=1, ge=0, le=60)
    minimum_amount: dict[str, Decimal] = {}
    exclude: Exclusions = Exclusions()
    stages: tuple[Stage, ...] = Field(min_length=1)
    thank_you: ThankYou = ThankYou()
    acknowledge: AcknowledgeSettings = AcknowledgeSettings()
    resend: Resend = Resend()
    final_notice: FinalNotice = FinalNotice()
    late_fee: LateFee | None = None
    max_messages_per_customer_per_day: int = Field(default=1, ge=1, le=20)
    """Reminders one customer gets on one day across all of its invoices: the most
    urgent go first, the others on following business days (resends and thank-yous are
    never held back)."""
    grouping: Literal["invoice", "customer"] = "invoice"
    """``invoice``: one message an invoice, each in its own thread. ``customer``: on a day
    one of a customer's invoices reaches a rung, one statement listing every chasable
    invoice of the customer, at the highest rung reached, in one thread per customer
    (``sync.plan.grouping``)."""

    @field_validator("minimum_amount")
    @classmethod
    def _currencies(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, amount in value.items():
            if not is_currency(code.upper()):
                raise ValueError(f"{code!r} is not an ISO 4217 currency code (like SAR or USD)")
            if amount < 0:
                raise ValueError(f"the minimum for {code} must not be negative, got {amount}")
        return {k.upper(): v for k, v in value.items()}

    @field_validator("stages")
    @classmethod
    def _ladder(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        seen: dict[str, int] = {}
        for i, stage in enumerate(stages):
            if stage.name in seen:
                raise ValueError(
                    f"stage names must be unique: stages[{i}] is {stage.name!r}, like"
                    f" stages[{seen[stage.name]}]"
                )
            seen[stage.name] = i
        for i, (before, stage) in enumerate(zip(stages, stages[1:], strict=False), start=1):
            if stage.offset_days < before.offset_days:
                order = (
                    f"stages[{i}] {stage.name!r} ({stage.offset_days}) comes after"
                    f" stages[{i - 1}] {before.name!r} ({before.offset_days})"
                )
                raise ValueError(f"stages must be listed in order of offset_days: {order}")
        return stages

    @model_validator(mode="after")
    def _fee_stage(self) -> Policy:
        fee = self.late_fee
        if fee is None:
            return self
        names = [s.name for s in self.stages if s.action == "email"]
        if fee.stage not in names:
            raise ValueError(
                f"late_fee.stage is {fee.stage!r}, which is not an email stage of this policy;"
                f" name one of: {', '.join(names) or '(none)'}"
            )
        return self


DEFAULT_POLICY = "default"
"""The name ``policy:`` (the default ladder) goes by in ``status``, ``plan`` and notes."""


def check_policy_names(policies: dict[str, Policy]) -> dict[str, Policy]:
    """The names of ``policies``: like stage names, and not ``default`` (that is ``policy``)."""
    for name in policies:
        if not _NAME.match(name) or name == DEFAULT_POLICY:
            raise ValueError(
                f"{name!r}: a policy name is lowercase letters, digits and _ (and not"
                f" {DEFAULT_POLICY!r}, the name of `policy`)"
            )
    return policies

"""Which policy each invoice follows: ``customers`` in the configuration, the ledger, ``policy``.

Pure: built once from the settings, asked per invoice's contact. A name in
``customers`` that is not a policy is refused when the configuration is loaded; a name
the ledger gives that is not one makes the planner skip the customer's invoices (never
the default ladder instead, so a typo in the ledger never sends the wrong ladder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from connectors.models import Contact
from sync.config.policy import DEFAULT_POLICY, Policy, Stage
from sync.config.settings import Settings

Origin = Literal["customers", "ledger", "default"]


@dataclass(frozen=True, slots=True)
class Choice:
    """The policy an invoice follows, by name, and where the name came from.

    ``policy`` is None when the ledger names a policy the configuration does not have.
    """

    name: str
    policy: Policy | None
    origin: Origin


@dataclass(frozen=True, slots=True)
class PolicyBook:
    """The default policy, the named ones, and the customers' choices among them.

    Attributes:
        default: ``policy``.
        named: ``policies`` by name.
        customers: Policy names by customer id, name and folded name (from ``customers``).
    """

    default: Policy
    named: Mapping[str, Policy] = field(default_factory=dict)
    customers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyBook:
        """The book of validated settings."""
        chosen: dict[str, str] = {}
        for key, entry in settings.customers.items():
            if entry.policy is not None:
                chosen[key] = entry.policy
        for key, name in list(chosen.items()):
            chosen.setdefault(key.casefold(), name)
        return cls(settings.policy, dict(settings.policies), chosen)

    def get(self, name: str) -> Policy | None:
        """The policy called ``name`` (``default`` is ``policy``), if there is one."""
        return self.default if name == DEFAULT_POLICY else self.named.get(name)

    def choose(self, contact: Contact) -> Choice:
        """The policy of ``contact``: ``customers`` (by id, then name), the ledger, ``policy``."""
        for key in (contact.id, contact.name, contact.name.casefold()):
            name = self.customers.get(key)
            if name is not None:
                return Choice(name, self.get(name), "customers")
        value = (contact.policy or "").strip()
        if value:
            name = value.casefold()
            return Choice(name if self.get(name) else value, self.get(name), "ledger")
        return Choice(DEFAULT_POLICY, self.default, "default")

    def all(self) -> dict[str, Policy]:
        """Every policy by name, the default first."""
        return {DEFAULT_POLICY: self.default, **self.named}


def every_stage(settings: Settings) -> list[Stage]:
    """The stages of ``policy`` and of every named policy, in that order."""
    return [s for p in (settings.policy, *settings.policies.values()) for s in p.stages]


def check_customer_policies(settings: Settings) -> None:
    """Refuse a ``customers`` entry naming a policy the configuration does not have.

    Raises:
        ValidationError: One error per such entry, located at its ``policy``.
    """
    known = [DEFAULT_POLICY, *settings.policies]
    errors: list[InitErrorDetails] = []
    for key, entry in settings.customers.items():
        if entry.policy is None or entry.policy in known:
            continue
        message = (
            f"{entry.policy!r} is not a policy; name one of {', '.join(known)} (or add it"
            " under `policies`)"
        )
        errors.append(
            InitErrorDetails(
                type=PydanticCustomError("unknown_policy", message),
                loc=("customers", key, "policy"),
                input=entry.policy,
            )
        )
    if errors:
        raise ValidationError.from_exception_data("Settings", errors)

"""The registry of ledger and mailbox kinds is the one list: everything else follows it."""

from __future__ import annotations

import importlib
import typing

import pytest

from sync.config import services
from sync.config.extras import extras_needed
from sync.config.services import KINDS, UNION_KEYS, kind_of


def _union_members(annotated: object) -> set[type]:
    union = typing.get_args(annotated)[0]
    return {typing.get_args(member)[0] for member in typing.get_args(union)}


def test_the_settings_unions_hold_exactly_the_registered_models() -> None:
    ledgers = {k.settings for k in KINDS if k.section == "ledger"}
    mailboxes = {k.settings for k in KINDS if k.section == "mailbox"}
    assert _union_members(services.LedgerSettings) == ledgers
    assert _union_members(services.MailboxSettings) == mailboxes


def test_each_model_declares_its_kind_as_its_type() -> None:
    for kind in KINDS:
        field = kind.settings.model_fields["type"]
        assert typing.get_args(field.annotation) == (kind.name,), kind


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: f"{k.section}-{k.name}")
def test_every_factory_resolves_to_a_function(kind: services.Kind) -> None:
    module, _, function = kind.build.partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_union_keys_and_extras_follow_the_registry() -> None:
    assert UNION_KEYS == {"ledger": ("csv", "xero", "quickbooks"), "mailbox": ("maildir", "gmail")}
    config = {"ledger": {"type": "quickbooks"}, "mailbox": {"type": "gmail"}}
    assert extras_needed(config) == ["gmail", "quickbooks"]
    assert kind_of("ledger", "xero").install == "pip install 'tahseel[xero]'"
    with pytest.raises(KeyError, match="known: csv, xero, quickbooks"):
        kind_of("ledger", "sage")


def test_the_ledger_extras_agree_with_the_connectors() -> None:
    """connectors/ names a missing SDK's extra itself (it cannot read sync's registry)."""
    from connectors import EXTRAS

    ledgers = {k.name: k.extra for k in KINDS if k.section == "ledger"}
    assert {name: extra for name, extra in ledgers.items() if extra} == EXTRAS


def test_every_kind_that_signs_in_has_its_auth_command() -> None:
    from sync.cli.auth import AUTH_COMMANDS

    assert set(AUTH_COMMANDS) == {k.name for k in KINDS if k.auth}

"""Ledgers Tahseel reads invoices from, behind one protocol.

``open_ledger`` builds the one a configuration names; ``REGISTRY`` lists them.
"""

from __future__ import annotations

import importlib
from typing import Any

from connectors.base import Ledger
from connectors.errors import LedgerNotInstalled
from connectors.models import Contact, Invoice, InvoiceStatus

REGISTRY: dict[str, str] = {
    "csv": "connectors.csvfile:FileLedger",
    "xero": "connectors.xero:XeroLedger",
    "quickbooks": "connectors.quickbooks:QuickBooksLedger",
}
"""Every ledger kind, as ``"module:Class"``; a module is imported only when its kind is used."""

EXTRAS: dict[str, str] = {"xero": "xero", "quickbooks": "quickbooks"}
"""The pip extra each kind's SDK comes with (the ledger class says it too, as ``pip_extra``).

Kept here because a class whose SDK is missing cannot be imported to ask it; a test
checks the two agree.
"""

__all__ = [
    "EXTRAS",
    "REGISTRY",
    "Contact",
    "Invoice",
    "InvoiceStatus",
    "Ledger",
    "ledger_class",
    "open_ledger",
]


def open_ledger(kind: str, **options: Any) -> Ledger:
    """Build the ledger registered as ``kind`` with its options.

    Args:
        kind: A key of ``REGISTRY``, e.g. ``csv`` or ``xero``.
        **options: Keyword arguments of that ledger's constructor.

    Raises:
        KeyError: For an unknown kind; the message lists the known ones.
        LedgerNotInstalled: The kind's SDK is not installed; the message names the
            ``pip install`` that brings it.
    """
    return ledger_class(kind)(**options)  # type: ignore[no-any-return]


def ledger_class(kind: str) -> type[Any]:
    """Import the class registered as ``kind``, and only its module.

    Raises:
        KeyError: For an unknown kind.
        LedgerNotInstalled: The kind's SDK is not installed.
    """
    if kind not in REGISTRY:
        raise KeyError(f"unknown ledger {kind!r}; known: {', '.join(REGISTRY)}")
    module_name, _, class_name = REGISTRY[kind].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = EXTRAS.get(kind)
        # A module of ours that fails to import is a bug, not a missing SDK.
        if extra is None or (exc.name or "").partition(".")[0] == "connectors":
            raise
        raise LedgerNotInstalled(
            f"{kind}: the ledger needs its SDK, which is not installed ({exc}); "
            f"install it with: pip install 'tahseel[{extra}]'"
        ) from exc
    cls: type[Any] = getattr(module, class_name)
    return cls

"""Ledgers Tahseel reads invoices from, behind one protocol.

``open_ledger`` builds the one a configuration names; ``REGISTRY`` lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import Ledger
from connectors.models import Contact, Invoice, InvoiceStatus

REGISTRY: dict[str, str] = {
    "csv": "connectors.csvfile:FileLedger",
    "xero": "connectors.xero:XeroLedger",
    "quickbooks": "connectors.quickbooks:QuickBooksLedger",
}

__all__ = ["REGISTRY", "Contact", "Invoice", "InvoiceStatus", "Ledger", "open_ledger"]


def open_ledger(kind: str, **options: Any) -> Ledger:
    """Build the ledger registered as ``kind`` with its options.

    Args:
        kind: A key of ``REGISTRY``, e.g. ``csv`` or ``xero``.
        **options: Keyword arguments of that ledger's constructor.

    Raises:
        KeyError: For an unknown kind.
    """
    if kind == "csv":
        from connectors.csvfile import FileLedger

        path = Path(options.pop("path"))
        ledger: Ledger = FileLedger(path, **options)
        return ledger
    if kind == "xero":
        # Imported here so the SDK is needed only by those who use Xero.
        from connectors.xero import XeroLedger

        return XeroLedger(**options)
    if kind == "quickbooks":
        # Imported here so the SDK is needed only by those who use QuickBooks.
        from connectors.quickbooks import QuickBooksLedger

        return QuickBooksLedger(**options)
    raise KeyError(f"unknown ledger {kind!r}; known: {', '.join(REGISTRY)}")

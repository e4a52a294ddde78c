"""QuickBooks Online connector: ``QuickBooksLedger`` on python-quickbooks and intuit-oauth."""

from __future__ import annotations

from connectors.quickbooks.ledger import QuickBooksLedger

__all__ = ["QuickBooksLedger"]

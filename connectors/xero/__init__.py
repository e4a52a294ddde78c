"""Xero connector: ``XeroLedger`` on the official xero-python SDK (the ``xero`` extra)."""

from __future__ import annotations

from connectors.xero.ledger import XeroLedger

__all__ = ["XeroLedger"]

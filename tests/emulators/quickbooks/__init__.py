"""A loopback QuickBooks Online for tests: ``QuickBooksEmulator`` and ``ledger_for``."""

from tests.emulators.quickbooks.helpers import ledger_for, token_file_for
from tests.emulators.quickbooks.server import Injected, QuickBooksEmulator

__all__ = ["Injected", "QuickBooksEmulator", "ledger_for", "token_file_for"]

"""A loopback Xero for tests: ``XeroEmulator`` and ``ledger_for`` (a ledger wired to it)."""

from tests.emulators.xero.helpers import ledger_for, token_file_for
from tests.emulators.xero.server import Fault, XeroEmulator

__all__ = ["Fault", "XeroEmulator", "ledger_for", "token_file_for"]

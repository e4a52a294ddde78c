"""A loopback Gmail API emulator for google-api-python-client."""

from tests.emulators.gmail.mailbox import ApiError, Mailbox, Stored
from tests.emulators.gmail.server import UNITS, Fault, GmailEmulator

__all__ = ["UNITS", "ApiError", "Fault", "GmailEmulator", "Mailbox", "Stored"]

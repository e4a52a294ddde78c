"""A loopback Twilio (Messages and Content APIs) for the real ``twilio`` SDK."""

from tests.emulators.twilio.server import (
    ACCOUNT_SID,
    API_KEY,
    AUTH_TOKEN,
    Fault,
    TwilioEmulator,
)

__all__ = ["ACCOUNT_SID", "API_KEY", "AUTH_TOKEN", "Fault", "TwilioEmulator"]

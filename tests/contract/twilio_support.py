"""What the Twilio contract tests share: the emulator, channels on it, and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from mailer.twilio import Caller, RetryPolicy, SenderPacer, TwilioChannel, build_client
from mailer.twilio.http import TwilioCredentials
from tests.emulators.twilio import TwilioEmulator

SMS_SENDER = "+15005550006"
WHATSAPP_SENDER = "whatsapp:+15005550006"
ALPHA_SENDER = "NAKHEEL"
CUSTOMER = "+966501234567"
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
NO_WAIT = RetryPolicy(attempts=3, initial_wait=0.0, max_wait=0.0)


class FakeClock:
    """Monotonic seconds that move only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def running_emulator() -> Iterator[TwilioEmulator]:
    """The emulator with an SMS number, a WhatsApp sender and an alphanumeric id."""
    with TwilioEmulator((SMS_SENDER, WHATSAPP_SENDER, ALPHA_SENDER), start=START) as running:
        yield running


def channel(
    emulator: TwilioEmulator,
    kind: str = "sms",
    sender: str = SMS_SENDER,
    *,
    timeout: float = 5.0,
    clock: FakeClock | None = None,
    per_second: float = 1000.0,
    api_key: bool = False,
) -> TwilioChannel:
    """A channel on the emulator whose retries and pacing never really sleep."""
    credentials = (
        TwilioCredentials(api_key_env="TWILIO_API_KEY", api_secret_env="TWILIO_API_SECRET")
        if api_key
        else TwilioCredentials()
    )
    client = build_client(
        credentials,
        api_url=emulator.api_url,
        timeout=timeout,
        environ=emulator.environ(api_key=api_key),
    )
    clock = clock or FakeClock()
    return TwilioChannel(
        client,
        kind=kind,  # type: ignore[arg-type]
        sender=sender,
        pacer=SenderPacer(per_second, clock=clock, sleep=clock.sleep),
        caller=Caller(NO_WAIT, sleep=lambda _: None, seed=0),
    )

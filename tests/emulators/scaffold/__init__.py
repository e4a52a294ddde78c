"""The server machinery the loopback emulators share; each vendor keeps its own rules.

``server`` runs the stdlib HTTP server on 127.0.0.1, port 0, in a thread; ``rate`` keeps
sliding windows and calls in flight per key; ``faults`` holds standing fault rules drawn
by request number, path or seeded chance; ``log`` counts and numbers requests and can
keep every exchange.
"""

from tests.emulators.scaffold.faults import FaultScript, Rule, act
from tests.emulators.scaffold.log import Exchange, RequestLog
from tests.emulators.scaffold.rate import Limit, RateWindows, Refusal
from tests.emulators.scaffold.server import ApiEmulator, Handler, LoopbackEmulator, first_values

__all__ = [
    "ApiEmulator",
    "Exchange",
    "FaultScript",
    "Handler",
    "Limit",
    "LoopbackEmulator",
    "RateWindows",
    "Refusal",
    "RequestLog",
    "Rule",
    "act",
    "first_values",
]

"""Standing fault rules, drawn for each request by its number, its path or seeded chance.

A rule stays until the test clears ``rules``. The vendor package says what a rule's
``kind`` answers (its 429 and 5xx bodies and headers); ``Handler.lose`` carries out the
kinds that leave a request unanswered (``timeout``, ``drop``).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar


@dataclass
class Rule:
    """A failure to inject into API requests.

    Attributes:
        kind: ``429``, ``500``, ``503`` (any status), ``timeout`` or ``drop``.
        at: API request numbers (1-based, across tenants) that fail.
        probability: Chance each other request fails, drawn from the seeded generator.
        path: Only requests whose path contains this fail.
        route: Only requests of this route (the emulator's name, e.g.
            ``messages.create``) fail, for emulators that say the route.
        act_first: Carry the request out before failing it, as when a server wrote
            the note and then the connection dropped or the answer was a 5xx.
    """

    kind: str
    at: frozenset[int] = frozenset()
    probability: float = 0.0
    path: str | None = None
    route: str | None = None
    act_first: bool = False


R = TypeVar("R", bound=Rule)
T = TypeVar("T")


class FaultScript(Generic[R]):
    """The rules in force, the seeded generator behind them, and what they injected.

    Args:
        seed: Seed of the generator behind probabilistic rules.
    """

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[R] = []
        self.random = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, rule: R) -> R:
        """Put ``rule`` in force and return it."""
        self.rules.append(rule)
        return rule

    def draw(self, number: int, path: str, route: str | None = None) -> R | None:
        """The first rule that fails request ``number`` on ``path``, if any (counted)."""
        with self._lock:
            for rule in self.rules:
                if rule.path and rule.path not in path:
                    continue
                if rule.route and rule.route != route:
                    continue
                if number in rule.at or (
                    rule.probability and self.random.random() < rule.probability
                ):
                    self.injected[rule.kind] += 1
                    return rule
        return None


def act(fault: Rule | None, work: Callable[[], T]) -> T | None:
    """Carry a request out unless ``fault`` fails it first; ``act_first`` carries it out."""
    return work() if fault is None or fault.act_first else None

"""Kill the client the moment an emulator has acted on its request, before it answers.

A crash sweep needs "the server acted, the client never heard": Gmail stored the sent
message, or the ledger applied the note, and the run died before it read the answer. A
checkpoint in the client cannot stage that, since the client runs again only once the
answer has arrived. So a test arms an emulator's ``crash`` hook with the pid of the
process running the job; the emulator calls ``acted(point)`` right after the write and,
when the hook fires, kills that process with SIGKILL and drops the connection unanswered.

This is separate from the emulators' scripted faults on purpose: those model a network
or a server misbehaving, this models the client dying.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter


class CrashHook:
    """One armed kill: the ``hit``-th time the emulator acts at ``point``, kill ``pid``.

    ``seen`` counts how often each point was reached while armed, ``kills`` how often
    the hook killed; both outlive ``disarm`` so a test can tell what happened.
    """

    def __init__(self) -> None:
        self.point: str | None = None
        self.pid: int | None = None
        self.hit = 0
        self.seen: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()
        self._lock = threading.Lock()

    def arm(self, point: str, pid: int, hit: int = 1) -> None:
        """Kill ``pid`` the ``hit``-th time the emulator acts at ``point`` from now on."""
        with self._lock:
            self.point, self.pid, self.hit = point, pid, hit
            self.seen[point] = 0

    def disarm(self) -> None:
        """Kill nobody."""
        with self._lock:
            self.point = self.pid = None

    def acted(self, point: str) -> bool:
        """Called after the emulator acted at ``point``; True when it killed the client.

        When True, the caller must not answer: the client is dead and never heard.
        """
        with self._lock:
            if self.pid is None or point != self.point:
                return False
            self.seen[point] += 1
            if self.seen[point] != self.hit:
                return False
            pid, self.pid = self.pid, None
            self.kills[point] += 1
        # SIGKILL is final once sent: the process runs no further code of its own, so
        # it cannot read an answer even if one were written.
        os.kill(pid, signal.SIGKILL)
        return True

"""Named points in a run where a test can make the process die, as a crash would.

Set ``TAHSEEL_FAILPOINTS=after_intent=2`` and the process kills itself with SIGKILL the
second time a run reaches ``after_intent``. Unset (always, in normal use), a checkpoint
costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = (
    "after_plan",
    "after_intent",
    "before_send",
    "after_send",
    "after_mark_sent",
    "before_note",
    "after_note",
    "after_reply",
)

TEXT_POINTS = (
    "text_after_intent",
    "text_before_send",
    "text_after_send",
    "text_after_mark_sent",
    "text_before_note",
)
"""The steps of a WhatsApp or SMS message (``sync.run.texts``), swept on their own."""

_hits: Counter[str] = Counter()


def _armed() -> dict[str, int]:
    spec = os.environ.get("TAHSEEL_FAILPOINTS", "")
    armed = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = part.partition("=")
        armed[name] = int(count or "1")
    return armed


def checkpoint(name: str) -> None:
    """Die here if a test armed this point for this hit."""
    armed = _armed()
    if name not in armed:
        return
    _hits[name] += 1
    if _hits[name] == armed[name]:
        os.kill(os.getpid(), signal.SIGKILL)

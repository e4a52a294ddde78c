"""What the reliability suites tried and what they saw, printed as one table at the end.

Each suite calls :func:`record` with what it did (runs, crash points, bad inputs) and
what it found (duplicates, missed reminders, limit violations). The suites assert the
found counts are zero themselves; this module only keeps the numbers so the end of the
test run can show them (``pytest_terminal_summary`` in ``tests/conftest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

COLUMNS = (
    "crash points",
    "runs",
    "duplicates",
    "missed",
    "limit violations",
    "bad inputs",
)


@dataclass
class Row:
    """One suite's totals."""

    crash_points: set[str] = field(default_factory=set)
    runs: int = 0
    duplicates: int = 0
    missed: int = 0
    limit_violations: int = 0
    bad_inputs: int = 0

    def cells(self) -> list[int]:
        return [
            len(self.crash_points),
            self.runs,
            self.duplicates,
            self.missed,
            self.limit_violations,
            self.bad_inputs,
        ]


_rows: dict[str, Row] = {}


def record(
    suite: str,
    *,
    crash_points: tuple[str, ...] | list[str] | set[str] = (),
    runs: int = 0,
    duplicates: int = 0,
    missed: int = 0,
    limit_violations: int = 0,
    bad_inputs: int = 0,
) -> None:
    """Add to a suite's row (rows are created on first use)."""
    row = _rows.setdefault(suite, Row())
    row.crash_points.update(crash_points)
    row.runs += runs
    row.duplicates += duplicates
    row.missed += missed
    row.limit_violations += limit_violations
    row.bad_inputs += bad_inputs


def table() -> list[str]:
    """The rows as a Markdown table, with a total line; empty when nothing was recorded."""
    if not _rows:
        return []
    head = ["suite", *COLUMNS]
    body = [[name, *map(str, row.cells())] for name, row in sorted(_rows.items())]
    points: set[str] = set().union(*(r.crash_points for r in _rows.values()))
    totals = [sum(r.cells()[i] for r in _rows.values()) for i in range(1, len(COLUMNS))]
    body.append(["total", str(len(points)), *map(str, totals)])
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, body)]


def reset() -> None:
    """Forget everything (for the tally's own test)."""
    _rows.clear()

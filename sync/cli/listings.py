"""The listings of ``plan`` and ``status``: a summary and the first rows, every row, or CSV.

Over ``SUMMARY_OVER`` rows a listing prints a summary (counts by action, stage,
currency and skip reason; for the status, by stage reached and days overdue, per
currency) and the first ``FIRST_ROWS`` rows, then says how many rows it did not show and
how to see them. ``--all`` prints every row: a rich table up to ``TABLE_ROWS`` rows,
plain aligned lines written a block at a time beyond. ``--csv`` and ``--json`` write
every row with the standard library, a block of rows at a time, never through rich.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.table import Table

    from sync.plan.actions import Plan
    from sync.run.outcome import RunReport

SUMMARY_OVER = 200
"""A listing of more rows than this prints a summary and the first ``FIRST_ROWS`` rows."""

FIRST_ROWS = 20
"""The rows a summarised listing prints under its summary."""

TABLE_ROWS = 500
"""The most rows printed as one rich table; more are written as plain aligned lines.

A rich table measures and holds every cell before it prints a line: over 100,000 rows
that took minutes and gigabytes. Plain lines are written a block at a time.
"""

PLAN_COLUMNS = ("invoice", "customer", "policy", "action", "stage", "to", "language")
"""The columns of the plan as a table."""


def print_rows(
    console: Console,
    table: Table,
    rows: Callable[[], Iterable[tuple[str, ...]]],
    count: int,
) -> None:
    """``count`` rows under ``table``'s title and columns, bounded in memory and time.

    Up to ``TABLE_ROWS`` rows fill ``table`` and print as it does. More are written to the
    console's file as plain lines, the columns as wide as their widest cell: ``rows`` is
    called twice, once to measure and once to write, so no row is held.
    """
    from rich.cells import cell_len

    if count <= TABLE_ROWS:
        for row in rows():
            table.add_row(*row)
        console.print(table)
        return
    headers = [str(column.header) for column in table.columns]
    widths = [cell_len(header) for header in headers]
    for row in rows():
        widths = [max(w, cell_len(cell)) for w, cell in zip(widths, row, strict=True)]
    file = console.file
    file.write(f"{table.title} ({count:,} rows)\n")
    file.write(_line(headers, widths) + "\n" + _line(["-" * w for w in widths], widths) + "\n")
    _write_blocks(file, (_line(row, widths) for row in rows()))


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """The cells padded to their column's width, two spaces apart."""
    from rich.cells import cell_len

    return "  ".join(
        c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True)
    ).rstrip()


def _write_blocks(file: IO[str], lines: Iterable[str]) -> None:
    """``lines`` written ``TABLE_ROWS`` at a time, each ended by a line break."""
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) == TABLE_ROWS:
            file.write("\n".join(block) + "\n")
            block.clear()
    if block:
        file.write("\n".join(block) + "\n")
    file.flush()


def print_lines(console: Console, lines: Sequence[str]) -> None:
    """Plain lines, through rich when they are few, else written a block at a time."""
    if len(lines) <= TABLE_ROWS:
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    _write_blocks(console.file, lines)


def reason_kind(reason: str) -> str:
    """A skip reason without the invoice's own values, to count reasons alike together.

    A quoted name and an amount or a date are left out (``customer … has no email
    address``), and a pause keeps only its word (``paused``).
    """
    if reason.startswith("paused:"):
        return "paused"
    kind = re.sub(r"'[^']*'|\"[^\"]*\"", "…", reason)
    return re.sub(r"-?\d+(?:[.,]\d+)+|\d{4}-\d{2}-\d{2}", "…", kind)


def print_counts(console: Console, title: str, counts: Sequence[tuple[str, Counter[str]]]) -> None:
    """A small table of ``by``, ``value`` and ``count``: each counter, largest first."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("by")
    table.add_column("value")
    table.add_column("count", justify="right")
    for by, counter in counts:
        for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(by, value, f"{count:,}")
    console.print(table)


def not_shown(console: Console, parts: Sequence[str], files: str) -> None:
    """The line that says what a summarised listing left out and how to see it."""
    console.print(
        f"Not shown: {'; '.join(parts)}. Add --all to print every row, or {files} to write"
        " every row for a spreadsheet or a program.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def print_plan(console: Console, result: Plan, report: RunReport, *, every: bool) -> None:
    """The plan, then what a run would skip and why, and the breaker's verdict.

    Over ``SUMMARY_OVER`` rows (actions, skipped and excluded invoices) and without
    ``every``: the counts by action, stage, currency and reason, and the first rows.
    """
    from rich.table import Table

    actions = result.actions
    skipped, excluded = report.skipped, report.excluded
    summary = not every and len(actions) + len(skipped) + len(excluded) > SUMMARY_OVER
    shown = actions[:FIRST_ROWS] if summary else actions
    if summary:
        counts = [
            ("action", Counter(str(a.action) for a in actions)),
            ("stage", Counter(a.stage for a in actions)),
            ("currency", Counter(a.invoice.currency for a in actions)),
            ("skipped", Counter(reason_kind(r) for _, r in skipped)),
            ("excluded by policy", Counter(reason_kind(r) for _, r in excluded)),
        ]
        title = (
            f"Plan summary: {len(actions):,} action(s), {len(skipped):,} skipped,"
            f" {len(excluded):,} excluded by policy"
        )
        print_counts(console, title, counts)
    table = Table(
        title=f"Plan: the first {len(shown):,} of {len(actions):,} actions" if summary else "Plan"
    )
    for column in PLAN_COLUMNS:
        table.add_column(column)

    policy_of = {d.invoice: d.policy for d in result.decisions}

    def rows() -> Iterator[tuple[str, ...]]:
        for a in shown:
            inv = a.invoice
            policy = policy_of.get(inv.number, "default")
            listed = getattr(a, "invoices", ())  # a statement: one line, its invoices named
            yield (
                f"{inv.number} (statement: {', '.join(i.number for i in listed)})"
                if listed
                else inv.number,
                inv.contact.name,
                policy,
                a.action,
                a.stage,
                ", ".join(a.to),
                a.language,
            )

    print_rows(console, table, rows, len(shown))
    if summary:
        parts = [f"{len(actions) - len(shown):,} of {len(actions):,} actions"]
        if skipped or excluded:
            parts.append(
                f"the {len(skipped):,} skipped and {len(excluded):,} excluded invoices"
                " by number (counted by reason above)"
            )
        not_shown(console, parts, "--csv or --json")
    else:
        print_lines(console, [f"skipped {n}: {r}" for n, r in skipped])
        print_lines(console, [f"excluded by policy {n}: {r}" for n, r in excluded])
    print_lines(console, [f"problem: {line}" for line in report.problems])
    print_lines(console, [f"not texted {n}: {r}" for n, r in report.text_skips])
    texts = ", ".join(f"{n} by {k}" for k, n in sorted(report.texts.items()))
    console.print(
        f"{len(actions)} action(s){f' (and {texts})' if texts else ''};"
        f" {report.waiting} invoice(s) waiting for a later date."
    )
    if report.breaker:
        console.print(
            f"A run would stop before its first email: {report.breaker}. To send this plan,"
            f" run `tahseel run --approve {report.plan_fingerprint}`.",
            markup=False,
            highlight=False,
        )


def _plan_chunks(result: Plan) -> Iterator[list[dict[str, Any]]]:
    """The plan's JSON rows, ``TABLE_ROWS`` actions at a time."""
    from sync.plan.actions import Plan
    from sync.plan.planner import plan_rows

    actions = result.actions
    policy_of = {d.invoice: d.policy for d in result.decisions}
    for start in range(0, len(actions), TABLE_ROWS):
        yield list(plan_rows(Plan(actions=actions[start : start + TABLE_ROWS]), policy_of))


def write_plan_json(
    file: IO[str], result: Plan, skipped: Sequence[tuple[str, str]], problems: Sequence[str]
) -> None:
    """``tahseel plan --json``'s document, written a block of rows at a time.

    {"actions": [...], "skipped": [{"invoice": ..., "reason": ...}], "problems": [...]}:
    the structure indented by two spaces, one row a line; never the whole text at once.
    """
    file.write("{\n")
    _write_list(file, "actions", _plan_chunks(result), last=False)
    pairs = [{"invoice": n, "reason": r} for n, r in skipped]
    _write_list(file, "skipped", _blocks(pairs), last=False)
    _write_list(file, "problems", _blocks(list(problems)), last=True)
    file.write("}\n")
    file.flush()


def _blocks(items: Sequence[object]) -> Iterator[Sequence[object]]:
    for start in range(0, len(items), TABLE_ROWS):
        yield items[start : start + TABLE_ROWS]


def _write_list(file: IO[str], key: str, blocks: Iterable[Sequence[object]], *, last: bool) -> None:
    """``"key": [...]`` with one item a line, a block of items a write."""
    file.write(f"  {json.dumps(key)}: [")
    first = True
    for block in blocks:
        if not block:
            continue
        lines = ",\n".join(f"    {json.dumps(item, ensure_ascii=False)}" for item in block)
        file.write(("\n" if first else ",\n") + lines)
        first = False
    file.write(("]" if first else "\n  ]") + ("\n" if last else ",\n"))


PLAN_CSV_COLUMNS = (
    "invoice",
    "invoice_id",
    "customer",
    "policy",
    "stage",
    "cycle",
    "action",
    "to",
    "cc",
    "language",
    "amount_due",
    "currency",
    "due_date",
    "attach_pdf",
    "statement",
    "reason",
)
"""``plan --csv``'s columns: the fields of ``--json``'s actions, and a skip's reason."""


def csv_cell(value: object) -> str:
    """One JSON value as a CSV cell: a list joined by ", ", true/false, null empty."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def write_plan_csv(file: IO[str], result: Plan, skipped: Sequence[tuple[str, str]]) -> None:
    """``tahseel plan --csv``: a header, one row an action, then one row a skipped invoice.

    A skipped invoice's row has the action ``skip``, its number and the reason, the other
    cells empty. Rows leave a block of ``TABLE_ROWS`` at a time.
    """
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    for chunk in _plan_chunks(result):
        writer.writerows([csv_cell(row.get(c)) for c in PLAN_CSV_COLUMNS] for row in chunk)
    for start in range(0, len(skipped), TABLE_ROWS):
        writer.writerows(
            [{"invoice": n, "action": "skip", "reason": r}.get(c, "") for c in PLAN_CSV_COLUMNS]
            for n, r in skipped[start : start + TABLE_ROWS]
        )
    file.flush()

"""What the CLI prints: checks, the plan, the run summary, the status and aging tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.table import Table

    from connectors.models import Invoice
    from sync.config.settings import Settings
    from sync.plan.actions import Plan
    from sync.run.outcome import RunReport
    from sync.store.store import Store

TABLE_ROWS = 500
"""The most rows printed as one rich table; more are written as plain aligned lines.

A rich table measures and holds every cell before it prints a line: over 100,000 rows
that took minutes and gigabytes. Plain lines are written a block at a time.
"""


def _print_rows(
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
    block: list[str] = []
    for row in rows():
        block.append(_line(row, widths))
        if len(block) == TABLE_ROWS:
            file.write("\n".join(block) + "\n")
            block.clear()
    if block:
        file.write("\n".join(block) + "\n")
    file.flush()


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """The cells padded to their column's width, two spaces apart."""
    from rich.cells import cell_len

    return "  ".join(
        c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True)
    ).rstrip()


def write_plan_json(
    file: IO[str], result: Plan, skipped: Sequence[tuple[str, str]], problems: Sequence[str]
) -> None:
    """``tahseel plan --json``'s document, written a block of rows at a time.

    {"actions": [...], "skipped": [{"invoice": ..., "reason": ...}], "problems": [...]}:
    the structure indented by two spaces, one row a line; never the whole text at once.
    """
    from sync.plan.actions import Plan
    from sync.plan.planner import plan_rows

    def chunks() -> Iterator[list[object]]:
        actions = result.actions
        for start in range(0, len(actions), TABLE_ROWS):
            yield list(plan_rows(Plan(actions=actions[start : start + TABLE_ROWS])))

    file.write("{\n")
    _write_list(file, "actions", chunks(), last=False)
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


def print_plan(console: Console, result: Plan, report: RunReport) -> None:
    """The plan as a table, then what a run would skip and why, and the breaker's verdict."""
    from rich.table import Table

    table = Table(title="Plan", show_lines=False)
    for column in ("invoice", "customer", "action", "stage", "to", "language"):
        table.add_column(column)

    def rows() -> Iterator[tuple[str, ...]]:
        for a in result.actions:
            inv = a.invoice
            yield inv.number, inv.contact.name, a.action, a.stage, ", ".join(a.to), a.language

    _print_rows(console, table, rows, len(result.actions))
    _print_skipped(console, report.skipped, report.problems, report.excluded)
    console.print(
        f"{len(result.actions)} action(s); {report.waiting} invoice(s) waiting for a later date."
    )
    if report.breaker:
        console.print(
            f"A run would stop before its first email: {report.breaker}. To send this plan,"
            f" run `tahseel run --approve {report.plan_fingerprint}`.",
            markup=False,
            highlight=False,
        )


def _print_skipped(
    console: Console,
    skipped: list[tuple[str, str]],
    problems: list[str],
    excluded: Sequence[tuple[str, str]] = (),
) -> None:
    for number, reason in skipped:
        console.print(f"skipped {number}: {reason}", markup=False, highlight=False)
    for number, reason in excluded:
        console.print(f"excluded by policy {number}: {reason}", markup=False, highlight=False)
    for line in problems:
        console.print(f"problem: {line}", markup=False, highlight=False)


def print_ledger_problems(
    console: Console, problems: Sequence[str], *, left_out_of: str = "everything above"
) -> None:
    """What the ledger could not read, after the tables that leave those rows out."""
    if not problems:
        return
    console.print(
        f"{len(problems)} problem(s) in the ledger; rows that could not be read are left"
        f" out of {left_out_of}:",
        markup=False,
        highlight=False,
    )
    for line in problems:
        console.print(f"problem: {line}", markup=False, highlight=False, soft_wrap=True)


def print_report(console: Console, report: RunReport, closed: str | None) -> None:
    """The summary at the end of a run."""
    from rich.table import Table

    title = "Run summary"
    if report.mode == "preview":
        title = "Preview (mode: preview; nothing sent)"
    elif report.dry_run:
        title = "Dry run (nothing sent)"
    elif report.mode == "test":
        title = "Run summary (mode: test; mail went to test_recipients)"
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    for stage, count in sorted(report.sent.items()):
        table.add_row(f"reminders: {stage}", str(count))
    rows = [
        ("skipped (see below)" if label == "skipped" else label, value)
        for label, value in report.counts()
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    for service, calls in sorted(report.api_calls.items()):
        if calls:
            table.add_row(f"API calls: {service}", str(sum(calls.values())))
    console.print(table)
    if closed and report.emails == 0:
        console.print(f"No mail now: {closed}.")
    _print_skipped(console, report.skipped, report.problems, report.excluded)
    if report.deferred_reason:
        console.print(report.deferred_reason, markup=False, highlight=False, soft_wrap=True)
    for line in report.errors:
        console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    if report.breaker and report.dry_run:
        console.print(
            f"A live run would stop here: {report.breaker}. Approve this plan with"
            f" `tahseel run --approve {report.plan_fingerprint}`.",
            markup=False,
            highlight=False,
        )
    if report.aborted:
        console.print(f"ABORTED: {report.aborted}", markup=False, highlight=False, soft_wrap=True)


def print_organisations(
    console: Console, results: Sequence[tuple[str | None, RunReport]], *, as_json: bool
) -> int:
    """Each organisation's summary, then one row each; returns the run's exit code."""
    from rich.table import Table

    from sync.run.outcome import worst_exit_code

    code = worst_exit_code(r for _, r in results)
    if as_json:
        rows = [{"organisation": name, **report.to_dict()} for name, report in results]
        text = json.dumps({"organisations": rows, "exit_code": code}, ensure_ascii=False)
        console.print_json(text)
        return code
    for name, report in results:
        console.rule(str(name), style="none")
        if report.locked or report.config_problem:
            console.print(outcome(report), markup=False, highlight=False, soft_wrap=True)
        else:
            print_report(console, report, report.window_closed)
    table = Table(title="Organisations")
    for column in ("organisation", "emails", "skipped", "result", "exit"):
        table.add_column(column, justify="right" if column in ("emails", "skipped") else "left")
    for name, report in results:
        skipped = str(len(report.skipped))
        table.add_row(
            str(name), str(report.emails), skipped, outcome(report), str(report.exit_code)
        )
    console.print(table)
    return code


def outcome(report: RunReport) -> str:
    """One organisation's result in a few words."""
    if report.config_problem:
        return f"not run, configuration: {report.config_problem}"
    if report.aborted:
        return f"aborted: {report.aborted}"
    if report.locked:
        return report.locked
    if report.skipped or report.errors or report.problems:
        return "done, with skipped items or errors"
    return "done"


def print_status(
    console: Console, settings: Settings, invoices: list[Invoice], store: Store, now: datetime
) -> None:
    """Each open invoice with its stage and holds, then the aging table."""
    from rich.table import Table

    from sync.plan.calendar import calendar_of
    from sync.plan.history import MessageStatus
    from sync.plan.planner import ladder
    from sync.reports.figures import BUCKETS, aging

    cal = calendar_of(settings)
    history = store.history(settings.tenant)
    order = {r.stage.name: i for i, r in enumerate(ladder(settings.policy))}
    days = {inv.id: (cal.today(now) - inv.due_date).days for inv in invoices}
    table = Table(title="Open invoices")
    for column in (
        "invoice",
        "customer",
        "due",
        "days late",
        "amount due",
        "stage reached",
        "last contact",
        "hold",
    ):
        table.add_column(column, no_wrap=column != "customer" and column != "hold")

    def rows() -> Iterator[tuple[str, ...]]:
        for inv in ordered:
            h = history.get(inv.id)
            sent = [m for m in (h.messages if h else ()) if m.status == MessageStatus.SENT]
            stage = max(
                (m.stage for m in sent if m.stage in order), key=lambda s: order[s], default="-"
            )
            last = max((m.at for m in sent if m.emailed), default=None)
            hold = (
                (h.paused and f"paused: {h.paused}")
                or (h.snoozed_until and f"snoozed to {h.snoozed_until}")
                if h
                else ""
            )
            yield (
                inv.number,
                inv.contact.name,
                inv.due_date.isoformat(),
                str(max(days[inv.id], 0)),
                f"{inv.amount_due} {inv.currency}",
                stage,
                last.date().isoformat() if last else "-",
                str(hold or ""),
            )

    ordered = sorted(invoices, key=lambda i: -days[i.id])
    _print_rows(console, table, rows, len(ordered))
    age = Table(title="Aging (amount due by days overdue)")
    age.add_column("currency")
    for name, _, _ in BUCKETS:
        age.add_column(name, justify="right")
    for currency, amounts in aging(invoices, cal.today(now)).items():
        age.add_row(currency, *(f"{amounts[name]:,.2f}" for name, _, _ in BUCKETS))
    console.print(age)

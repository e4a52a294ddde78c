"""What the CLI prints: the run summary, organisations, and the ledger's problems.

The listings of ``plan`` and ``status`` are in :mod:`sync.cli.listings` and
:mod:`sync.cli.status_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from sync.run.outcome import RunReport


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
    if report.text_cost:
        console.print(
            f"Text messages: {report.text_segments} segment(s) or messages,"
            f" about {report.text_cost} {report.text_currency}.",
            markup=False,
            highlight=False,
        )
    for number, reason in report.text_skips:
        console.print(f"not texted {number}: {reason}", markup=False, highlight=False)
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

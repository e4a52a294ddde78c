"""The run summary in Markdown, for GitHub's job summary page (``$GITHUB_STEP_SUMMARY``).

Pure except for ``write_step_summary``, which appends to the file GitHub names: each
step may add to that file, and GitHub shows all of it on the run's page.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from sync.run.outcome import EXIT_ABORTED, EXIT_OK, EXIT_SKIPPED, RunReport

log = logging.getLogger(__name__)
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"

_OUTCOME = {
    EXIT_OK: "done",
    EXIT_SKIPPED: "done, with items skipped or in error",
    EXIT_ABORTED: "aborted",
}


def markdown(reports: Sequence[tuple[str | None, RunReport]]) -> str:
    """Render run reports as Markdown: one table per organisation, then what needs a look.

    Args:
        reports: ``(organisation name, report)`` pairs; the name is None for a
            configuration with a single organisation.

    Returns:
        Markdown text ending with a newline.
    """
    lines = ["## Tahseel run", ""]
    named = [(name, report) for name, report in reports if name is not None]
    if len(named) > 1:
        lines += _overview(named)
    for name, report in reports:
        lines += _section(name, report)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_step_summary(
    reports: Sequence[tuple[str | None, RunReport]],
    environ: Mapping[str, str] | None = None,
) -> Path | None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` when it is set.

    Args:
        reports: As for ``markdown``.
        environ: The environment to read (the process's by default).

    Returns:
        The file written to, or None when the variable is not set.
    """
    target = (os.environ if environ is None else environ).get(STEP_SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown(reports) + "\n")
    except OSError as exc:
        # The run's work is done and recorded; a summary page that cannot be written
        # must not change its outcome.
        log.warning("cannot write the step summary to %s: %s", path, exc.strerror)
        return None
    return path


def _overview(named: Sequence[tuple[str, RunReport]]) -> list[str]:
    lines = ["| organisation | emails | skipped | errors | outcome |", "|---|--:|--:|--:|---|"]
    for name, report in named:
        lines.append(
            f"| {cell(name)} | {report.emails} | {len(report.skipped)} |"
            f" {len(report.errors)} | {_outcome(report)} |"
        )
    return [*lines, ""]


def _section(name: str | None, report: RunReport) -> list[str]:
    lines = [f"### {cell(name)}", ""] if name is not None else []
    lines += [f"**{_title(report)}**: {_outcome(report)}, exit code {report.exit_code}.", ""]
    lines += ["| what | count |", "|---|--:|"]
    lines += [f"| {label} | {value} |" for label, value in _rows(report)]
    lines.append("")
    if report.window_closed and report.emails == 0:
        lines += [f"No mail now: {cell(report.window_closed)}.", ""]
    lines += _listing("Skipped", [f"{n}: {r}" for n, r in report.skipped])
    lines += _listing("Excluded by policy", [f"{n}: {r}" for n, r in report.excluded])
    lines += _listing("Problems", report.problems)
    if report.deferred_reason:
        lines += [f"**Deferred:** {cell(report.deferred_reason)}", ""]
        lines += _listing("Deferred to the next run", [f"{n} ({s})" for n, s in report.deferred])
    lines += _listing("Errors", report.errors)
    if report.breaker:
        lines += [
            f"Circuit breaker: {cell(report.breaker)}. Approve this plan with"
            f" `tahseel run --approve {report.plan_fingerprint}`.",
            "",
        ]
    if report.aborted:
        lines += [f"**Aborted:** {cell(report.aborted)}", ""]
    return lines


def _rows(report: RunReport) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        (f"reminders: {cell(stage)}", count) for stage, count in sorted(report.sent.items())
    ]
    rows += report.counts()
    for service, calls in sorted(report.api_calls.items()):
        detail = ", ".join(f"{cell(op)} {n}" for op, n in sorted(calls.items()))
        rows.append((f"API calls: {cell(service)}", f"{sum(calls.values())} ({detail})"))
    return rows


def _listing(heading: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    return [f"{heading}:", "", *(f"- {cell(item)}" for item in items), ""]


def _title(report: RunReport) -> str:
    if report.mode == "preview":
        return "Preview (mode: preview; nothing sent)"
    if report.dry_run:
        return "Dry run (nothing sent)"
    if report.mode == "test":
        return "Run (mode: test; mail went to test_recipients)"
    return "Run"


def _outcome(report: RunReport) -> str:
    return _OUTCOME.get(report.exit_code, f"exit code {report.exit_code}")


def cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell or list item.

    Ledger data (invoice numbers, customer names in reasons) must not break the table,
    start HTML, or turn into links or emphasis on the summary page.
    """
    flat = html.escape(" ".join(str(text).split()), quote=False)
    for char in "\\|`*_[]#":
        flat = flat.replace(char, "\\" + char)
    return flat

"""The Markdown run summary for GitHub's step summary page."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sync.reports.summary import cell, markdown, write_step_summary
from sync.run.outcome import RunReport

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def full_report() -> RunReport:
    report = RunReport(started_at=NOW, mode="live")
    report.sent = Counter({"overdue": 3, "due": 2})
    report.resends, report.pauses, report.snoozes, report.escalations = 1, 2, 1, 1
    report.skipped = [("INV-7", "customer 'A|B' has no email address")]
    report.errors = ["INV-9: gmail send refused (400)"]
    report.api_calls = {"xero": {"get_invoices": 2, "create_history": 5}, "gmail": {"send": 6}}
    return report


def table_rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| what"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0]] = cells[-1]
    return rows


def test_every_count_of_the_run_is_in_the_table():
    text = markdown([(None, full_report())])
    rows = table_rows(text)
    assert rows["reminders: due"] == "2" and rows["reminders: overdue"] == "3"
    assert rows["invoices resent"] == "1"
    assert rows["paused"] == "2" and rows["snoozed to a promised date"] == "1"
    assert rows["escalated to a person"] == "1"
    assert rows["skipped"] == "1" and rows["errors"] == "1"
    assert rows["API calls: xero"] == "7 (create\\_history 5, get\\_invoices 2)"
    assert rows["API calls: gmail"] == "6 (send 6)"
    assert "| what | count |\n|---|--:|\n" in text
    assert "**Run**: done, with items skipped or in error, exit code 1." in text
    # ledger text cannot break the table or the list
    assert "- INV-7: customer 'A\\|B' has no email address" in text
    assert "- INV-9: gmail send refused (400)" in text


def test_each_organisation_gets_its_section_and_a_line_in_the_overview():
    quiet = RunReport(started_at=NOW, mode="preview", dry_run=True)
    quiet.window_closed = "Saturday is a weekend day"
    aborted = RunReport(started_at=NOW, aborted="xero: token revoked; run `tahseel auth xero`")
    text = markdown([("Acme", full_report()), ("Nakheel", quiet), ("Rawda", aborted)])
    assert "| Acme | 6 | 1 | 1 | done, with items skipped or in error |" in text
    assert "| Nakheel | 0 | 0 | 0 | done |" in text
    assert "| Rawda | 0 | 0 | 0 | aborted |" in text
    assert text.index("### Acme") < text.index("### Nakheel") < text.index("### Rawda")
    assert "**Preview (mode: preview; nothing sent)**: done, exit code 0." in text
    assert "No mail now: Saturday is a weekend day." in text
    assert "**Aborted:** xero: token revoked; run \\`tahseel auth xero\\`" in text


def test_a_single_organisation_has_no_overview_or_heading():
    text = markdown([(None, RunReport(started_at=NOW))])
    assert "| organisation |" not in text and "###" not in text


def test_cells_escape_markdown_and_html():
    assert cell("a|b\nc <script> *x* [l](u) `c` \\") == (
        "a\\|b c &lt;script&gt; \\*x\\* \\[l\\](u) \\`c\\` \\\\"
    )


def test_the_step_summary_is_appended_only_when_github_names_a_file(tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    reports = [(None, full_report())]
    assert write_step_summary(reports, {}) is None
    assert write_step_summary(reports, {"GITHUB_STEP_SUMMARY": str(target)}) == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## Tahseel run\n")
    assert write_step_summary(reports, {"GITHUB_STEP_SUMMARY": str(tmp_path)}) is None

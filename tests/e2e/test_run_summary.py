"""`tahseel run` ends with its summary on the terminal, as JSON, and on GitHub's page."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from sync.cli import app, demo

runner = CliRunner()


def test_a_run_on_a_weekend_says_why_no_mail_went_out_in_json_and_on_the_page(
    tmp_path, monkeypatch
):
    demo.install(tmp_path / "d", anchor=date(2026, 11, 23))
    page = tmp_path / "step-summary.md"
    page.write_text("An earlier step's summary.\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(page))
    args = ["run", "-c", str(tmp_path / "d" / "tahseel.yaml"), "--today", "2026-11-28"]

    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["window_closed"] == "Saturday is a weekend day"
    assert report["emails"] == 0 and result.exit_code == report["exit_code"] == 1
    markdown = page.read_text(encoding="utf-8")
    # appended, as GitHub expects of every step
    assert markdown.startswith("An earlier step's summary.\n## Tahseel run\n")
    assert "No mail now: Saturday is a weekend day." in markdown
    assert "| skipped | 1 |" in markdown and "- INV-1010: customer" in markdown


def test_an_excluded_customer_is_listed_apart_and_does_not_raise_the_exit_code(
    tmp_path, monkeypatch
):
    """Excluding is the accountant's decision, not a problem: exit 0, listed apart."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=date(2026, 11, 23))
    page = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(page))
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    # C-009 has no email address: reported (exit 1) until the policy excludes it
    config.write_text(text.replace("    contacts: []", "    contacts: [C-009]", 1), "utf-8")
    result = runner.invoke(app, ["run", "-c", str(config), "--today", "2026-11-23", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == report["exit_code"] == 0, result.output
    assert report["skipped"] == []
    assert [e["invoice"] for e in report["excluded"]] == ["INV-1010"]
    markdown = page.read_text(encoding="utf-8")
    assert "| excluded by policy | 1 |" in markdown and "Excluded by policy" in markdown
    plan = runner.invoke(app, ["plan", "-c", str(config), "--today", "2026-11-30"])
    assert "excluded by policy INV-1010" in plan.output

"""``tahseel check`` renders the statement templates a ``grouping: customer`` policy uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sync.cli import demo
from sync.config.loader import load_settings
from sync.run.checks import check_templates, templates_in_use
from sync.run.wiring import build_renderer


@pytest.fixture
def config(tmp_path: Path) -> Path:
    demo.install(tmp_path / "demo", anchor=date(2026, 12, 1), mode="live")
    return tmp_path / "demo" / "tahseel.yaml"


def test_the_built_in_statements_of_every_stage_render_in_both_languages(config: Path) -> None:
    settings = load_settings(config)
    used = {template for template, _ in templates_in_use(settings)}
    assert {f"{s}_statement" for s in ("due", "overdue", "weekly", "final")} <= used
    assert check_templates(settings, build_renderer(settings)) == []


def test_the_courtesy_statement_renders_too(config: Path) -> None:
    text = config.read_text("utf-8").replace(
        "    stages:                      # each stage's template is <name>_statement",
        "    stages:\n      - name: courtesy\n        offset_days: -3\n#",
    )
    config.write_text(text, "utf-8")
    settings = load_settings(config)
    assert "courtesy_statement" in {t for t, _ in templates_in_use(settings)}
    assert check_templates(settings, build_renderer(settings)) == []


def test_an_unknown_variable_in_a_statement_template_is_caught_with_its_file(
    config: Path,
) -> None:
    own = config.parent / "templates" / "ar" / "_statement.txt"
    text = own.read_text("utf-8").replace("total.amount_due", "total.amount_owed")
    own.write_text(text, "utf-8")
    settings = load_settings(config)
    problems = check_templates(settings, build_renderer(settings))
    assert problems and all("amount_owed" in p for p in problems), problems
    assert any("ar/_statement.txt" in p for p in problems), problems


def test_statement_templates_are_not_required_without_grouping(config: Path) -> None:
    text = config.read_text("utf-8").replace("    grouping: customer ", "    grouping: invoice  ")
    config.write_text(text, "utf-8")
    settings = load_settings(config)
    assert not any(t.endswith("_statement") for t, _ in templates_in_use(settings))


def test_a_statement_pdf_whose_words_fail_is_reported(config: Path) -> None:
    own = config.parent / "templates" / "en" / "statement_pdf.txt"
    own.write_text("{{ statement.nothing.here }}\n", "utf-8")
    settings = load_settings(config)
    problems = check_templates(settings, build_renderer(settings))
    assert any("statement_pdf.txt" in p for p in problems), problems

"""A run skips its template check only when that very check passed before."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sync.cli import demo
from sync.config.loader import load_settings
from sync.run import checked
from sync.run.wiring import build_renderer


@pytest.fixture
def place(tmp_path: Path) -> Path:
    demo.install(tmp_path / "demo", anchor=date(2026, 12, 1), mode="live")
    return tmp_path


def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the full checks made from here on."""
    calls: list[int] = []
    real = checked.check_templates

    def counting(settings, renderer):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(settings, renderer)

    monkeypatch.setattr(checked, "check_templates", counting)
    return calls


def check(place: Path) -> list[str]:
    settings = load_settings(place / "demo" / "tahseel.yaml")
    return checked.templates_checked(settings, build_renderer(settings), cache=place / "cache")


def test_a_passed_check_is_not_made_again(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(monkeypatch)
    assert check(place) == [] and len(calls) == 1
    assert check(place) == [] and len(calls) == 1


def test_a_changed_template_is_checked_again_and_its_fault_reported(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counted(monkeypatch)
    assert check(place) == []
    own = place / "demo" / "templates" / "en" / "overdue.txt"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text("Dear {{ customer.nmae }}\n", encoding="utf-8")
    problems = check(place)
    assert len(calls) == 2
    assert any("nmae" in p for p in problems), problems
    # A failing check is never kept: it is made, and reported, every time.
    assert check(place) == problems and len(calls) == 3


def test_changed_settings_are_checked_again(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(monkeypatch)
    check(place)
    config = place / "demo" / "tahseel.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("digits: latin", "digits: arabic"),
        encoding="utf-8",
    )
    check(place)
    assert len(calls) == 2


def test_changed_code_is_checked_again(
    place: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = counted(monkeypatch)
    check(place)
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(checked, "CODE", (*checked.CODE, code))
    check(place)
    assert len(calls) == 2

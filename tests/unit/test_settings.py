"""Configuration loading: defaults, and errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.config.loader import load_settings
from sync.config.resources import example_config_dir
from sync.errors import ConfigError

GOOD = """\
business:
  name: Test Co
  timezone: Asia/Riyadh
sender:
  name: Accounts
  email: ar@test.example
policy:
  stages:
    - name: due
      offset_days: 0
    - name: late
      offset_days: 5
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tahseel.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    return [str(i) for i in info.value.issues]


def test_example_config_loads():
    settings = load_settings(example_config_dir() / "tahseel.yaml")
    assert settings.calendar.weekend == ("friday", "saturday")
    assert [s.name for s in settings.policy.stages][:3] == ["courtesy", "due", "overdue"]
    assert settings.policy.stages[-1].action == "escalate"
    assert settings.state_url.startswith("sqlite:////")


def test_defaults(tmp_path):
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.mailbox.type == "maildir"
    assert settings.language.default == "en"
    assert settings.state_url == f"sqlite:///{tmp_path}/tahseel-state.db"


def test_wrong_type_names_file_line_and_field(tmp_path):
    text = GOOD.replace("offset_days: 5", "offset_days: ten")
    (line,) = problems(tmp_path, text)
    assert line == (
        f"{tmp_path}/tahseel.yaml:12: policy.stages[1].offset_days: expected an integer, got 'ten'"
    )


def test_unknown_key_is_an_error_with_its_line(tmp_path):
    text = GOOD.replace("  timezone: Asia/Riyadh", "  timezone: Asia/Riyadh\n  tiemzone: UTC")
    (line,) = problems(tmp_path, text)
    assert ":4: business.tiemzone: unknown setting" in line


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("Asia/Riyadh", "Mars/Olympus").replace("ar@test.example", "not-an-address")
    text = text.replace("offset_days: 5", "offset_days: -5")
    lines = problems(tmp_path, text)
    assert len(lines) == 3
    assert any(":3: business.timezone: unknown time zone 'Mars/Olympus'" in x for x in lines)
    assert any(":6: sender.email: expected an email address" in x for x in lines)
    order = (
        ":8: policy.stages: stages must be listed in order of offset_days:"
        " stages[1] 'late' (-5) comes after stages[0] 'due' (0)"
    )
    assert any(order in x for x in lines), lines


def test_a_repeated_stage_name_is_named(tmp_path):
    text = GOOD.replace("name: late", "name: due")
    (line,) = problems(tmp_path, text)
    assert ":8: policy.stages: stage names must be unique: stages[1] is 'due', like stages[0]" in (
        line
    )


def test_missing_section_and_bad_yaml(tmp_path):
    (line,) = problems(tmp_path, GOOD.split("policy:")[0])
    assert "policy: required setting is missing" in line
    (line,) = problems(tmp_path, "business: [unclosed\n")
    assert "not valid YAML" in line and (":2" in line or ":1" in line)


def test_weekend_and_window_checks(tmp_path):
    text = (
        GOOD
        + "calendar:\n  weekend: [friday, funday]\n  send_window: {start: '18:00', end: '08:00'}\n"
    )
    lines = problems(tmp_path, text)
    assert any("calendar.weekend" in x and "funday" in x for x in lines)
    assert any("calendar.send_window" in x and "must be after" in x for x in lines)


def test_reserved_stage_name(tmp_path):
    lines = problems(tmp_path, GOOD.replace("name: late", "name: resend"))
    assert any("stages[1].name" in x for x in lines)


def test_an_empty_file_says_what_a_minimal_configuration_looks_like(tmp_path):
    from sync.config.source import MINIMAL

    path = tmp_path / "tahseel.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the file is empty; a minimal configuration"):
        load_settings(path)
    # and the minimal configuration it shows is one
    example = "\n".join(
        line.removeprefix("  ") for line in MINIMAL.splitlines() if line.startswith("  ")
    )
    path.write_text(example + "\n", encoding="utf-8")
    assert load_settings(path).policy.stages[0].name == "overdue"


def test_yaml_aliases_are_refused_before_they_expand(tmp_path):
    """A "billion laughs" file: nine levels of nine aliases would be 387 million items."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = tmp_path / "tahseel.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (issue,) = caught.value.issues
    assert issue.line == 2 and "YAML aliases (*a0) are not allowed" in issue.message

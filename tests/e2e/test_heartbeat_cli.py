"""`tahseel heartbeat` on the demo configuration, with runs recorded in its state store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from typer.testing import CliRunner

from sync.cli import app, demo
from sync.config.loader import load_settings
from sync.store.store import Store

runner = CliRunner()


def test_the_heartbeat_fails_with_exit_5_when_the_last_good_run_is_too_old(tmp_path):
    demo.install(tmp_path / "d", anchor=date(2026, 11, 23))
    config = tmp_path / "d" / "tahseel.yaml"
    args = ["heartbeat", "-c", str(config)]

    result = runner.invoke(app, args)
    assert result.exit_code == 5
    assert "STALE: no successful run of 'Nakheel Trading Co.'" in result.output

    settings = load_settings(config)
    store = Store(settings.state_url)
    started = datetime.now(UTC) - timedelta(hours=3)
    store.finish_run(store.start_run(settings.tenant, started), started, "done", {})

    result = runner.invoke(app, args)  # 26h by default
    assert result.exit_code == 0, result.output
    assert "OK: the last successful run of 'Nakheel Trading Co.' was 3 hours" in result.output

    assert runner.invoke(app, [*args, "--max-age", "2h"]).exit_code == 5
    text = config.read_text(encoding="utf-8")
    assert "\n  max_age: 26h " in text  # the example configuration shows the default
    config.write_text(text.replace("\n  max_age: 26h ", "\n  max_age: 2h "), encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 5
    assert "longer than the 2 hours allowed" in " ".join(result.output.split())
    assert runner.invoke(app, [*args, "--max-age", "4h"]).exit_code == 0

    result = runner.invoke(app, [*args, "--max-age", "soon"])
    assert result.exit_code == 2 and "--max-age: expected a duration like 26h" in result.output
    lines = config.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("  max_age:"))
    lines[line - 1] = "  max_age: 26"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"tahseel.yaml:{line}: heartbeat.max_age: expected a duration" in result.output

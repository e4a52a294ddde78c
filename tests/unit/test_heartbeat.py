"""The heartbeat check over the runs recorded in the state store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.config.durations import parse_age
from sync.reports.heartbeat import check, describe
from sync.store.store import Store

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
DAY = timedelta(hours=26)


def record(store: Store, started: datetime, status: str, summary: dict | None = None) -> None:
    run_id = store.start_run("acme", started)
    if status != "running":
        store.finish_run(run_id, started + timedelta(minutes=2), status, summary or {})


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("26h", timedelta(hours=26)),
        ("90m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1d 12h", timedelta(hours=36)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_ages_are_read(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["26", "1y", "h", "-3h", "0m", "26h and more"])
def test_other_ages_are_refused_with_an_example(text):
    with pytest.raises(ValueError, match="26h|more than zero"):
        parse_age(text)


def test_describe():
    assert describe(timedelta(days=1, hours=3, minutes=5, seconds=9)) == "1 day 3 hours 5 minutes"
    assert describe(timedelta(seconds=20)) == "less than a minute"


def test_no_run_at_all_is_stale(state_url):
    beat = check(Store(state_url), "acme", NOW, DAY)
    assert not beat.ok and beat.last_success is None
    assert "no successful run of 'acme'" in beat.message


def test_a_recent_success_is_fresh_and_an_old_one_stale(state_url):
    store = Store(state_url)
    record(store, NOW - timedelta(hours=30), "done")
    assert not check(store, "acme", NOW, DAY).ok
    record(store, NOW - timedelta(hours=25), "done")
    beat = check(store, "acme", NOW, DAY)
    assert beat.ok and beat.last_success == NOW - timedelta(hours=24, minutes=58)
    assert "was 1 day 58 minutes ago (2026-11-22 06:02 UTC)" in beat.message
    # another organisation's runs do not count
    assert not check(store, "other", NOW, DAY).ok


def test_aborted_and_unfinished_runs_do_not_count_and_are_explained(state_url):
    store = Store(state_url)
    record(store, NOW - timedelta(hours=40), "done")
    record(store, NOW - timedelta(hours=3), "aborted", {"aborted": "xero: token revoked"})
    beat = check(store, "acme", NOW, DAY)
    assert not beat.ok
    assert "was 1 day 15 hours 58 minutes ago" in beat.message
    assert "the latest run, started 3 hours ago, aborted: xero: token revoked" in beat.message
    record(store, NOW - timedelta(hours=1), "running")
    beat = check(store, "acme", NOW, DAY)
    assert not beat.ok and "never finished" in beat.message


def test_settings_dumped_as_json_load_again_with_the_same_heartbeat_age():
    from sync.config.settings import HeartbeatSettings

    for text in ("26h", "1d12h", "90m", "2d", "45s"):
        first = HeartbeatSettings.model_validate({"max_age": text})
        dumped = first.model_dump(mode="json")
        assert HeartbeatSettings.model_validate(dumped) == first
    assert HeartbeatSettings().model_dump(mode="json") == {"max_age": "1d2h"}

"""An accounting firm's configuration: several organisations, run at once, on one state store.

One organisation's trouble (its ledger gone, its lock held by another runner) is its own:
the others are done and the summary shows each. Two runner processes started a moment
apart on one PostgreSQL (and on one SQLite file) share three organisations and send
every due reminder exactly once. TAHSEEL_SOAK=1 races 25 times on each store instead of
twice on PostgreSQL and once on SQLite.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from sync.config.loader import load_organisations
from sync.plan.calendar import calendar_of
from sync.run.firm import LOCKED, Shared, run_organisations
from sync.run.wiring import build_transport
from sync.store.store import Store
from tests.e2e.test_gmail_run import ANCHOR, ROOT
from tests.support import postgres, tally
from tests.support.firm import make_firm, sent

ORGS = ("acme", "noor", "sahel")
SOAK = bool(os.environ.get("TAHSEEL_SOAK"))
RACES = [("postgresql", n) for n in range(25 if SOAK else 2)]
RACES += [("sqlite", n) for n in range(100, 125 if SOAK else 101)]
runner = CliRunner()


def moment(settings):
    return calendar_of(settings).next_send_moment(
        datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC)
    )


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> Counter:
    """What one runner alone sends to the three organisations."""
    root = tmp_path_factory.mktemp("alone")
    config = make_firm(root, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR, replies=False)
    results = run_organisations(load_organisations(config), moment, jobs=1)
    assert [r.exit_code for _, r in results] == [1, 1, 1]  # the demo's customer without email
    found = sent(root, ORGS)
    keys = {org: {k[1:] for k in found if k[0] == org} for org in ORGS}
    # Every organisation got the demo's reminders, each one message: nothing shared a tenant.
    assert keys["acme"] == keys["noor"] == keys["sahel"] and len(keys["acme"]) >= 5
    assert set(found.values()) == {1}
    return found


def test_one_organisation_failing_or_locked_does_not_stop_the_others(tmp_path, expected):
    config = make_firm(tmp_path, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR, replies=False)
    (tmp_path / "acme" / "invoices.csv").unlink()  # acme's ledger is gone
    organisations = load_organisations(config)
    store = Store(organisations[0].state_url)
    with store.lock("Noor Trading"):  # another runner is working on noor
        results = run_organisations(organisations, moment, jobs=3)
    reports = dict(results)
    assert "invoices.csv" in str(reports["acme"].aborted)
    assert reports["acme"].exit_code == 4
    assert reports["noor"].locked == LOCKED and reports["noor"].exit_code == 3
    assert reports["sahel"].exit_code == 1
    assert reports["sahel"].emails == sum(1 for k in expected if k[0] == "sahel") > 0
    found = sent(tmp_path, ORGS)
    assert {k for k in found if k[0] == "sahel"} == {k for k in expected if k[0] == "sahel"}
    assert not any(k[0] != "sahel" for k in found)


def test_run_prints_each_organisation_and_exits_with_the_worst(tmp_path):
    config = make_firm(tmp_path, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR)
    # noor's Gmail was never authorised: its mailbox cannot even be opened.
    gmail = "    mailbox:\n      type: gmail\n      token_file: noor/token.json\n"
    text = config.read_text("utf-8").replace("    mailbox:\n      path: noor/mailbox\n", gmail)
    config.write_text(text, "utf-8")
    args = ["run", "-c", str(config), "--today", ANCHOR.isoformat()]
    result = runner.invoke(app, [*args, "--org", "acme", "--org", "noor", "--json"])
    assert result.exit_code == 4, result.output
    data = json.loads(result.output)
    assert [o["organisation"] for o in data["organisations"]] == ["acme", "noor"]
    assert [o["exit_code"] for o in data["organisations"]] == [1, 4]
    assert "gmail: no token file at" in data["organisations"][1]["aborted"]
    # 6: Blue Harbor's second invoice waits a day (one reminder a customer a day).
    assert data["exit_code"] == 4 and data["organisations"][0]["emails"] == 6
    # sahel was not chosen: it sent nothing.
    assert not any(k[0] == "sahel" for k in sent(tmp_path, ORGS))
    # Run again, every one: acme has nothing left to send, sahel its reminders.
    result = runner.invoke(app, [*args, "--jobs", "2"])
    assert result.exit_code == 4
    table = result.output[result.output.rindex("Organisations") :]
    assert [line.split()[1] for line in table.splitlines() if line.startswith("│")] == [
        "acme",
        "noor",
        "sahel",
    ]
    assert "aborted: " in table and "done, with skipped items or errors" in table


def test_commands_on_one_ledger_need_org_when_there_are_several(tmp_path):
    config = make_firm(tmp_path, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR)
    result = runner.invoke(app, ["plan", "-c", str(config), "--today", ANCHOR.isoformat()])
    assert result.exit_code == 2
    assert "lists 3 organisations (acme, noor, sahel); choose one with --org NAME" in (
        result.output
    )
    result = runner.invoke(app, ["pause", "INV-1001", "-c", str(config), "--org", "noor"])
    assert result.exit_code == 0, result.output
    store = Store(load_organisations(config)[0].state_url)
    assert [c.invoice_number for c in store.controls("Noor Trading").values()] == ["INV-1001"]
    assert store.controls("Acme Trading") == {}
    result = runner.invoke(app, ["status", "-c", str(config), "--org", "nour"])
    assert result.exit_code == 2
    assert "no organisation named 'nour'; the names are acme, noor, sahel" in result.output
    result = runner.invoke(app, ["check", "-c", str(config)])
    assert result.exit_code == 0, result.output


def test_organisations_sending_from_one_gmail_mailbox_share_its_quota_budget(tmp_path):
    config = make_firm(tmp_path, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR)
    token = {"token": "a", "refresh_token": "r", "client_id": "c", "client_secret": "s"}
    (tmp_path / "token.json").write_text(json.dumps(token), encoding="utf-8")
    gmail = "    mailbox:\n      type: gmail\n      token_file: token.json\n"
    text = config.read_text("utf-8").replace("    mailbox:\n      path: noor/mailbox\n", gmail)
    text = text.replace("    mailbox:\n      path: sahel/mailbox\n", gmail)
    text = text.replace("email: accounts@sahel.example", "email: Accounts@noor.example")
    config.write_text(text.replace("    mailbox:\n      path: acme/mailbox\n", gmail), "utf-8")
    acme, noor, sahel = load_organisations(config)
    shared = Shared()
    budgets = [build_transport(o, budget=shared.budget(o))._api.budget for o in (acme, noor, sahel)]
    assert budgets[1] is budgets[2]  # one mailbox, written with other capitals
    assert budgets[0] is not budgets[1]


def test_runners_opening_a_new_store_together_all_open_it(state_url):
    barrier = threading.Barrier(6)
    errors: list[Exception] = []

    def open_store() -> None:
        barrier.wait()
        try:
            Store(state_url)
        except Exception as exc:  # noqa: BLE001 - collected and shown below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def start(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync", "run", "-c", str(config), "--json"]
        + ["--today", ANCHOR.isoformat(), "--jobs", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(("store", "seed"), RACES)
def test_two_runners_on_one_store_send_each_reminder_once(request, tmp_path, store, seed, expected):
    if store == "sqlite":
        state_url = f"sqlite:///{tmp_path}/state.db"
    else:
        server = request.getfixturevalue("pg_server")
        if server is None:
            pytest.skip("PostgreSQL is not installed here (CI installs it)")
        state_url = postgres.fresh_database(server, f"t_firm_race_{seed}")
    config = make_firm(tmp_path, ORGS, state_url=state_url, anchor=ANCHOR, replies=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(seed)
    first = start(config, env)
    time.sleep(rng.uniform(0, 1.5))
    second = start(config, env)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    codes = [first.returncode, second.returncode]
    # 1: done (the demo's customer without email); 3: every organisation was the other's.
    assert set(codes) <= {1, 3}, (codes, [e for _, e in outputs])
    ran: Counter[str] = Counter()
    for (out, _), code in zip(outputs, codes, strict=True):
        orgs = json.loads(out)["organisations"]
        assert {o["exit_code"] for o in orgs} <= {1, 3}, orgs
        # An organisation the other runner had does not make this one's run fail.
        assert code == (1 if any(o["exit_code"] == 1 for o in orgs) else 3), orgs
        ran.update(o["organisation"] for o in orgs if o["exit_code"] == 1)
    found = sent(tmp_path, ORGS)
    duplicates = sum(n - 1 for n in found.values() if n > 1)
    missed = len(set(expected) - set(found))
    tally.record("two runners, three organisations", runs=2, duplicates=duplicates, missed=missed)
    assert all(ran[org] >= 1 for org in ORGS), ran
    assert found == expected


def test_step_summary_and_heartbeat_cover_every_organisation(tmp_path, monkeypatch):
    config = make_firm(tmp_path, ORGS, state_url="sqlite:///state.db", anchor=ANCHOR, replies=False)
    page = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(page))
    args = ["-c", str(config)]
    result = runner.invoke(app, ["run", *args, "--org", "acme", "--org", "noor"])
    assert result.exit_code in (0, 1), result.output  # (whether the window is open now)
    text = page.read_text("utf-8")
    assert "acme" in text and "noor" in text and "sahel" not in text
    # acme and noor ran a moment ago; sahel never did: the heartbeat names it and fails.
    result = runner.invoke(app, ["heartbeat", *args, "--max-age", "1h"])
    assert result.exit_code == 5, result.output
    assert "STALE: sahel:" in result.output and "OK: acme:" in result.output
    result = runner.invoke(app, ["heartbeat", *args, "--max-age", "1h", "--org", "noor"])
    assert result.exit_code == 0, result.output

"""`plan --all`, `plan --json` and `status --all` over a large ledger write rows as they go.

Over 200,000 invoices rich's pretty-printed JSON and one rich table holding every row
took minutes and gigabytes. Here a CSV ledger of a few thousand invoices is enough to
show the output leaves in blocks (no single write holds everything, no rich table
holds more than 500 rows) and that the JSON is the same document as before;
the times and memory are measured by ``bench/local_cost.py``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.table import Table
from typer.testing import CliRunner

from sync.cli import app, demo
from sync.cli.common import moment_of
from sync.cli.running import _store_to_read
from sync.config.loader import load_settings
from sync.plan.planner import plan_rows
from sync.run.job import Job
from sync.run.preview import preview
from sync.run.wiring import build_ledger, build_renderer, build_transport

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
COUNT = 3_000
NO_EMAIL = 7  # every 7th customer has no address: a skip the plan names
BROKEN = 3  # rows whose amount cannot be read: problems
BLOCK = 500  # the most rows one rich table may hold (listings.TABLE_ROWS)
runner = CliRunner()


class Recorder(io.StringIO):
    """A stdout that remembers the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []

    def write(self, text: str) -> int:
        self.writes.append(len(text))
        return super().write(text)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's configuration over a CSV ledger of ``COUNT`` open invoices."""
    folder = tmp_path_factory.mktemp("large") / "d"
    demo.install(folder, anchor=ANCHOR)
    path = folder / "demo" / "invoices.csv"
    with path.open(encoding="utf-8", newline="") as file:
        columns = next(csv.reader(file))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        for n in range(COUNT):
            arabic = n % 3 == 0
            due = ANCHOR - timedelta(days=n % 40 - 10)
            amount = f"{100 + n % 997}.50"
            writer.writerow(
                {
                    "invoice_id": f"big-{n:05d}",
                    "number": f"INV-{n:05d}",
                    "status": "open",
                    "currency": "SAR",
                    "total": amount,
                    "amount_due": "n/a" if n < BROKEN else amount,
                    "issue_date": (due - timedelta(days=30)).isoformat(),
                    "due_date": due.isoformat(),
                    # An id an invoice: one customer gets one reminder a day (the cap).
                    "contact_id": f"C-{n:05d}",
                    "contact_name": f"شركة رقم {n % 250}" if arabic else f"Customer {n % 250}",
                    "emails": "" if n % 250 % NO_EMAIL == 0 else f"ap{n % 250}@c.example",
                    "language": "ar" if arabic else "en",
                    "updated_at": "2026-11-22T06:00:00Z",
                }
            )
    return folder


def invoke(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, Recorder]:
    """Run the CLI in this process with stdout recorded, write by write."""
    stream = Recorder()
    tables: Counter[int] = Counter()
    add_row = Table.add_row

    def counted(self: Table, *cells: Any, **kwargs: Any) -> None:
        tables[id(self)] += 1
        assert tables[id(self)] <= BLOCK, "one rich table holds every row"
        add_row(self, *cells, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", stream)
        patch.setattr(Table, "add_row", counted)
        code = app([*args, "-c", str(folder / "tahseel.yaml")], standalone_mode=False)
    return int(code or 0), stream


def document_as_before(folder: Path, day: date) -> dict[str, Any]:
    """The plan's JSON document built whole, as `plan --json` built it before streaming."""
    settings = load_settings(folder / "tahseel.yaml")
    job = Job(
        settings,
        build_ledger(settings),
        build_transport(settings),
        _store_to_read(settings),
        build_renderer(settings),
        moment_of(settings, day.isoformat()),
        dry_run=True,
    )
    seen = preview(job)
    document = {
        "actions": plan_rows(seen.plan),
        "skipped": [{"invoice": n, "reason": r} for n, r in seen.skipped],
        "problems": list(seen.report.problems),
    }
    loaded: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False))
    return loaded


def assert_written_in_blocks(stream: Recorder) -> None:
    total = sum(stream.writes)
    assert total > 100_000, "the output should be large enough to need blocks"
    assert max(stream.writes) <= total / 4, (
        f"one write of {max(stream.writes):,} characters out of {total:,}: not streamed"
    )


def test_plan_json_is_written_a_block_of_rows_at_a_time(large, monkeypatch):
    code, stream = invoke(large, monkeypatch, "plan", "--json", "--today", ANCHOR.isoformat())
    assert code == 1  # the unreadable rows are problems
    document = json.loads(stream.getvalue())
    assert list(document) == ["actions", "skipped", "problems"]
    assert len(document["actions"]) > 2 * BLOCK
    assert document["skipped"]
    assert sum("got 'n/a'" in line for line in document["problems"]) == BROKEN
    assert document == document_as_before(large, ANCHOR)
    assert_written_in_blocks(stream)
    assert len(stream.writes) >= len(document["actions"]) / BLOCK


def test_plan_prints_its_rows_without_one_table_over_all(large, monkeypatch):
    code, stream = invoke(large, monkeypatch, "plan", "--all", "--today", ANCHOR.isoformat())
    assert code == 1
    text = stream.getvalue()
    actions = document_as_before(large, ANCHOR)["actions"]
    lines = text.splitlines()
    assert lines[0] == f"Plan ({len(actions):,} rows)"
    header = ["invoice", "customer", "policy", "action", "stage", "to", "language"]
    assert lines[1].split() == header
    rows = [line for line in lines if line.startswith("INV-")]
    assert [row.split()[0] for row in rows] == [a["invoice"] for a in actions]
    # The columns line up: each starts at the same place on every row, Arabic names too.
    starts = {line.index(" send_reminder ") for line in rows if " send_reminder " in line}
    assert len(starts) == 1
    assert f"{len(actions)} action(s);" in text
    assert_written_in_blocks(stream)


def test_status_prints_its_rows_without_one_table_over_all(large, monkeypatch):
    code, stream = invoke(large, monkeypatch, "status", "--all", "--today", ANCHOR.isoformat())
    assert code == 1
    text = stream.getvalue()
    lines = text.splitlines()
    assert lines[0] == f"Open invoices ({COUNT - BROKEN:,} rows)"
    rows = [line for line in lines if line.startswith("INV-")]
    assert len(rows) == COUNT - BROKEN
    late = [int(line[lines[1].index("days late") :].split()[0]) for line in rows]
    assert late == sorted(late, reverse=True) and late[0] == 29
    assert "Aging" in text and f"{BROKEN} problem(s) in the ledger" in text
    assert_written_in_blocks(stream)


def test_the_demo_plan_json_is_the_document_as_before(tmp_path):
    demo.install(tmp_path / "d", anchor=ANCHOR)
    folder = tmp_path / "d"
    for day in (ANCHOR, ANCHOR + timedelta(days=8)):
        result = runner.invoke(
            app, ["plan", "--json", "--today", day.isoformat(), "-c", str(folder / "tahseel.yaml")]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == document_as_before(folder, day)


def test_a_small_plan_and_status_still_print_rich_tables(tmp_path):
    demo.install(tmp_path / "d", anchor=ANCHOR)
    config = str(tmp_path / "d" / "tahseel.yaml")
    plan = runner.invoke(app, ["plan", "--today", ANCHOR.isoformat(), "-c", config])
    assert plan.exit_code == 0, plan.output
    assert "┃ invoice" in plan.output and "rows)" not in plan.output
    status = runner.invoke(app, ["status", "--today", ANCHOR.isoformat(), "-c", config])
    assert status.exit_code == 0, status.output
    assert "┃ invoice" in status.output and "Open invoices" in status.output

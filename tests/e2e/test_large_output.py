"""`plan` and `status` over 200 rows: a summary and the first rows, --all, --csv.

A CSV ledger of 1,000 invoices, the oldest of them already reminded (a live run on an
earlier day, to the demo's Maildir), so the status has stages to count. Nothing may be
left out silently: the summary's counts are the rows' counts, and the "Not shown" line
says exactly how many rows it left out.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from sync.cli.listings import FIRST_ROWS, PLAN_CSV_COLUMNS, SUMMARY_OVER, reason_kind
from sync.cli.status_rows import STATUS_COLUMNS
from sync.reports.figures import BUCKETS, bucket_of

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
COUNT = 1_000
NO_EMAIL = 7  # every 7th customer has no address: a skip the plan names
BROKEN = 3  # rows whose amount cannot be read: problems
CURRENCIES = ("SAR", "USD", "AED")
runner = CliRunner()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's configuration over ``COUNT`` invoices, the oldest reminded twenty weeks before."""
    folder = tmp_path_factory.mktemp("output") / "d"
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  max_emails_per_run: \d+", "  max_emails_per_run: 100000", text)
    text = re.sub(r"(?m)^  max_share_of_open: [\d.]+", "  max_share_of_open: 1.0", text)
    text = re.sub(r"(?m)^  max_growth: \d+", "  max_growth: 100000", text)
    # Many invoices a customer: lift the one-a-day cap, so the plan is as long as the ledger.
    text = re.sub(
        r"(?m)^  max_messages_per_customer_per_day: \d+",
        "  max_messages_per_customer_per_day: 20",
        text,
    )
    assert "max_messages_per_customer_per_day: 20" in text
    config.write_text(text, encoding="utf-8")
    path = folder / "demo" / "invoices.csv"
    with path.open(encoding="utf-8", newline="") as file:
        columns = next(csv.reader(file))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        for n in range(COUNT):
            arabic = n % 3 == 0
            # From 20 days before the anchor to 150 after: every aging bucket is filled.
            due = ANCHOR - timedelta(days=(n * 37) % 170 - 20)
            amount = f"{100 + n % 997}.50"
            writer.writerow(
                {
                    "invoice_id": f"big-{n:05d}",
                    "number": f"INV-{n:05d}",
                    "status": "open",
                    "currency": CURRENCIES[n % len(CURRENCIES)],
                    "total": amount,
                    "amount_due": "n/a" if n < BROKEN else amount,
                    "issue_date": (due - timedelta(days=30)).isoformat(),
                    "due_date": due.isoformat(),
                    "contact_id": f"C-{n % 250:03d}",
                    "contact_name": f"شركة رقم {n % 250}" if arabic else f"Customer {n % 250}",
                    "emails": "" if n % 250 % NO_EMAIL == 0 else f"ap{n % 250}@c.example",
                    "language": "ar" if arabic else "en",
                    "updated_at": "2026-11-22T06:00:00Z",
                }
            )
    earlier = (ANCHOR - timedelta(weeks=20)).isoformat()  # a Monday; ~80 invoices due
    done = invoke(folder, "run", "--today", earlier)
    assert done.exit_code in (0, 1), done.output
    return folder


def invoke(folder: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])


def today(*args: str) -> tuple[str, ...]:
    return (*args, "--today", ANCHOR.isoformat())


def cells(line: str) -> list[str]:
    """The cells of one row of a rich table."""
    return [c.strip() for c in line.strip().strip("│").split("│")]


def table_rows(text: str, title: str) -> list[list[str]]:
    """The body rows of the rich table under ``title``."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 4 :]:
        if line.startswith("└"):
            break
        rows.append(cells(line))
    return rows


@pytest.fixture(scope="module")
def document(ledger: Path) -> dict[str, Any]:
    result = invoke(ledger, *today("plan", "--json"))
    assert result.exit_code == 1, result.output  # the unreadable rows are problems
    loaded: dict[str, Any] = json.loads(result.stdout)
    assert len(loaded["actions"]) > SUMMARY_OVER and loaded["skipped"]
    return loaded


@pytest.fixture(scope="module")
def status_csv(ledger: Path) -> list[dict[str, str]]:
    result = invoke(ledger, *today("status", "--csv"))
    assert result.exit_code == 1, result.output
    assert f"{BROKEN} problem(s) in the ledger" in result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == STATUS_COLUMNS
    return list(reader)


def test_the_plan_summary_counts_every_row_and_says_what_it_leaves_out(ledger, document):
    result = invoke(ledger, *today("plan"))
    assert result.exit_code == 1, result.output
    text = result.stdout
    actions, skipped = document["actions"], document["skipped"]
    title = f"Plan summary: {len(actions):,} action(s), {len(skipped):,} skipped,"
    counted: dict[str, Counter[str]] = {}
    for by, value, count in table_rows(text, title):
        counted.setdefault(by, Counter())[value] = int(count.replace(",", ""))
    assert counted["action"] == Counter(a["action"] for a in actions)
    assert counted["stage"] == Counter(a["stage"] for a in actions)
    assert counted["currency"] == Counter(a["currency"] for a in actions)
    assert len(counted["stage"]) > 1 and set(counted["currency"]) == set(CURRENCIES)
    assert counted["skipped"] == Counter(reason_kind(s["reason"]) for s in skipped)
    assert counted["skipped"]["customer … has no email address"] == sum(
        "has no email address" in s["reason"] for s in skipped
    )
    first = table_rows(text, f"Plan: the first {FIRST_ROWS} of {len(actions):,} actions")
    assert [row[0] for row in first] == [a["invoice"] for a in actions[:FIRST_ROWS]]
    assert (
        f"Not shown: {len(actions) - FIRST_ROWS:,} of {len(actions):,} actions; the"
        f" {len(skipped):,} skipped and 0 excluded invoices by number (counted by reason"
        " above). Add --all to print every row" in text
    )
    assert "skipped INV-" not in text
    assert f"{BROKEN} problem" not in text and text.count("problem: ") == BROKEN
    assert f"{len(actions)} action(s);" in text


def test_plan_all_prints_every_action_and_every_skipped_invoice_once(ledger, document):
    result = invoke(ledger, *today("plan", "--all"))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Plan ({len(document['actions']):,} rows)"  # past 500: plain lines
    rows = [line.split()[0] for line in lines if line.startswith("INV-")]
    assert rows == [a["invoice"] for a in document["actions"]]
    skipped = [line for line in lines if line.startswith("skipped ")]
    assert skipped == [f"skipped {s['invoice']}: {s['reason']}" for s in document["skipped"]]
    assert len(set(rows) | {s["invoice"] for s in document["skipped"]}) == len(rows) + len(skipped)
    assert "Not shown" not in result.stdout


def test_plan_csv_reads_back_as_the_json_rows(ledger, document):
    result = invoke(ledger, *today("plan", "--csv"))
    assert result.exit_code == 1, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == PLAN_CSV_COLUMNS
    rows = list(reader)
    actions = [r for r in rows if r["action"] != "skip"]
    skips = [r for r in rows if r["action"] == "skip"]

    def as_json(row: dict[str, str]) -> dict[str, Any]:
        back: dict[str, Any] = {k: v for k, v in row.items() if k != "reason"}
        back["cycle"] = int(row["cycle"])
        back["to"] = row["to"].split(", ") if row["to"] else []
        back["cc"] = row["cc"].split(", ") if row["cc"] else []
        back["attach_pdf"] = {"true": True, "false": False}[row["attach_pdf"]]
        back["statement"] = row["statement"].split(", ") if row["statement"] else []
        return back

    assert [as_json(r) for r in actions] == document["actions"]
    assert [{"invoice": r["invoice"], "reason": r["reason"]} for r in skips] == document["skipped"]
    assert result.stderr.count("problem: ") == len(document["problems"]) == BROKEN


def test_plan_takes_json_or_csv_not_both(ledger):
    result = invoke(ledger, *today("plan", "--json", "--csv"))
    assert result.exit_code == 2 and "choose one" in result.stderr


def test_the_status_summary_counts_every_open_invoice(ledger, status_csv):
    result = invoke(ledger, *today("status"))
    assert result.exit_code == 1, result.output
    text = result.stdout
    count = COUNT - BROKEN
    assert len(status_csv) == count
    buckets = [name for name, _, _ in BUCKETS]
    expected = Counter(
        (r["currency"], r["stage"], bucket_of(int(r["days_late"]))) for r in status_csv
    )
    summary = table_rows(text, f"Open invoices by stage reached and days overdue: {count:,}")
    seen: Counter[tuple[str, str, str]] = Counter()
    for currency, stage, *numbers in summary:
        values = [int(n.replace(",", "")) for n in numbers]
        assert values[-1] == sum(values[:-1])
        for bucket, value in zip(buckets, values[:-1], strict=True):
            if value:
                seen[currency, stage, bucket] = value
    assert seen == expected
    assert len({stage for _, stage, _ in seen}) > 1, "a run reminded some of them"
    assert {bucket for _, _, bucket in seen} == set(buckets)
    first = table_rows(text, f"Open invoices: the {FIRST_ROWS} most overdue of {count:,}")
    assert [row[0] for row in first] == [r["invoice"] for r in status_csv[:FIRST_ROWS]]
    assert f"Not shown: {count - FIRST_ROWS:,} of {count:,} open invoices." in text
    assert "Aging (amount due by days overdue)" in text


def test_status_all_prints_every_open_invoice_once(ledger, status_csv):
    result = invoke(ledger, *today("status", "--all"))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Open invoices ({len(status_csv):,} rows)"
    rows = [line.split()[0] for line in lines if line.startswith("INV-")]
    assert rows == [r["invoice"] for r in status_csv]
    assert len(set(rows)) == COUNT - BROKEN
    assert "Not shown" not in result.stdout


def test_status_csv_is_the_open_invoices_most_overdue_first(status_csv):
    late = [int(r["days_late"]) for r in status_csv]
    assert late == sorted(late, reverse=True) and min(late) == -20
    assert {r["currency"] for r in status_csv} == set(CURRENCIES)
    assert {r["invoice"] for r in status_csv} == {f"INV-{n:05d}" for n in range(BROKEN, COUNT)}


def test_a_small_plan_and_status_print_every_row_without_a_summary(tmp_path):
    demo.install(tmp_path / "d", anchor=ANCHOR)
    for command in ("plan", "status"):
        result = invoke(tmp_path / "d", *today(command))
        assert result.exit_code == 0, result.output
        assert "┃ invoice" in result.stdout
        assert "Not shown" not in result.stdout and "summary" not in result.stdout

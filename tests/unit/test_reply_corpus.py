"""The reply corpus keeps its shape: the frozen test part, and the development part's counts.

The file is read as plain JSON lines: this test must not import the classifier
(sync.replies), so that it says nothing about how the rules read the replies.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "replies"
FROZEN = HERE / "frozen.jsonl"
README = HERE / "README.md"

KEYS = {"text", "subject", "received", "intent", "promised_date", "lang", "split"}
INTENTS = (
    "invoice_not_received",
    "already_paid",
    "dispute",
    "promise_to_pay",
    "payment_plan",
    "auto_reply",
    "other",
)
DATED = {"promise_to_pay", "payment_plan"}
LANGS = {"en", "ar", "mixed"}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AT_LEAST_PER_INTENT = 45


def _records() -> list[tuple[int, dict[str, Any]]]:
    lines = FROZEN.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, 1) if line.strip()]


RECORDS = _records()


def _day(value: object, where: str) -> dt.date:
    assert isinstance(value, str) and ISO_DAY.match(value), f"{where}: {value!r} is not YYYY-MM-DD"
    return dt.date.fromisoformat(value)


@pytest.mark.parametrize(("line", "record"), RECORDS, ids=[f"line{n}" for n, _ in RECORDS])
def test_each_record_is_well_formed(line: int, record: dict[str, Any]) -> None:
    where = f"{FROZEN.name} line {line}"
    assert set(record) == KEYS, f"{where}: keys {sorted(record)}, expected {sorted(KEYS)}"
    assert isinstance(record["text"], str) and record["text"].strip(), f"{where}: empty text"
    assert isinstance(record["subject"], str) and record["subject"].strip(), f"{where}: no subject"
    assert record["intent"] in INTENTS, f"{where}: unknown intent {record['intent']!r}"
    assert record["lang"] in LANGS, f"{where}: lang {record['lang']!r} is not one of {LANGS}"
    assert record["split"] == "test", (
        f"{where}: split {record['split']!r}, the frozen part is 'test'"
    )
    received = _day(record["received"], f"{where}, received")
    assert received.year == 2026, f"{where}: received {received} is not in 2026"
    promised = record["promised_date"]
    if promised is None:
        return
    assert record["intent"] in DATED, (
        f"{where}: promised_date {promised} on intent {record['intent']}; "
        "only promise_to_pay and payment_plan carry a date"
    )
    assert _day(promised, f"{where}, promised_date") >= received, (
        f"{where}: promised_date {promised} is before received {received}"
    )


def test_no_text_is_there_twice() -> None:
    seen: dict[str, int] = {}
    for line, record in RECORDS:
        first = seen.setdefault(record["text"], line)
        assert first == line, f"{FROZEN.name} line {line} repeats the text of line {first}"


def test_every_intent_has_enough_replies() -> None:
    counts = Counter(record["intent"] for _, record in RECORDS)
    short = {intent: counts[intent] for intent in INTENTS if counts[intent] < AT_LEAST_PER_INTENT}
    assert not short, f"{FROZEN.name}: fewer than {AT_LEAST_PER_INTENT} replies for {short}"


def test_readme_table_matches_the_file() -> None:
    """The counts table in the README is the file's own count, intent by language."""
    counts = Counter((record.get("intent"), record.get("lang")) for _, record in RECORDS)
    table: dict[str, tuple[int, ...]] = {}
    for row in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in row.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in INTENTS:
            table[cells[0]] = tuple(int(cell) for cell in cells[1:])
    expected = {
        intent: (
            counts[intent, "en"],
            counts[intent, "ar"],
            counts[intent, "mixed"],
            sum(counts[intent, lang] for lang in ("en", "ar", "mixed")),
        )
        for intent in INTENTS
    }
    assert table == expected, (
        f"{README.name}: the table of counts (intent | en | ar | mixed | total) says {table}, "
        f"{FROZEN.name} holds {expected}; update the table"
    )


# -- the development part ------------------------------------------------------------------

CORPUS = HERE / "corpus.jsonl"
DOCS = HERE.parents[2] / "docs" / "replies.md"
# Each independently written batch sits at the end of the file in the order it was merged;
# the fifth is the last 713 lines, 15% of each of its intents held out.
FIFTH_BATCH = 713


def _development() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_development_counts_in_the_docs_match_the_file() -> None:
    rows = _development()
    held = sum(1 for r in rows if r["split"] == "holdout")
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    said = f"(`corpus.jsonl`, {len(rows):,} replies, which the rules are written against; {held} of them are held out)"  # noqa: E501
    assert said in text, (
        f"{DOCS.name}: the development part holds {len(rows)} replies, {held} held out;"
        " update the text"
    )


def test_fifth_batch_holds_out_fifteen_percent_of_each_intent() -> None:
    batch = _development()[-FIFTH_BATCH:]
    for intent in INTENTS:
        rows = [r for r in batch if r["intent"] == intent]
        held = sum(1 for r in rows if r["split"] == "holdout")
        assert held == round(len(rows) * 0.15), (
            f"{CORPUS.name}: {held} of the fifth batch's {len(rows)} {intent} replies are held out,"
            f" expected {round(len(rows) * 0.15)}"
        )

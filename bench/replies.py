"""Score the reply classifier on the labelled corpus and time it.

Usage: ``python bench/replies.py [--quick] [--errors SPLIT]``

Prints precision, recall and F1 per intent and the macro-F1 for all replies, the
training split and the held-out split; promised-date accuracy (over replies labelled
as a promise or a plan); and throughput in replies per second. ``--quick`` times fewer
rounds; ``--errors train`` lists the misread replies of one split.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.replies.understanding import Intent, Understanding, understand  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "replies" / "corpus.jsonl"
DATED = {Intent.PROMISE_TO_PAY.value, Intent.PAYMENT_PLAN.value}


@dataclass(frozen=True)
class Scores:
    """Per-intent precision, recall, F1 and support, plus date accuracy."""

    per_intent: dict[str, tuple[float, float, float, int]]
    macro_f1: float
    date_accuracy: float
    dated: int
    count: int


def load(path: Path = CORPUS) -> list[dict[str, object]]:
    """Read the corpus, one JSON object per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run(row: dict[str, object]) -> Understanding:
    """Understand one corpus reply."""
    headers = row.get("headers")
    return understand(
        str(row["text"]),
        subject=str(row.get("subject", "")),
        received=date.fromisoformat(str(row["received"])),
        headers=headers if isinstance(headers, dict) else None,
    )


def score(rows: Sequence[dict[str, object]], results: Sequence[Understanding]) -> Scores:
    """Compare results with the labels."""
    per_intent: dict[str, tuple[float, float, float, int]] = {}
    for intent in Intent:
        tp = sum(1 for r, u in zip(rows, results, strict=True) if r["intent"] == u.intent == intent)
        predicted = sum(1 for u in results if u.intent == intent)
        actual = sum(1 for r in rows if r["intent"] == intent)
        p = tp / predicted if predicted else (1.0 if not actual else 0.0)
        rc = tp / actual if actual else (1.0 if not predicted else 0.0)
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        per_intent[intent.value] = (p, rc, f1, actual)
    present = [v[2] for v in per_intent.values() if v[3]]
    dated = [(r, u) for r, u in zip(rows, results, strict=True) if r["intent"] in DATED]
    right = sum(
        1
        for r, u in dated
        if (u.promised_date.isoformat() if u.promised_date else None) == r["promised_date"]
    )
    return Scores(
        per_intent,
        sum(present) / len(present) if present else 0.0,
        right / len(dated) if dated else 1.0,
        len(dated),
        len(rows),
    )


def table(named: Iterable[tuple[str, Scores]]) -> str:
    """Render the scores of several splits side by side."""
    named = list(named)
    head = f"{'intent':<22}" + "".join(f"| {n:^25} " for n, _ in named)
    sub = f"{'':<22}" + "".join(f"| {'P':>5} {'R':>5} {'F1':>5} {'n':>5}   " for _ in named)
    lines = [head, sub, "-" * len(sub)]
    for intent in Intent:
        cells = ""
        for _, s in named:
            p, r, f, n = s.per_intent[intent.value]
            cells += f"| {p:5.2f} {r:5.2f} {f:5.2f} {n:5d}   "
        lines.append(f"{intent.value:<22}" + cells)
    lines.append("-" * len(sub))
    lines.append(f"{'macro-F1':<22}" + "".join(f"| {s.macro_f1:>23.3f}   " for _, s in named))
    lines.append(
        f"{'promised-date acc.':<22}"
        + "".join(f"| {s.date_accuracy:>15.3f} (n={s.dated:3d})   " for _, s in named)
    )
    lines.append(f"{'replies':<22}" + "".join(f"| {s.count:>23d}   " for _, s in named))
    return "\n".join(lines)


def throughput(rows: Sequence[dict[str, object]], rounds: int) -> float:
    """Replies understood per second, best of ``rounds`` passes over the corpus."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for row in rows:
            run(row)
        best = min(best, time.perf_counter() - start)
    return len(rows) / best


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time one round instead of five")
    parser.add_argument("--errors", choices=["all", "train", "holdout"], help="list misreads")
    args = parser.parse_args(argv)
    rows = load()
    results = [run(r) for r in rows]
    splits = {"all": list(range(len(rows)))}
    for name in ("train", "holdout"):
        splits[name] = [i for i, r in enumerate(rows) if r.get("split", "train") == name]
    named = [
        (name, score([rows[i] for i in idx], [results[i] for i in idx]))
        for name, idx in splits.items()
    ]
    print(f"corpus: {CORPUS.relative_to(ROOT)}")
    print(table(named))
    rate = throughput(rows, 1 if args.quick else 5)
    print(
        f"throughput: {rate:,.0f} replies/s ({len(rows)} replies, best of {1 if args.quick else 5})"
    )
    if args.errors:
        for i in splits[args.errors]:
            r, u = rows[i], results[i]
            got_date = u.promised_date.isoformat() if u.promised_date else None
            date_wrong = r["intent"] in DATED and got_date != r["promised_date"]
            if u.intent != r["intent"] or date_wrong:
                text = " ".join(str(r["text"]).split())[:150]
                print(
                    f"- want {r['intent']} {r['promised_date']} got {u.intent.value} {got_date}"
                    f" [{u.evidence}] :: {text}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

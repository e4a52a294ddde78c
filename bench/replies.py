"""Score the reply classifier on the labelled replies, calibrate its confidence, time it.

Usage: ``python bench/replies.py [--quick] [--errors SPLIT] [--floor F] [--corpus PATH]
[--no-frozen]``

Two corpora: the development part (``tests/fixtures/replies/corpus.jsonl``, splits
``train`` and ``holdout``), which the rules are written against, and the frozen test
part (``tests/fixtures/replies/frozen.jsonl``, split ``test``), which is never edited
to make a failure pass (see ``tests/fixtures/replies/README.md``). For each it prints
precision, recall and F1 per intent, the macro-F1, promised-date accuracy, a
calibration table (confidence band: how often the intent was right) and how often the
actions taken automatically at the floor (``replies.min_confidence``, or ``--floor``)
are right (the same action as the label's: a resend, a pause for a claim of payment, a
dispute or a plan alike, a snooze to the same date, an auto-reply ignored), and how
often their intent is; then the issue's targets, PASS or MISS, on the test part; then throughput.
``--errors train`` lists the misread replies of one development split; the test part's
replies are never listed, so that nobody writes rules against them. ``--corpus``
scores another development file (a new batch before it is merged) in place of
``corpus.jsonl``; ``--no-frozen`` leaves the test part out, so that work on the rules
does not look at its figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.config.settings import RepliesSettings  # noqa: E402
from sync.replies.promises import writer_day  # noqa: E402
from sync.replies.understanding import Intent, Understanding, settle, understand  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "replies"
CORPUS = FIXTURES / "corpus.jsonl"
FROZEN = FIXTURES / "frozen.jsonl"
DATED = {Intent.PROMISE_TO_PAY.value, Intent.PAYMENT_PLAN.value}
BANDS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)
TARGETS = (
    ("macro-F1, rules alone", "macro_f1", 0.95),
    ('"invoice not received" precision', "nr_precision", 0.98),
    ("promised dates right, of those with a date", "dates_named", 0.9),
    ("automatic actions right (the action the label calls for), at the floor", "automatic", 0.99),
)

Row = dict[str, object]


@dataclass(frozen=True)
class Scores:
    """Per-intent precision, recall, F1 and support; date and automatic-action accuracy."""

    per_intent: dict[str, tuple[float, float, float, int]]
    macro_f1: float
    date_accuracy: float
    dated: int
    dates_named: float
    named: int
    automatic: float
    automatic_intent: float
    acted: int
    count: int

    @property
    def nr_precision(self) -> float:
        """Precision of ``invoice_not_received``: a resend on a wrong reading is the risk."""
        return self.per_intent[Intent.INVOICE_NOT_RECEIVED.value][0]


def load(path: Path = CORPUS) -> list[Row]:
    """Read one corpus, one JSON object per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run(row: Row) -> Understanding:
    """Understand one labelled reply, by the rules alone."""
    headers = row.get("headers")
    return understand(
        str(row["text"]),
        subject=str(row.get("subject", "")),
        received=writer_day(str(row["received"])),
        headers=headers if isinstance(headers, dict) else None,
    )


def _date(u: Understanding) -> str | None:
    return u.promised_date.isoformat() if u.promised_date else None


def right(row: Row, u: Understanding) -> bool:
    """Whether ``u`` reads ``row`` as labelled (the date too, for a promise)."""
    if u.intent.value != row["intent"]:
        return False
    return u.intent is not Intent.PROMISE_TO_PAY or _date(u) == row.get("promised_date")


def action(intent: str, promised: object) -> str:
    """What a run does on a reading: what makes two readings the same for the customer."""
    if intent == Intent.PROMISE_TO_PAY.value:
        return f"snooze to {promised}" if promised else "tell"
    return {
        Intent.INVOICE_NOT_RECEIVED.value: "resend",
        Intent.ALREADY_PAID.value: "pause",
        Intent.DISPUTE.value: "pause",
        Intent.PAYMENT_PLAN.value: "pause",
        Intent.AUTO_REPLY.value: "ignore",
    }.get(intent, "tell")


def same_action(row: Row, u: Understanding) -> bool:
    """Whether acting on ``u`` does what acting on the label would (a pause is a pause)."""
    want = action(str(row["intent"]), row.get("promised_date"))
    return action(u.intent.value, _date(u)) == want


def automatic(u: Understanding) -> bool:
    """Whether a run acts on ``u`` without a person: resend, pause, snooze, or ignore."""
    if u.intent is Intent.OTHER:
        return False
    return u.intent is not Intent.PROMISE_TO_PAY or u.promised_date is not None


def score(
    rows: Sequence[Row], results: Sequence[Understanding], floor: float | None = None
) -> Scores:
    """Compare results with the labels."""
    floor = RepliesSettings().min_confidence if floor is None else floor
    pairs = list(zip(rows, results, strict=True))
    per_intent: dict[str, tuple[float, float, float, int]] = {}
    for intent in Intent:
        tp = sum(1 for r, u in pairs if r["intent"] == u.intent == intent)
        predicted = sum(1 for u in results if u.intent == intent)
        actual = sum(1 for r in rows if r["intent"] == intent)
        p = tp / predicted if predicted else (1.0 if not actual else 0.0)
        rc = tp / actual if actual else (1.0 if not predicted else 0.0)
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        per_intent[intent.value] = (p, rc, f1, actual)
    present = [v[2] for v in per_intent.values() if v[3]]
    dated = [(r, u) for r, u in pairs if r["intent"] in DATED]
    named = [(r, u) for r, u in dated if r.get("promised_date")]
    acted = [(r, s) for r, u in pairs if automatic(s := settle(u, floor))]
    return Scores(
        per_intent,
        sum(present) / len(present) if present else 0.0,
        _share(_date(u) == r.get("promised_date") for r, u in dated),
        len(dated),
        _share(_date(u) == r["promised_date"] for r, u in named),
        len(named),
        _share(same_action(r, s) for r, s in acted),
        _share(right(r, s) for r, s in acted),
        len(acted),
        len(rows),
    )


def _share(flags: Iterable[bool]) -> float:
    seen = list(flags)
    return sum(seen) / len(seen) if seen else 1.0


def table(named: Sequence[tuple[str, Scores]]) -> str:
    """Render the scores of several splits side by side."""
    head = f"{'intent':<24}" + "".join(f"| {n:^25} " for n, _ in named)
    sub = f"{'':<24}" + "".join(f"| {'P':>5} {'R':>5} {'F1':>5} {'n':>5}   " for _ in named)
    lines = [head, sub, "-" * len(sub)]
    for intent in Intent:
        cells = ""
        for _, s in named:
            p, r, f, n = s.per_intent[intent.value]
            cells += f"| {p:5.2f} {r:5.2f} {f:5.2f} {n:5d}   "
        lines.append(f"{intent.value:<24}" + cells)
    lines.append("-" * len(sub))
    rows = (
        ("macro-F1", lambda s: f"{s.macro_f1:>23.3f}"),
        ("promised-date acc.", lambda s: f"{s.date_accuracy:>15.3f} (n={s.dated:3d})"),
        ("  of those with a date", lambda s: f"{s.dates_named:>15.3f} (n={s.named:3d})"),
        ("automatic: action right", lambda s: f"{s.automatic:>15.3f} (n={s.acted:3d})"),
        ("automatic: intent right", lambda s: f"{s.automatic_intent:>23.3f}"),
        ("replies", lambda s: f"{s.count:>23d}"),
    )
    for label, cell in rows:
        lines.append(f"{label:<24}" + "".join(f"| {cell(s)}   " for _, s in named))
    return "\n".join(lines)


def calibration(named: Sequence[tuple[str, Sequence[Row], Sequence[Understanding]]]) -> str:
    """Per confidence band, how many readings fell in it and how many were right."""
    head = f"{'confidence':<24}" + "".join(f"| {n:^25} " for n, _, _ in named)
    lines = [head, "-" * len(head)]
    for low, high in zip(BANDS, BANDS[1:], strict=False):
        label = f"{low:.2f} - {min(high, 1.0):.2f}"
        cells = ""
        for _, rows, results in named:
            hits = [
                right(r, u) for r, u in zip(rows, results, strict=True) if low <= u.score < high
            ]
            cell = f"{_share(hits):.3f} right (n={len(hits):3d})" if hits else "-"
            cells += f"| {cell:>23}   "
        lines.append(f"{label:<24}" + cells)
    return "\n".join(lines)


def targets(test: Scores) -> str:
    """The issue's targets on the frozen test part, PASS or MISS."""
    lines = ["targets (frozen test part):"]
    for label, field, goal in TARGETS:
        value = float(getattr(test, field))
        mark = "PASS" if value >= goal else "MISS"
        lines.append(f"  {mark}  {label}: {value:.3f} (target >= {goal})")
    return "\n".join(lines)


def throughput(rows: Sequence[Row], rounds: int) -> float:
    """Replies understood per second, best of ``rounds`` passes over the corpus."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for row in rows:
            run(row)
        best = min(best, time.perf_counter() - start)
    return len(rows) / best


def main(argv: Sequence[str] | None = None) -> int:
    """Print the tables; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time one round instead of five")
    parser.add_argument(
        "--errors", choices=["dev", "train", "holdout"], help="list misreads (development only)"
    )
    parser.add_argument(
        "--floor",
        type=float,
        default=RepliesSettings().min_confidence,
        help="the confidence floor (default: replies.min_confidence's default)",
    )
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help="the development file (default: corpus.jsonl)"
    )
    parser.add_argument("--no-frozen", action="store_true", help="leave the frozen test part out")
    args = parser.parse_args(argv)
    rows = load(args.corpus)
    results = [run(r) for r in rows]
    splits = {"dev": list(range(len(rows)))}
    for name in ("train", "holdout"):
        splits[name] = [i for i, r in enumerate(rows) if r.get("split", "train") == name]
    parts = [(n, [rows[i] for i in idx], [results[i] for i in idx]) for n, idx in splits.items()]
    test_rows = load(FROZEN) if FROZEN.exists() and not args.no_frozen else []
    if test_rows:
        parts.append(("test (frozen)", test_rows, [run(r) for r in test_rows]))
    named = [(n, score(rs, us, args.floor)) for n, rs, us in parts]
    print(f"development part: {args.corpus}")
    print(
        f"frozen test part: {FROZEN.relative_to(ROOT)}"
        if test_rows
        else "frozen test part: not scored"
    )
    print(f"floor (replies.min_confidence): {args.floor:.2f}\n")
    print(table(named))
    print()
    print(calibration([parts[0], parts[2], *parts[3:]]))
    if test_rows:
        print()
        print(targets(named[-1][1]))
    rounds = 1 if args.quick else 5
    rate = throughput(rows, rounds)
    print(f"\nthroughput: {rate:,.0f} replies/s ({len(rows)} replies, best of {rounds})")
    if args.errors:
        for i in splits[args.errors]:
            r, u = rows[i], results[i]
            date_wrong = r["intent"] in DATED and _date(u) != r["promised_date"]
            if u.intent != r["intent"] or date_wrong:
                text = " ".join(str(r["text"]).split())[:150]
                print(
                    f"- want {r['intent']} {r['promised_date']} got {u.intent.value} {_date(u)}"
                    f" ({u.score:.2f}) [{u.evidence}] :: {text}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

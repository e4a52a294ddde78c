"""Local cost of a run: CPU per invoice planned, per email composed, and peak memory.

Usage: ``python bench/local_cost.py [--quick | --smoke]``

Measured in-process with ``time.process_time`` (CPU seconds of this process), best of
a few repetitions:

- ``plan``: ``plan(...)`` over N open invoices (due dates spread as ``bench/_world.py``
  describes), half of them with a history of one to three earlier messages; per invoice.
- ``render+compose``: ``Renderer.render`` (subject, text, HTML) then ``compose`` with
  In-Reply-To, References and the X-Tahseel-* headers, English and Arabic alternately;
  per email.
- ``render+compose+PDF``: the same, plus ``render_invoice_pdf`` attached; per email.

Peak RSS: a separate process runs the whole job (``Job.run``) in preview mode (plans
and renders every email, sends nothing) over N open invoices on the CSV ledger and a
Maildir, and reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.

The second table runs the commands a newcomer runs on the embedded default (a CSV
ledger, a Maildir) as the real CLI, ``python -m sync ...``, each in a fresh process
with stdout to a file; a small launcher times the child alone and reads its peak RSS
(``RUSAGE_CHILDREN``'s ``ru_maxrss``). Each is judged against a floor measured the
same way in the same run, so the machine's speed and load cancel out:

- ``tahseel --help``, ``tahseel check`` (the demo's configuration) and ``tahseel
  classify`` (one reply in a file) against ``python -c "import typer, rich.console"``:
  <= 2 times (least of 3 runs each; 1 at ``--smoke``).
- ``tahseel run --dry-run``, ``tahseel plan`` and ``tahseel plan --json`` over a CSV
  ledger of 20,000 open invoices (``bench/_world.py``'s spread; 1,000 at ``--smoke``),
  ``--today`` its day, against ``python -c`` reading the file with the ``csv`` module:
  <= 10 times; ``plan --json`` also <= 150 MB peak RSS (one run each).
- ``tahseel run``, daily: the demo (20 invoices, live mode, its Maildir) run on
  consecutive days, ``--today`` advancing (62 days; ``--quick`` 14, ``--smoke`` 2):
  the mean wall seconds a run <= 1.0, the slowest shown.
- Full mode only: the same commands and the listings to a file (``plan --csv``,
  ``status``, ``status --csv``) over 100,000 open invoices: peak RSS <= 300 MB each,
  and each listing (``plan``, ``status``, to the terminal or a file) <= 10 s per
  100,000 invoices (the dry run's seconds and every ratio to the csv floor shown).

Render + compose is judged against the Gmail send it precedes: a ``drafts.send`` (or
``messages.send``) costs 100 quota units and a mailbox may spend 250 units a second
sustained (15,000 a minute), so one send takes at least 400 ms of the mailbox's quota.
The ``share`` column is the CPU time per email as a share of that interval.

Columns: ``measure``, ``N`` (invoices or emails), ``value`` and its ``unit``, ``share``
of the send interval, ``target`` and PASS/MISS. Targets: planning <= 20 µs per
invoice; render + compose <= 2% of the send interval per email without PDF; peak RSS
<= 300 MB at 100,000 open invoices (``--quick`` measures 10,000, where the target is
not judged but the figure is shown). The commands' table has ``command``, ``N``,
``seconds``, ``x floor`` (the seconds over the floor row above it), ``peak RSS MB``,
``target`` and PASS/MISS. See bench/README.md for why.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import (  # noqa: E402
    DAY,
    ROOT,
    customers,
    invoices,
    moment,
    table,
    verdict,
    write_config,
    write_csv,
)
from connectors.models import Contact, Invoice, InvoiceStatus  # noqa: E402
from connectors.pdf import render_invoice_pdf  # noqa: E402
from mailer.compose import Attachment, compose, make_message_id  # noqa: E402
from mailer.gmail.api import GMAIL_UNITS_PER_SECOND, UNITS  # noqa: E402
from sync.config.settings import Settings  # noqa: E402
from sync.plan.calendar import calendar_of  # noqa: E402
from sync.plan.history import History, Message  # noqa: E402
from sync.plan.planner import plan  # noqa: E402
from sync.run.job import Job  # noqa: E402
from sync.run.outbound import Identity, tahseel_headers, template_context  # noqa: E402
from sync.run.wiring import build_ledger, build_renderer, build_store, build_transport  # noqa: E402

CSV_LEDGER = (
    "ledger:\n  type: csv\n  path: invoices.csv\n"
    '  payment_link: "https://pay.nakheel.example/invoices/{number}"\n'
)
MAILDIR = "mailbox:\n  type: maildir\n  path: mailbox\n  create: true\n"
#: The least time one Gmail send takes of the mailbox's quota, in ms: drafts.send's units
#: (100, as messages.send) at the per-user sustained rate (250 units a second).
SEND_INTERVAL_MS = UNITS["drafts.send"] / GMAIL_UNITS_PER_SECOND * 1e3
#: The most of that interval rendering and composing one email may take.
COMPOSE_SHARE = 0.02
CSV_FLOOR = (
    "import csv, sys\n"
    "with open(sys.argv[1], encoding='utf-8', newline='') as f:\n"
    "    print(sum(1 for _ in csv.reader(f)))"
)
#: What every command imports before it does anything: the floor of the quick commands.
IMPORT_FLOOR = "import typer, rich.console"
#: Runs argv[3:] with stdin from argv[2] (or none: "-"), then writes its exit code, its
#: peak RSS (KiB) and its wall seconds to argv[1]. The clock starts and stops here, so
#: the launcher's own start is not counted.
LAUNCHER = (
    "import resource, subprocess, sys, time\n"
    "stdin = None if sys.argv[2] == '-' else open(sys.argv[2], 'rb')\n"
    "start = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[3:], stdin=stdin)\n"
    "seconds = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'{code} {peak} {seconds}')"
)
#: The most a quick command (--help, check, classify) may take, in import floors.
START_FACTOR = 2.0
#: The most run --dry-run, plan and plan --json may take, in csv-module floors.
LARGE_FACTOR = 10.0
#: The most peak RSS of plan --json over the large ledger, in MB.
JSON_MB = 150
#: The most wall seconds of one daily run of the demo ledger.
DAILY_SECONDS = 1.0
#: The most peak RSS of any command over 100,000 open invoices, in MB.
HUGE_MB = 300
#: The most wall seconds of a listing (plan, status; to the terminal or a file) per
#: 100,000 open invoices. Why this number: bench/README.md, "Listings at 100,000".
HUGE_SECONDS = 10.0
#: Invoices of the large ledger; of the huge one (full mode only); daily runs of the demo;
#: runs of each quick command (the least time and the largest peak are kept).
COMMAND_SIZES = {
    "full": (20_000, 100_000, 62, 3),
    "quick": (20_000, None, 14, 3),
    "smoke": (1_000, None, 2, 1),
}
REPLY = "نرجو إرسال الفاتورة مرة أخرى، لم نستلمها. Please send the invoice again.\n"
SIZES = {"full": (100_000, 2_000, 200), "quick": (10_000, 500, 50), "smoke": (1_000, 50, 5)}


def models(count: int) -> list[Invoice]:
    """``count`` open invoices as the ledger would hand them to the planner."""
    people = {
        c.key: Contact(c.key, c.name, (c.email,), "ar" if c.arabic else None)
        for c in customers(300)
    }
    return [
        Invoice(
            id=s.key,
            number=s.number,
            contact=people[s.customer.key],
            currency=s.currency,
            total=s.total,
            amount_due=s.total,
            issue_date=s.issue_date,
            due_date=s.due_date,
            status=InvoiceStatus.OPEN,
        )
        for s in invoices(count, [c for c in customers(300)])
    ]


def histories(items: list[Invoice]) -> dict[str, History]:
    """One to three earlier messages for every other late invoice."""
    rng = random.Random(3)
    stages = ("overdue", "weekly", "weekly")
    out: dict[str, History] = {}
    for inv in items[::2]:
        late = (DAY - inv.due_date).days
        if late < 3:
            continue
        count = rng.randint(1, 3)
        out[inv.id] = History(
            tuple(
                Message(stages[n], n, moment(10, inv.due_date + timedelta(days=1 + 7 * n)))
                for n in range(count)
            )
        )
    return out


def best_cpu(fn: Callable[[], object], repeat: int) -> float:
    """The least CPU seconds ``fn`` took over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def planning(settings: Settings, count: int) -> float:
    """CPU µs per invoice for ``plan``."""
    items = models(count)
    history = histories(items)
    calendar = calendar_of(settings)
    now = moment(10)

    def run() -> object:
        return plan(items, history, settings.policy, calendar, now, languages=settings.language)

    assert run().actions  # type: ignore[attr-defined]
    return best_cpu(run, 3) / count * 1e6


def composing(settings: Settings, count: int, *, pdf: bool) -> float:
    """CPU ms per email for render + compose (and a PDF when ``pdf``)."""
    renderer = build_renderer(settings)
    identity = Identity.from_settings(settings)
    items = models(count)
    now = moment(10)
    previous = ["<tahseel.1.first@nakheel.example>", "<reply-1@customer.example>"]

    def one(n: int, inv: Invoice) -> None:
        language = "ar" if n % 2 else "en"
        link = f"https://pay.nakheel.example/invoices/{inv.number}"
        context = template_context(
            inv,
            identity,
            stage="overdue",
            cycle=0,
            language=language,
            payment_link=link,
            attachment=pdf,
            today=DAY,
        )
        rendered = renderer.render("overdue", language, context)
        attachments = []
        if pdf:
            document = render_invoice_pdf(
                inv, business_name=identity.business_name, payment_link=link, language=language
            )
            attachments.append(Attachment(f"Invoice-{inv.number}.pdf", document))
        compose(
            rendered=rendered,
            sender_name=identity.sender_name,
            sender_email=identity.sender_email,
            to=inv.contact.emails,
            subject=f"Re: {rendered.subject}",
            message_id=make_message_id(
                tenant=identity.tenant,
                invoice_id=inv.id,
                invoice_number=inv.number,
                stage="overdue",
                cycle=0,
                domain=identity.domain,
            ),
            in_reply_to=previous[-1],
            references=previous,
            date=now,
            headers=tahseel_headers(inv, "overdue", 0),
            attachments=attachments,
        ).as_bytes()

    def run() -> None:
        for n, inv in enumerate(items):
            one(n, inv)

    run()  # warm the template caches
    return best_cpu(run, 3) / count * 1e3


def peak_rss(count: int) -> float:
    """Peak RSS in MB of a preview run over ``count`` invoices, in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_csv(folder / "invoices.csv", count, 300)
        write_config(folder, ledger=CSV_LEDGER, mailbox=MAILDIR, mode="preview")
        done = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(folder / "tahseel.yaml")],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(done.stdout.split()[-1])


def rss_child(config: Path) -> None:
    """Run the job in preview over the configured ledger; print peak RSS in MB."""
    from sync.config.loader import load_settings

    settings = load_settings(config)
    job = Job(
        settings,
        build_ledger(settings),
        build_transport(settings),
        build_store(settings),
        build_renderer(settings),
        moment(10),
    )
    report = job.run()
    assert report.dry_run and not report.aborted, report.aborted
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"planned {report.emails} emails; peak RSS MB {peak:.1f}")


def child(argv: list[str], output: Path, *, stdin: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of a fresh process running ``argv``, stdout to a file.

    A small launcher starts it: a child forked from this large process would count this
    process's memory as its own peak. The launcher times the child alone.
    """
    report = output.with_suffix(".rss")
    with output.open("wb") as sink, output.with_suffix(".err").open("wb") as errors:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), str(stdin or "-"), *argv],
            stdout=sink,
            stderr=errors,
            cwd=ROOT,
            check=True,
        )
    code, peak, seconds = report.read_text().split()
    if code not in ("0", "1"):  # 1: skipped invoices or problems, which a run may have
        sys.exit(f"{argv[2:]} exited {code}: {output.with_suffix('.err').read_text()[-2000:]}")
    return float(seconds), int(peak) / 1024  # KiB on Linux


def best(argv: list[str], output: Path, repeat: int) -> tuple[float, float]:
    """The least wall seconds and the largest peak RSS of ``repeat`` fresh runs of ``argv``."""
    runs = [child(argv, output) for _ in range(repeat)]
    return min(s for s, _ in runs), max(m for _, m in runs)


def tahseel(*args: str) -> list[str]:
    """The command line of ``tahseel ARGS`` in a fresh Python (``python -m sync``)."""
    return [sys.executable, "-m", "sync", *args]


Row = list[str]


def command_row(
    name: str, n: str, measured: tuple[float, float], floor: float | None, target: str, ok: bool
) -> Row:
    """One row of the commands' table; ``floor`` None for a floor's own row."""
    seconds, rss = measured
    ratio = "1.00" if floor is None else f"{seconds / floor:.2f}"
    result = "-" if floor is None and not target else verdict(ok)
    return [name, n, f"{seconds:.2f}", ratio, f"{rss:.0f}", target or "-", result]


def quick_commands(folder: Path, repeat: int) -> list[Row]:
    """``--help``, ``check`` on the demo and ``classify`` of one reply, against the import."""
    python = sys.executable
    demo_config = str(folder / "demo" / "tahseel.yaml")
    reply = folder / "reply.txt"
    reply.write_text(REPLY, encoding="utf-8")
    sink = folder / "quick.out"
    floor = best([python, "-c", IMPORT_FLOOR], sink, repeat)
    target = f"<= {START_FACTOR:g} x import"
    rows = [command_row(f"floor: python -c '{IMPORT_FLOOR}'", "-", floor, None, "", True)]
    for name, n, argv in (
        ("tahseel --help", "-", tahseel("--help")),
        ("tahseel check (demo)", "20", tahseel("check", "-c", demo_config)),
        ("tahseel classify (one reply)", "1", tahseel("classify", str(reply))),
    ):
        measured = best(argv, sink, repeat)
        ok = measured[0] <= START_FACTOR * floor[0]
        rows.append(command_row(name, n, measured, floor[0], target, ok))
    return rows


def ledger_commands(folder: Path, count: int, repeat: int, *, huge: bool) -> list[Row]:
    """The commands over a CSV ledger of ``count`` open invoices, against the csv module.

    ``run --dry-run``, ``plan`` and ``plan --json`` (and, ``huge``, the listings to a file;
    at that size the listings are judged in seconds per 100,000 and memory, the dry run
    by memory alone) with ``--today`` the ledger's day, in live mode (a dry run).
    """
    place = folder / f"ledger-{count}"
    place.mkdir()
    write_csv(place / "invoices.csv", count, 300)
    write_config(place, ledger=CSV_LEDGER, mailbox=MAILDIR, mode="live")
    config, day = str(place / "tahseel.yaml"), DAY.isoformat()
    python, sink, n = sys.executable, place / "command.out", f"{count:,}"
    floor = best([python, "-c", CSV_FLOOR, str(place / "invoices.csv")], sink, repeat)
    rows = [command_row("floor: python -c csv.reader(file)", n, floor, None, "", True)]
    commands = [("run", "--dry-run"), ("plan",), ("plan", "--json")]
    if huge:
        commands += [("plan", "--csv"), ("status",), ("status", "--csv")]
    for command in commands:
        measured = best(tahseel(*command, "-c", config, "--today", day), sink, repeat)
        seconds, rss = measured
        if huge and command[0] in ("plan", "status"):
            limit = HUGE_SECONDS * count / 100_000
            target = f"<= {limit:g} s, <= {HUGE_MB} MB"
            ok = seconds <= limit and rss <= HUGE_MB
        elif huge:
            target, ok = f"<= {HUGE_MB} MB", rss <= HUGE_MB
        elif command == ("plan", "--json"):
            target = f"<= {LARGE_FACTOR:g} x csv, <= {JSON_MB} MB"
            ok = seconds <= LARGE_FACTOR * floor[0] and rss <= JSON_MB
        else:
            target, ok = f"<= {LARGE_FACTOR:g} x csv", seconds <= LARGE_FACTOR * floor[0]
        rows.append(command_row("tahseel " + " ".join(command), n, measured, floor[0], target, ok))
    return rows


def daily_runs(folder: Path, days: int) -> Row:
    """``tahseel run`` of the demo ledger on ``days`` days in a row: the mean wall a run."""
    config = str(folder / "demo" / "tahseel.yaml")
    sink = folder / "daily.out"
    runs = [
        child(tahseel("run", "-c", config, "--today", (DAY + timedelta(days=k)).isoformat()), sink)
        for k in range(days)
    ]
    mean = sum(s for s, _ in runs) / days
    worst = max(s for s, _ in runs)
    name = f"tahseel run, daily (demo; mean of {days} days, slowest {worst:.2f} s)"
    target = f"<= {DAILY_SECONDS:g} s a run"
    return [
        name,
        "20",
        f"{mean:.2f}",
        "-",
        f"{max(m for _, m in runs):.0f}",
        target,
        verdict(mean <= DAILY_SECONDS),
    ]


def commands_cost(mode: str) -> list[Row]:
    """The commands' table: every row of the target table, in fresh processes."""
    from sync.cli import demo

    large, huge, days, repeat = COMMAND_SIZES[mode]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo.install(folder / "demo", anchor=DAY, mode="live")
        rows = quick_commands(folder, repeat)
        rows += ledger_commands(folder, large, 1, huge=False)
        rows.append(daily_runs(folder, days))
        if huge:
            rows += ledger_commands(folder, huge, 1, huge=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the commands at 20,000 invoices")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes (for tests)")
    mode.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    size = "smoke" if args.smoke else "quick" if args.quick else "full"
    rss_n, plan_n, mail_n = SIZES[size]
    with tempfile.TemporaryDirectory() as tmp:
        settings = write_config(Path(tmp), ledger=CSV_LEDGER, mailbox=MAILDIR, mode="preview")
        plan_us = planning(settings, plan_n * 10)
        plain_ms = composing(settings, mail_n * 5, pdf=False)
        pdf_ms = composing(settings, mail_n, pdf=True)
    rss = peak_rss(rss_n)
    judged = rss_n >= 100_000
    plain_share, pdf_share = plain_ms / SEND_INTERVAL_MS, pdf_ms / SEND_INTERVAL_MS
    rows = [
        [
            "plan",
            f"{plan_n * 10:,}",
            f"{plan_us:.1f}",
            "µs/invoice",
            "-",
            "<= 20 µs",
            verdict(plan_us <= 20),
        ],
        [
            "render+compose",
            f"{mail_n * 5:,}",
            f"{plain_ms:.2f}",
            "ms/email",
            f"{plain_share:.2%}",
            f"<= {COMPOSE_SHARE:.0%} of {SEND_INTERVAL_MS:.0f} ms",
            verdict(plain_share <= COMPOSE_SHARE),
        ],
        [
            "render+compose+PDF",
            f"{mail_n:,}",
            f"{pdf_ms:.2f}",
            "ms/email",
            f"{pdf_share:.2%}",
            "-",
            "-",
        ],
        [
            "peak RSS, preview job",
            f"{rss_n:,}",
            f"{rss:.0f}",
            "MB",
            "-",
            "<= 300 MB at 100,000",
            verdict(rss <= 300) if judged else "(not judged)",
        ],
    ]
    print(table(["measure", "N", "value", "unit", "share", "target", "result"], rows))
    print()
    print("Commands as a fresh process each (CSV ledger, Maildir; stdout to a file)")
    headers = ["command", "N", "seconds", "x floor", "peak RSS MB", "target", "result"]
    print(table(headers, commands_cost(size)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

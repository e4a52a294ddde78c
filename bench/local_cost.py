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

The commands that print every open invoice, ``plan``, ``plan --json`` and ``status``,
each run as the real CLI in a fresh process (``python -m sync ... -c tahseel.yaml``,
stdout to a file) over a CSV ledger of N open invoices (100,000; ``--quick`` 10,000;
``--smoke`` 1,000), with wall seconds and peak RSS (``os.wait4``'s ``ru_maxrss``). Two
floors are measured the same way: the ``csv`` module reading the file, and the CSV
ledger reading it (``list_open_invoices``, after importing the CLI), which every one of
these commands must do first. Targets: peak RSS <= 300 MB at 100,000, as for the run;
seconds <= 1.5 times the ledger-read floor at 100,000 (below, the start of the CLI,
about a second, weighs in the ratio: it is shown, not judged).

Render + compose is judged against the Gmail send it precedes: a ``drafts.send`` (or
``messages.send``) costs 100 quota units and a mailbox may spend 250 units a second
sustained (15,000 a minute), so one send takes at least 400 ms of the mailbox's quota.
The ``share`` column is the CPU time per email as a share of that interval.

Columns: ``measure``, ``N`` (invoices or emails), ``value`` and its ``unit``, ``share``
of the send interval, ``target`` and PASS/MISS. Targets: planning <= 20 µs per
invoice; render + compose <= 2% of the send interval per email without PDF; peak RSS
<= 300 MB at 100,000 open invoices (``--quick`` measures 10,000, where the target is
not judged but the figure is shown). See bench/README.md for why.
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
#: The most seconds a command printing every open invoice may take, per second of the
#: ledger-read floor (bench/README.md says why).
CLI_FACTOR = 1.5
CLI_COMMANDS = (("plan",), ("plan", "--json"), ("status",))
CSV_FLOOR = (
    "import csv, sys\n"
    "with open(sys.argv[1], encoding='utf-8', newline='') as f:\n"
    "    print(sum(1 for _ in csv.reader(f)))"
)
#: Runs argv[2:], then writes its exit code and its peak RSS (KiB) to argv[1].
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'{code} {peak}')"
)
LEDGER_FLOOR = (
    "import sys, pathlib\n"
    "import sync.cli.commands  # the start every command pays\n"
    "from sync.config.loader import load_settings\n"
    "from sync.run.wiring import build_ledger\n"
    "ledger = build_ledger(load_settings(pathlib.Path(sys.argv[1])))\n"
    "print(sum(1 for _ in ledger.list_open_invoices()))"
)
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


def child(argv: list[str], output: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of a fresh process running ``argv``, stdout to a file.

    A small launcher starts it: a child forked from this large process would count this
    process's memory as its own peak.
    """
    report = output.with_suffix(".rss")
    with output.open("wb") as sink, output.with_suffix(".err").open("wb") as errors:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *argv],
            stdout=sink,
            stderr=errors,
            cwd=ROOT,
            check=True,
        )
        seconds = time.perf_counter() - start
    code, peak = report.read_text().split()
    if code not in ("0", "1"):  # 1: a plan or status with problems (none are written here)
        sys.exit(f"{argv[2:]} exited {code}: {output.with_suffix('.err').read_text()[-2000:]}")
    return seconds, int(peak) / 1024  # KiB on Linux


def cli_cost(count: int) -> list[list[str]]:
    """One row per floor and per command over ``count`` open invoices on a CSV ledger."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_csv(folder / "invoices.csv", count, 300)
        write_config(folder, ledger=CSV_LEDGER, mailbox=MAILDIR, mode="preview")
        config = str(folder / "tahseel.yaml")
        python = sys.executable
        floors = [
            ("read: csv module", [python, "-c", CSV_FLOOR, str(folder / "invoices.csv")]),
            ("read: CSV ledger", [python, "-c", LEDGER_FLOOR, config]),
        ]
        measured = [(name, *child(argv, folder / "floor.out")) for name, argv in floors]
        read = measured[1][1]
        for command in CLI_COMMANDS:
            argv = [python, "-m", "sync", *command, "-c", config, "--today", DAY.isoformat()]
            measured.append((" ".join(command), *child(argv, folder / "command.out")))
    target = CLI_FACTOR * read
    rows = []
    for name, seconds, rss in measured:
        floor = name.startswith("read:")
        judged = count >= 100_000  # below, the start of the CLI weighs in the ratio
        rows.append(
            [
                name,
                f"{count:,}",
                f"{seconds:.2f}",
                f"{seconds / read:.2f}",
                f"{rss:.0f}",
                "-" if floor else f"<= {CLI_FACTOR} x read, <= 300 MB at 100,000",
                "-"
                if floor
                else verdict(seconds <= target and rss <= 300)
                if judged
                else "(not judged)",
            ]
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="10,000 invoices for peak RSS")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes (for tests)")
    mode.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    rss_n, plan_n, mail_n = SIZES["smoke" if args.smoke else "quick" if args.quick else "full"]
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
    print("Commands that print every open invoice (a fresh process each, stdout to a file)")
    headers = ["command", "N", "seconds", "x read", "peak RSS MB", "target", "result"]
    print(table(headers, cli_cost(rss_n)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

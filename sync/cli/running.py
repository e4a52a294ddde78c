"""Getting started and doing the work: ``init``, ``demo``, ``check``, ``plan`` and ``run``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from connectors.errors import LedgerError
from mailer.errors import MailError
from sync.cli import demo as demo_module
from sync.cli import views
from sync.cli.common import (
    ConfigOption,
    OrgOption,
    OrgsOption,
    TodayOption,
    err,
    exit_code_of,
    fail,
    moment_of,
    organisations_of,
    out,
    settings_of,
)
from sync.errors import ConfigError, RunLocked, SyncError
from sync.run import DEFAULT_JOBS
from sync.run.outcome import EXIT_ABORTED, EXIT_LOCKED, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE

if TYPE_CHECKING:
    from rich.progress import Progress

    from sync.config.settings import Settings
    from sync.store.store import Store


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the configuration in.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing configuration.")
    ] = False,
) -> None:
    """Create a configuration to edit, the templates, and demo data in DIRECTORY.

    The demo ledger's dates are moved so its story is set today.
    """
    try:
        demo_module.install(directory, anchor=date.today(), force=force, mode="preview")
    except FileExistsError as exc:
        fail(str(exc))
    out.print(f"Wrote {directory}/tahseel.yaml, {directory}/templates/ and {directory}/demo/.")
    out.print(
        "It starts in preview mode: runs plan and render but send nothing until you set"
        " `mode: test` or `mode: live`."
    )
    out.print(f"Next: tahseel check -c {directory}/tahseel.yaml  (then plan, then run)")


def demo_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo.")] = Path("tahseel-demo"),
    force: Annotated[
        bool,
        typer.Option("--force", help="Write the demo into a folder that holds other files."),
    ] = False,
) -> None:
    """Run the whole loop on made-up data: reminders, a reply, the resend, the notes.

    Creates DIRECTORY afresh (a configuration, a CSV ledger, a Maildir holding a
    customer's reply that says the invoice never arrived) and runs Tahseel on it at the
    next moment inside the policy's send window, so it works on any day. Nothing leaves
    this machine: mail goes into DIRECTORY/demo/mailbox.

    Run again on the same folder, it replaces the earlier demo. It never writes into a
    folder that holds a configuration it did not write, nor, without --force, into any
    other folder that is not empty.
    """
    from sync.config.loader import load_settings
    from sync.config.resources import example_config_dir
    from sync.plan.calendar import calendar_of

    _may_write_demo(directory, force=force)
    source = load_settings(example_config_dir() / "tahseel.yaml")
    moment = calendar_of(source).next_send_moment(datetime.now(UTC))
    demo_module.install(directory, anchor=moment.date(), force=True)
    state = directory / "tahseel-state.db"
    for leftover in directory.glob("tahseel-state.db*"):
        leftover.unlink()
    settings = settings_of(directory / "tahseel.yaml")
    out.print(
        f"Demo in {directory}/, run as of {moment:%A %Y-%m-%d %H:%M}"
        f" ({settings.business.timezone})."
    )
    code = _run_job(settings, moment, dry_run=False, as_json=False)
    config = directory / "tahseel.yaml"
    out.print(
        f"\nThe mail sent:     {directory}/demo/mailbox/.Sent/\n"
        f"The WhatsApp sent: {directory}/demo/texts/outbox.jsonl\n"
        f"The ledger notes:  {directory}/demo/invoices.notes.csv\n"
        f"The state:         {state}\n"
        f"Next:              tahseel status -c {config}\n"
        f"                   tahseel plan -c {config} --today {moment.date() + timedelta(days=8)}"
    )
    # The skipped invoice (no email address) is the story's; `tahseel run` would exit 1.
    raise typer.Exit(EXIT_OK if code == EXIT_SKIPPED else code)


def _may_write_demo(directory: Path, *, force: bool) -> None:
    """Refuse a folder the demo would damage; say what a rerun replaces."""
    state = demo_module.folder_state(directory)
    if state == "configured":
        fail(
            f"{directory}/tahseel.yaml was not written by `tahseel demo` (or was edited"
            " since): the demo never replaces a configuration. Choose another folder,"
            " e.g. `tahseel demo tahseel-demo-2`."
        )
    if state == "other" and not force:
        fail(
            f"{directory} is not empty. Choose a new or empty folder, or add --force to"
            " write the demo there (it writes tahseel.yaml, templates/, demo/ and the"
            " state store, tahseel-state.db)."
        )
    if state == "demo":
        out.print(
            f"Replacing the earlier demo in {directory}/: its ledger, mailbox, notes and"
            " state start afresh."
        )


def check(config: ConfigOption = Path("tahseel.yaml"), orgs: OrgsOption = None) -> None:
    """Validate the configuration and render every template against a sample invoice.

    Checks, writing nothing: every setting (file, line, field); every template in use,
    in English and Arabic (SMS ones measured in segments); the ledger's settings (a CSV
    file reads with the declared delimiter, encoding and separators, the payment link's
    fields, the PDFs in pdf_path; for Xero and QuickBooks, the app's credentials and a
    token file); the mailbox's (a Maildir exists; for Gmail, a token or a key). Its one
    network call: with Twilio credentials set, whether each WhatsApp template is approved.
    Prints every problem at once and exits 2 if there is any; warns of a policy that
    is allowed but probably not meant. Several organisations are checked one by one.
    `tahseel run` checks the settings, templates and payment link before its first email.
    """
    from sync.run.checks import (
        check_ledger_settings,
        check_mailbox_settings,
        check_templates,
        policy_warnings,
    )
    from sync.run.wiring import build_renderer

    problems, warnings = [], []
    for settings in organisations_of(config, orgs or [], every=True):
        found = check_templates(settings, build_renderer(settings))
        found += check_ledger_settings(settings, files=True)
        found += check_mailbox_settings(settings)
        org = settings.organisation
        problems += [f"[{org}] {line}" if org else line for line in found]
        doubts = policy_warnings(settings)
        warnings += [f"[{org}] {line}" if org else line for line in doubts]
    for line in warnings:
        err.print(f"warning: {line}", markup=False, highlight=False)
    for line in problems:
        err.print(line, markup=False, highlight=False)
    if problems:
        fail(f"{len(problems)} problem(s); fix them before running.")
    out.print(f"{config}: configuration and templates are fine.")


def plan_command(
    config: ConfigOption = Path("tahseel.yaml"),
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="Print the actions and the skipped invoices as CSV."),
    ] = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Print every row (over 200, a summary and the first 20)."),
    ] = False,
    org: OrgOption = None,
) -> None:
    """Show what a run would do now (or on --today), without sending or writing anything.

    The plan is the run's own: replies asking for the invoice again show as resends,
    and invoices the run would skip (an implausible amount, an unknown currency, no
    email address, only addresses that bounced) show as skipped, with the reason.

    A plan of more than 200 rows (actions, skipped and excluded invoices) prints the
    counts by action, stage, currency and skip reason, then the first 20 actions and
    how many it did not show; --all prints every row.

    With --json: {"actions": [...], "skipped": [{"invoice": ..., "reason": ...}],
    "problems": [...]}. With --csv: a header, then one row an action (the fields of
    --json's actions; "to" and "cc" joined by ", ") and one row a skipped invoice
    (action "skip", with its reason); the problems go to stderr. Problems (rows of the
    ledger that cannot be read, replies that match no invoice, bounced addresses) make
    the exit code 1.
    """
    from sync.cli import listings
    from sync.run.checks import check_payment_link
    from sync.run.job import Job
    from sync.run.preview import preview
    from sync.run.wiring import build_ledger, build_renderer, build_transport

    if as_json and as_csv:
        fail("--json and --csv: choose one of them.")
    settings = settings_of(config, org)
    now = moment_of(settings, today)
    for line in check_payment_link(settings):
        err.print(line, markup=False, highlight=False)
        fail("The payment link is broken; fix it before planning. Run `tahseel check`.")
    try:
        job = Job(
            settings,
            build_ledger(settings),
            build_transport(settings),
            _store_to_read(settings),
            build_renderer(settings),
            now,
            dry_run=True,
        )
        seen = preview(job)
    except ConfigError as exc:
        fail(str(exc))
    except (LedgerError, MailError, SyncError) as exc:
        fail(f"cannot plan: {exc}", exit_code_of(exc))
    report = seen.report
    if as_json:
        listings.write_plan_json(sys.stdout, seen.plan, seen.skipped, report.problems)
    elif as_csv:
        listings.write_plan_csv(sys.stdout, seen.plan, seen.skipped)
        for line in report.problems:
            err.print(f"problem: {line}", markup=False, highlight=False, soft_wrap=True)
    else:
        listings.print_plan(out, seen.plan, report, every=every)
        closed = report.window_closed
        if closed and not seen.plan.actions:
            out.print(f"No mail would go out at {now:%Y-%m-%d %H:%M %Z}: {closed}. Try --today.")
    if report.problems:
        raise typer.Exit(EXIT_SKIPPED)


def _store_to_read(settings: Settings) -> Store:
    """The state store, or an empty one in memory when its SQLite file does not exist yet.

    A plan writes nothing, so it does not create the state store a first run creates.
    """
    from sync.run.wiring import build_store
    from sync.store.store import Store

    url = settings.state_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and "?" not in url and not Path(url[len(prefix) :]).exists():
        return Store("sqlite:///:memory:")
    return build_store(settings)


def run(
    config: ConfigOption = Path("tahseel.yaml"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and render; send and write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    today: TodayOption = None,
    approve: Annotated[
        str | None,
        typer.Option(
            "--approve",
            metavar="FINGERPRINT",
            help="Send a plan the circuit breaker stopped, after checking it with `tahseel"
            " plan`; the fingerprint is printed when it stops.",
        ),
    ] = None,
    orgs: OrgsOption = None,
    jobs: Annotated[
        int, typer.Option("--jobs", min=1, help="Organisations run at once, at most.")
    ] = DEFAULT_JOBS,
) -> None:
    """Do today's work: read replies, send due reminders, write notes, print a summary.

    Safe to run as often as you like (cron, every hour): nothing is ever sent twice. In
    `mode: preview` (the default) it plans and renders but sends nothing; in `mode:
    test` every message goes to `test_recipients`. A plan far larger than usual stops
    before its first email (exit 4) until approved with --approve.

    A configuration that lists organisations runs them all (or those named with --org),
    --jobs at a time; an organisation another runner holds is left to it. The exit
    code is the worst of theirs, and 3 only when every one was held elsewhere.
    """
    from sync.reports import summary
    from sync.run.firm import run_organisations

    chosen = organisations_of(config, orgs or [], every=True)
    if chosen[0].organisation is not None:
        moments = {s.organisation: moment_of(s, today) for s in chosen}
        results = run_organisations(
            chosen,
            lambda s: moments[s.organisation],
            jobs=jobs,
            dry_run=dry_run,
            approve=approve,
            started_at=datetime.now(UTC),
        )
        summary.write_step_summary(results)
        raise typer.Exit(views.print_organisations(out, results, as_json=as_json))
    settings = chosen[0]
    now = moment_of(settings, today)
    raise typer.Exit(_run_job(settings, now, dry_run=dry_run, as_json=as_json, approve=approve))


def _run_job(
    settings: Settings,
    now: datetime,
    *,
    dry_run: bool,
    as_json: bool,
    approve: str | None = None,
) -> int:
    from sync.plan.calendar import calendar_of
    from sync.reports import summary
    from sync.run.checked import templates_checked
    from sync.run.checks import check_payment_link
    from sync.run.job import Job
    from sync.run.wiring import build_ledger, build_renderer, build_store, build_transport

    renderer = build_renderer(settings)
    problems = templates_checked(settings, renderer) + check_payment_link(settings)
    if problems:
        for line in problems:
            err.print(line, markup=False, highlight=False)
        err.print("The configuration has problems; nothing was sent. Run `tahseel check`.")
        return EXIT_USAGE
    try:
        job = Job(
            settings,
            build_ledger(settings),
            build_transport(settings),
            build_store(settings),
            renderer,
            now,
            dry_run=dry_run,
            approve=approve,
            started_at=datetime.now(UTC),
        )
        with _progress(enabled=not as_json and sys.stderr.isatty()) as bar:
            job.progress = bar
            report = job.run()
    except RunLocked as exc:
        err.print(f"Not run: {exc}", markup=False)
        return EXIT_LOCKED
    except ConfigError as exc:
        err.print(str(exc), markup=False, highlight=False)
        return EXIT_USAGE
    except (LedgerError, MailError, SyncError) as exc:
        err.print(f"Aborted: {exc}", markup=False)
        return EXIT_ABORTED
    summary.write_step_summary([(None, report)])
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        views.print_report(out, report, calendar_of(settings).why_closed(now))
    return report.exit_code


class _progress:
    """A progress bar on a terminal, silent otherwise; callable as (done, total)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.task: object = None

    def __enter__(self) -> _progress:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("sending"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            return
        if self.task is None:
            self.task = self.bar.add_task("send", total=total)
        self.bar.update(self.task, completed=done)  # type: ignore[arg-type]

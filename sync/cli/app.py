"""The ``tahseel`` command. Thin: it parses, builds the parts, runs, and prints."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, cast
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from connectors.errors import LedgerError
from mailer.errors import MailError
from sync.cli import demo as demo_module
from sync.cli import views
from sync.config.durations import parse_age
from sync.config.loader import load_organisations, load_settings
from sync.config.organisations import select, select_all
from sync.config.resources import example_config_dir
from sync.config.services import (
    GmailSettings,
    MissingSecret,
    QuickBooksLedgerSettings,
    XeroLedgerSettings,
    secret,
)
from sync.config.settings import Settings
from sync.errors import ConfigError, RunLocked, SyncError
from sync.plan.planner import plan, plan_rows
from sync.reports import summary
from sync.reports.heartbeat import check as check_heartbeat
from sync.run import checks
from sync.run.firm import DEFAULT_JOBS, run_organisations
from sync.run.job import Job, calendar_of
from sync.run.outcome import (
    EXIT_ABORTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_SKIPPED,
    EXIT_STALE,
    EXIT_USAGE,
)
from sync.run.wiring import build_ledger, build_renderer, build_store, build_transport

EXIT_CODES = """Exit codes (for cron and CI): 0 done; 1 done, but some invoices were skipped or
had errors (see the summary); 2 usage or configuration error; 3 not run, another run
holds the lock; 4 aborted (authorisation, quota, state store); 5 stale: `tahseel
heartbeat` found no successful run within the allowed age."""

app = typer.Typer(
    help=(
        "Tahseel chases unpaid invoices politely, in Arabic and English: reminders before,\n"
        "on and after the due date from your own mailbox, replies understood, every step\n"
        "noted on the invoice.\n\n"
        "Start with `tahseel demo` to see the whole loop on made-up data, or `tahseel init\n"
        "DIR` to get a configuration to edit; then `tahseel check`, `tahseel plan` and\n"
        "`tahseel run` (daily, from cron or a scheduled CI job).\n\n" + EXIT_CODES
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
# Piped into a file or a CI log there is no terminal width to respect: keep rows whole.
# Lines of text stay whole too (soft wrap), so a log line can be searched for.
out = Console() if sys.stdout.isatty() else Console(width=200, soft_wrap=True)
err = (
    Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=200, soft_wrap=True)
)

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar="TAHSEEL_CONFIG",
        help="The configuration file.",
        show_default=True,
    ),
]
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar="TAHSEEL_ORG",
        help="The organisation to act on, when the configuration lists several.",
    ),
]
OrgsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--org",
        help="Only this organisation (repeat for several); all of them when not given.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Act as if it were this day (YYYY-MM-DD), at the start of the send window.",
    ),
]


def main() -> None:
    """Entry point of the ``tahseel`` console script."""
    logging.basicConfig(
        level=os.environ.get("TAHSEEL_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    app()


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


def _settings(path: Path, org: str | None = None) -> Settings:
    """The settings of one business: the file's own, or of the organisation named."""
    return _organisations(path, [org] if org else [], every=False)[0]


def _organisations(path: Path, names: list[str], *, every: bool) -> list[Settings]:
    """The organisations named, or (``every``) all of them when none is named."""
    if not path.exists():
        demo = Path("tahseel-demo") / "tahseel.yaml"
        hint = f" The demo's is {demo}: pass -c {demo}." if demo.exists() else ""
        _fail(
            f"{path}: no such configuration file. Pass -c FILE or set TAHSEEL_CONFIG;"
            f" `tahseel init DIR` writes one to edit.{hint}"
        )
    try:
        found = load_organisations(path)
        return select_all(found, names) if every else select(found, names)
    except ConfigError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        _fail(f"{len(exc.issues)} problem(s) in the configuration; nothing was done.")


def _moment(settings: Settings, today: str | None) -> datetime:
    if today is None:
        return datetime.now(UTC)
    try:
        day = date.fromisoformat(today)
    except ValueError:
        _fail(f"--today: expected a date like 2026-12-01, got {today!r}")
    start = settings.calendar.send_window.start
    return datetime.combine(day, start, tzinfo=ZoneInfo(settings.business.timezone))


@app.command()
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
        _fail(str(exc))
    out.print(f"Wrote {directory}/tahseel.yaml, {directory}/templates/ and {directory}/demo/.")
    out.print(
        "It starts in preview mode: runs plan and render but send nothing until you set"
        " `mode: test` or `mode: live`."
    )
    out.print(f"Next: tahseel check -c {directory}/tahseel.yaml  (then plan, then run)")


@app.command(name="demo")
def demo_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo.")] = Path("tahseel-demo"),
) -> None:
    """Run the whole loop on made-up data: reminders, a reply, the resend, the notes.

    Creates DIRECTORY afresh (a configuration, a CSV ledger, a Maildir holding a
    customer's reply that says the invoice never arrived) and runs Tahseel on it at the
    next moment inside the policy's send window, so it works on any day. Nothing leaves
    this machine: mail goes into DIRECTORY/demo/mailbox.
    """
    source = load_settings(example_config_dir() / "tahseel.yaml")
    moment = calendar_of(source).next_send_moment(datetime.now(UTC))
    demo_module.install(directory, anchor=moment.date(), force=True)
    state = directory / "tahseel-state.db"
    for leftover in directory.glob("tahseel-state.db*"):
        leftover.unlink()
    settings = _settings(directory / "tahseel.yaml")
    out.print(
        f"Demo in {directory}/, run as of {moment:%A %Y-%m-%d %H:%M}"
        f" ({settings.business.timezone})."
    )
    code = _run_job(settings, moment, dry_run=False, as_json=False)
    config = directory / "tahseel.yaml"
    out.print(
        f"\nThe mail sent:     {directory}/demo/mailbox/.Sent/\n"
        f"The ledger notes:  {directory}/demo/invoices.notes.csv\n"
        f"The state:         {state}\n"
        f"Next:              tahseel status -c {config}\n"
        f"                   tahseel plan -c {config} --today {moment.date() + timedelta(days=8)}"
    )
    # The skipped invoice (no email address) is part of the story, not a failure of the
    # demo; a scheduled `tahseel run` would exit 1 for it.
    raise typer.Exit(EXIT_OK if code == EXIT_SKIPPED else code)


@app.command()
def check(config: ConfigOption = Path("tahseel.yaml"), orgs: OrgsOption = None) -> None:
    """Validate the configuration and render every template against a sample invoice.

    Prints every problem (file, line, field) at once; exits 2 if there is any. A
    configuration of several organisations is checked for each of them.
    """
    problems = []
    for settings in _organisations(config, orgs or [], every=True):
        found = checks.check_templates(settings, build_renderer(settings))
        found += checks.check_ledger_settings(settings)
        found += checks.check_mailbox_settings(settings)
        org = settings.organisation
        problems += [f"[{org}] {line}" if org else line for line in found]
    for line in problems:
        err.print(line, markup=False, highlight=False)
    if problems:
        _fail(f"{len(problems)} problem(s); fix them before running.")
    out.print(f"{config}: configuration and templates are fine.")


@app.command(name="plan")
def plan_command(
    config: ConfigOption = Path("tahseel.yaml"),
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    org: OrgOption = None,
) -> None:
    """Show what a run would do now (or on --today), without sending or writing anything."""
    settings = _settings(config, org)
    now = _moment(settings, today)
    try:
        ledger, store = build_ledger(settings), build_store(settings)
        invoices = list(ledger.list_open_invoices())
        result = plan(
            invoices,
            store.history(settings.tenant),
            settings.policy,
            calendar_of(settings),
            now,
            languages=settings.language,
        )
    except ConfigError as exc:
        _fail(str(exc))
    except (LedgerError, SyncError) as exc:
        _fail(f"cannot plan: {exc}", EXIT_ABORTED)
    if as_json:
        out.print_json(json.dumps(plan_rows(result), ensure_ascii=False))
        return
    views.print_plan(out, result, ledger.problems)


@app.command()
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
    chosen = _organisations(config, orgs or [], every=True)
    if chosen[0].organisation is not None:
        moments = {s.organisation: _moment(s, today) for s in chosen}
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
    now = _moment(settings, today)
    raise typer.Exit(_run_job(settings, now, dry_run=dry_run, as_json=as_json, approve=approve))


def _run_job(
    settings: Settings,
    now: datetime,
    *,
    dry_run: bool,
    as_json: bool,
    approve: str | None = None,
) -> int:
    renderer = build_renderer(settings)
    problems = checks.check_templates(settings, renderer)
    if problems:
        for line in problems:
            err.print(line, markup=False, highlight=False)
        err.print("Templates have problems; nothing was sent. Run `tahseel check`.")
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


@app.command()
def status(
    config: ConfigOption = Path("tahseel.yaml"),
    today: TodayOption = None,
    org: OrgOption = None,
) -> None:
    """List open invoices (days overdue, stage reached, last contact, holds) and the aging."""
    settings = _settings(config, org)
    now = _moment(settings, today)
    try:
        invoices = list(build_ledger(settings).list_open_invoices())
        store = build_store(settings)
    except ConfigError as exc:
        _fail(str(exc))
    except (LedgerError, SyncError) as exc:
        _fail(f"cannot read: {exc}", EXIT_ABORTED)
    views.print_status(out, settings, invoices, store, now)


@app.command()
def report(
    config: ConfigOption = Path("tahseel.yaml"),
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "tahseel-report.html"
    ),
    today: TodayOption = None,
    language: Annotated[
        str | None,
        typer.Option(help="en or ar (right to left); the configuration's language.default."),
    ] = None,
    within: Annotated[
        int,
        typer.Option(min=1, max=365, help="Days after a reminder a payment counts as its effect."),
    ] = 14,
    history_days: Annotated[
        int, typer.Option("--days", min=1, max=3650, help="Days of payment and send history read.")
    ] = 365,
    org: OrgOption = None,
) -> None:
    """Write the aging and effectiveness report as one self-contained HTML file.

    Aging per currency, days sales outstanding, the customers who pay late most often
    (from the ledger's paid invoices), what Tahseel sent per stage and how many of
    those reminders were followed by payment within --within days, with charts. Opens
    in any browser with no network; an Arabic report reads right to left. A ledger that
    cannot list paid invoices gives a report without the late payers and the effect.
    """
    from sync.reports.page import make_report

    settings = _settings(config, org)
    if language not in (None, "en", "ar"):
        _fail(f"--language: expected en or ar, got {language!r}")
    page_language = cast(Literal["en", "ar"] | None, language)
    try:
        page = make_report(
            settings,
            build_ledger(settings),
            build_store(settings),
            _moment(settings, today),
            history_days=history_days,
            within=within,
            language=page_language,
        )
    except ConfigError as exc:
        _fail(str(exc))
    except (LedgerError, SyncError) as exc:
        _fail(f"cannot read: {exc}", EXIT_ABORTED)
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        _fail(f"--output: cannot write {output}: {exc.strerror}")
    out.print(f"Wrote {output}.", markup=False, highlight=False)


@app.command()
def heartbeat(
    config: ConfigOption = Path("tahseel.yaml"),
    max_age: Annotated[
        str | None,
        typer.Option(
            "--max-age",
            metavar="AGE",
            help="Longest acceptable time since the last successful run, e.g. 26h, 90m, 2d"
            " (default: heartbeat.max_age in the configuration, else 26h).",
        ),
    ] = None,
    orgs: OrgsOption = None,
) -> None:
    """Fail (exit 5) when no run has finished successfully for longer than an age.

    Schedules stop quietly: a lost crontab, a disabled GitHub schedule, a stopped
    timer. Every finished `tahseel run` is recorded in the state store; this reads the
    newest successful one (exit 0 or 1: it did its work) and exits 0 if it is recent
    enough, else prints why and exits 5. Aborted runs, killed runs, dry runs and
    previews do not count. Run it from a separate schedule or monitor, e.g. hourly
    from cron:

      30 * * * *  tahseel heartbeat -c /srv/acme/tahseel.yaml --max-age 26h || notify-me

    26h suits a daily run: a day plus slack for a slow or late one.
    With several organisations each one is checked (or those given with --org), and
    one that is stale makes the exit 5.
    """
    given = None
    if max_age is not None:
        try:
            given = parse_age(max_age)
        except ValueError as exc:
            _fail(f"--max-age: {exc}")
    stale = False
    for settings in _organisations(config, orgs or [], every=True):
        label = f"{settings.organisation}: " if settings.organisation else ""
        age = settings.heartbeat.max_age if given is None else given
        try:
            beat = check_heartbeat(build_store(settings), settings.tenant, datetime.now(UTC), age)
        except SyncError as exc:
            _fail(f"{label}cannot read the runs: {exc}", EXIT_ABORTED)
        if beat.ok:
            out.print(f"OK: {label}{beat.message}.", markup=False, highlight=False)
        else:
            err.print(f"STALE: {label}{beat.message}.", markup=False, highlight=False)
            stale = True
    if stale:
        raise typer.Exit(EXIT_STALE)


@app.command()
def pause(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    config: ConfigOption = Path("tahseel.yaml"),
    reason: Annotated[
        str, typer.Option(help="Why; shown in status and noted.")
    ] = "paused by a person",
    org: OrgOption = None,
) -> None:
    """Stop reminders to one invoice until `tahseel resume`."""
    _hold(_settings(config, org), invoice, paused=reason)


@app.command()
def resume(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Lift a pause or snooze: reminders go on from the next rung."""
    _hold(_settings(config, org), invoice, paused=None, snoozed_until=None)


@app.command()
def snooze(
    invoice: Annotated[str, typer.Argument(help="Invoice number.")],
    until: Annotated[str, typer.Option(help="Day reminders may start again (YYYY-MM-DD).")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Hold reminders to one invoice until a day, e.g. the date the customer promised."""
    try:
        day = date.fromisoformat(until)
    except ValueError:
        _fail(f"--until: expected a date like 2026-12-01, got {until!r}")
    _hold(_settings(config, org), invoice, snoozed_until=day)


@app.command()
def unbounce(
    address: Annotated[str, typer.Argument(help="The email address that bounced.")],
    config: ConfigOption = Path("tahseel.yaml"),
    org: OrgOption = None,
) -> None:
    """Email an address again after a bounce, once it is known to work.

    When a delivery failure report names an address, Tahseel stops emailing it and
    says so in every run's summary. Correcting the address in the ledger is enough;
    use this when the same address works again (a full mailbox, a fixed server).
    """
    settings = _settings(config, org)
    if build_store(settings).clear_failing(settings.tenant, address):
        out.print(f"{address}: will be emailed again.")
        raise typer.Exit(EXIT_OK)
    _fail(f"{address} was not marked as bouncing.")


def _hold(settings: Settings, number: str, **values: object) -> None:
    ledger, store = build_ledger(settings), build_store(settings)
    matches = [inv for inv in ledger.list_open_invoices() if inv.number == number]
    if not matches:
        _fail(f"no open invoice numbered {number!r} in {ledger.describe()}")
    inv = matches[0]
    store.set_control(settings.tenant, inv.id, inv.number, datetime.now(UTC), **values)
    out.print(f"{number}: {', '.join(f'{k}={v}' for k, v in values.items())}")
    raise typer.Exit(EXIT_OK)


auth_app = typer.Typer(
    help="Connect Tahseel to an online service once; the token is kept for later runs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(auth_app, name="auth")


@auth_app.command(name="xero")
def auth_xero(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel for your Xero organisation(s) and store the token.

    Needs `ledger.type: xero` in the configuration, the app's client id and secret
    in the environment variables it names (XERO_CLIENT_ID, XERO_CLIENT_SECRET by
    default), and http://localhost:8765/callback (or `ledger.auth_port`) registered
    as the app's redirect URI at developer.xero.com. Opens Xero's consent page, waits
    for you to approve, and writes `ledger.token_file` (mode 0600).
    """
    from connectors.xero.auth import AUTHORIZE_URL, authorise

    settings = _settings(config, org)
    ledger = settings.ledger
    if not isinstance(ledger, XeroLedgerSettings):
        _fail(f"{config}: ledger.type is {ledger.type}, not xero; nothing to authorise.")
    client_id, client_secret = _app_credentials(config, ledger)
    identity = (ledger.identity_url or "https://identity.xero.com").rstrip("/")
    connections = (ledger.connections_url or "https://api.xero.com").rstrip("/")
    token_file = settings.resolve(ledger.token_file)

    try:
        tenants = authorise(
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            port=ledger.auth_port,
            authorize_url=ledger.login_url or AUTHORIZE_URL,
            token_url=f"{identity}/connect/token",
            connections_url=f"{connections}/connections",
            show=_consent_page(no_browser, "Xero"),
        )
    except LedgerError as exc:
        _fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"\nConnected. Token stored in {token_file} (mode 0600).")
    for tenant in tenants:
        out.print(f"  {tenant['tenantName']}  tenant_id: {tenant['tenantId']}", markup=False)
    if len(tenants) > 1 and not ledger.tenant_id:
        out.print("Several organisations: set ledger.tenant_id to the one to chase.")


@auth_app.command(name="gmail")
def auth_gmail(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel to send from and read the Gmail mailbox, and store the token.

    Needs `mailbox.type: gmail` and an OAuth client of type "Desktop app" from Google
    Cloud (APIs & Services > Credentials), downloaded as `mailbox.client_secrets_file`.
    Sign in as the sender (`sender.email`); the token is written to `mailbox.token_file`
    (mode 0600). The scope asked for is gmail.modify: drafts and sending, reading
    replies, and the Tahseel label.
    """
    from mailer.errors import MailError
    from mailer.gmail.auth import authorize_installed_app

    settings = _settings(config, org)
    box = settings.mailbox
    if not isinstance(box, GmailSettings):
        _fail(f"{config}: mailbox.type is {box.type}, not gmail; nothing to authorise.")
    secrets_file = settings.resolve(box.client_secrets_file)
    if not secrets_file.exists():
        _fail(
            f"{config}: mailbox.client_secrets_file: {secrets_file} does not exist; download"
            " the OAuth client (Desktop app) JSON from Google Cloud."
        )
    token_file = settings.resolve(box.token_file)
    try:
        authorize_installed_app(secrets_file, token_file, open_browser=not no_browser)
    except (MailError, ValueError, OSError) as exc:
        _fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"Connected. Token stored in {token_file} (mode 0600).")


@app.command()
def classify(
    source: Annotated[
        str,
        typer.Argument(help="A file holding the reply (text or a whole message); - reads stdin."),
    ] = "-",
    received: Annotated[
        str | None,
        typer.Option(help="The day the reply arrived (YYYY-MM-DD); promised dates count from it."),
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read one JSON object per line, {"text": ..., "received": ...};'
            " write one per line.",
        ),
    ] = False,
) -> None:
    """Say what a customer's reply means: the intent and any promised payment date.

    Prints {"intent": ..., "promised_date": "YYYY-MM-DD" or null}. The intents are
    invoice_not_received, already_paid, dispute, promise_to_pay, payment_plan,
    auto_reply and other. A whole RFC 822 message is understood too (its headers tell
    auto-replies and bounces). Nothing is sent and no configuration is needed.
    """
    from sync.replies.understanding import understand_message

    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    default_day = _day(received) if received else date.today()
    if not jsonl:
        result = understand_message(data, received=default_day)
        print(json.dumps(_intent_row(result), ensure_ascii=False))
        return
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            day = _day(item["received"]) if item.get("received") else default_day
            result = understand_message(str(item["text"]).encode("utf-8"), received=day)
        except (ValueError, KeyError, TypeError) as exc:
            _fail(f'{source}:{number}: expected {{"text": ..., "received": ...}} ({exc})')
        print(json.dumps(_intent_row(result), ensure_ascii=False))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"expected a date like 2026-12-01, got {text!r}")


def _intent_row(result: Any) -> dict[str, Any]:
    return {
        "intent": result.intent.value,
        "promised_date": result.promised_date.isoformat() if result.promised_date else None,
    }


@auth_app.command(name="quickbooks")
def auth_quickbooks(
    config: ConfigOption = Path("tahseel.yaml"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Authorise Tahseel for your QuickBooks Online company and store the token.

    Needs `ledger.type: quickbooks`, the app's client id and secret in the environment
    variables it names (QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET by default), and
    http://localhost:8765/callback (or `ledger.auth_port`) registered as a redirect URI
    at developer.intuit.com. Opens Intuit's consent page, waits for you to choose the
    company, and writes `ledger.token_file` (mode 0600) with the company's realm id.
    """
    from connectors.quickbooks.auth import authorise

    settings = _settings(config, org)
    ledger = settings.ledger
    if not isinstance(ledger, QuickBooksLedgerSettings):
        _fail(f"{config}: ledger.type is {ledger.type}, not quickbooks; nothing to authorise.")
    client_id, client_secret = _app_credentials(config, ledger)
    token_file = settings.resolve(ledger.token_file)
    try:
        realm = authorise(
            client_id=client_id,
            client_secret=client_secret,
            token_file=token_file,
            environment=ledger.environment,
            discovery_url=ledger.discovery_url,
            port=ledger.auth_port,
            show=_consent_page(no_browser, "QuickBooks"),
        )
    except LedgerError as exc:
        _fail(f"Not connected: {exc}", EXIT_ABORTED)
    out.print(f"\nConnected to company {realm}. Token stored in {token_file} (mode 0600).")


def _app_credentials(
    config: Path, ledger: XeroLedgerSettings | QuickBooksLedgerSettings
) -> tuple[str, str]:
    try:
        client_id = secret("ledger.client_id_env", ledger.client_id_env)
        client_secret = secret("ledger.client_secret_env", ledger.client_secret_env)
    except MissingSecret as exc:
        _fail(f"{config}: {exc}")
    return client_id.get_secret_value(), client_secret.get_secret_value()


def _consent_page(no_browser: bool, service: str) -> Any:
    def show(url: str) -> None:
        out.print(f"Open this page, sign in to {service} and allow access:\n")
        out.print(url, markup=False, highlight=False, soft_wrap=True)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    return show

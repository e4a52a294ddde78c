"""Reading the state and replies: ``status``, ``report``, ``heartbeat`` and ``classify``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

from connectors.errors import LedgerError
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
from sync.errors import ConfigError, SyncError
from sync.run.outcome import EXIT_ABORTED, EXIT_SKIPPED, EXIT_STALE


def status(
    config: ConfigOption = Path("tahseel.yaml"),
    today: TodayOption = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Print every row (over 200, a summary and the first 20)."),
    ] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print the open invoices as CSV, without the aging.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """List open invoices (days overdue, stage reached, last contact, holds) and the aging.

    Over 200 open invoices it prints how many are at each stage reached and in each
    aging bucket, per currency, then the 20 most overdue and how many it did not show;
    --all prints every row. With --csv: a header, then one row an open invoice, the most
    overdue first (days_late is negative before the due date). Rows of the ledger that
    cannot be read are listed after the tables (with --csv, on stderr), which leave
    them out, and make the exit code 1.
    """
    from sync.cli.instalments import print_plans
    from sync.cli.status_rows import print_status, write_status_csv
    from sync.run.wiring import build_ledger, build_store

    settings = settings_of(config, org)
    now = moment_of(settings, today)
    try:
        ledger = build_ledger(settings)
        invoices = list(ledger.list_open_invoices())
        store = build_store(settings)
    except ConfigError as exc:
        fail(str(exc))
    except (LedgerError, SyncError) as exc:
        fail(f"cannot read: {exc}", exit_code_of(exc))
    if as_csv:
        write_status_csv(sys.stdout, settings, invoices, store, now)
    else:
        print_status(out, settings, invoices, store, now, every=every)
        print_plans(out, settings, invoices, store, now, every=False)
    views.print_ledger_problems(err if as_csv else out, ledger.problems)
    if ledger.problems:
        raise typer.Exit(EXIT_SKIPPED)


REPORT_MARK = b'<meta name="generator" content="Tahseel report">'
"""The line by which a file is known as a report this command wrote (it may replace it)."""


def _is_report(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return REPORT_MARK in file.read(4096)
    except OSError:
        return False


def report(
    config: ConfigOption = Path("tahseel.yaml"),
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "tahseel-report.html"
    ),
    today: TodayOption = None,
    language: Annotated[
        str | None,
        typer.Option(
            help="en or ar (right to left, digits per language.digits);"
            " default: the configuration's language.default."
        ),
    ] = None,
    within: Annotated[
        int,
        typer.Option(min=1, max=365, help="Days after a reminder a payment counts as its effect."),
    ] = 14,
    history_days: Annotated[
        int, typer.Option("--days", min=1, max=3650, help="Days of payment and send history read.")
    ] = 365,
    org: OrgOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --output even if it is not a report.")
    ] = False,
) -> None:
    """Write the aging and effectiveness report as one self-contained HTML file.

    Aging per currency, days sales outstanding, the customers who pay late most often
    (from the ledger's paid invoices), what Tahseel sent per stage and how many of
    those reminders were followed by payment within --within days, with charts. Opens
    in any browser with no network; an Arabic report reads right to left. A ledger that
    cannot list paid invoices gives a report without the late payers and the effect.
    Rows of the ledger that cannot be read are listed in a "could not read" section
    (and printed); the report is still written, and the exit code is 1.
    """
    from sync.reports.page import make_report
    from sync.run.wiring import build_ledger, build_store

    settings = settings_of(config, org)
    if language not in (None, "en", "ar"):
        fail(f"--language: expected en or ar, got {language!r}")
    page_language = cast(Literal["en", "ar"] | None, language)
    try:
        made = make_report(
            settings,
            build_ledger(settings),
            build_store(settings),
            moment_of(settings, today),
            history_days=history_days,
            within=within,
            language=page_language,
        )
    except ConfigError as exc:
        fail(str(exc))
    except (LedgerError, SyncError) as exc:
        fail(f"cannot read: {exc}", exit_code_of(exc))
    if output.exists() and not force and not _is_report(output):
        fail(
            f"--output: {output} exists and is not a Tahseel report; name another file,"
            " or add --force to replace it"
        )
    try:
        output.write_text(made.html, encoding="utf-8")
    except OSError as exc:
        fail(f"--output: cannot write {output}: {exc.strerror}")
    out.print(f"Wrote {output}.", markup=False, highlight=False)
    views.print_ledger_problems(out, made.problems, left_out_of=f"every figure in {output}")
    if made.problems:
        raise typer.Exit(EXIT_SKIPPED)


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
    from sync.config.durations import parse_age
    from sync.reports.heartbeat import check as check_heartbeat
    from sync.run.wiring import build_store

    given = None
    if max_age is not None:
        try:
            given = parse_age(max_age)
        except ValueError as exc:
            fail(f"--max-age: {exc}")
    stale = False
    for settings in organisations_of(config, orgs or [], every=True):
        label = f"{settings.organisation}: " if settings.organisation else ""
        age = settings.heartbeat.max_age if given is None else given
        try:
            beat = check_heartbeat(build_store(settings), settings.tenant, datetime.now(UTC), age)
        except SyncError as exc:
            fail(f"{label}cannot read the runs: {exc}", EXIT_ABORTED)
        if beat.ok:
            out.print(f"OK: {label}{beat.message}.", markup=False, highlight=False)
        else:
            err.print(f"STALE: {label}{beat.message}.", markup=False, highlight=False)
            stale = True
    if stale:
        raise typer.Exit(EXIT_STALE)


def classify(
    source: Annotated[
        str,
        typer.Argument(help="A file holding the reply (text or a whole message); - reads stdin."),
    ] = "-",
    received: Annotated[
        str | None,
        typer.Option(
            help="When the reply was written: a day (YYYY-MM-DD), an ISO 8601 date-time with"
            " its offset, or a Date header's RFC 2822 date; promised dates count from that"
            " day in the writer's time zone."
        ),
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='Read one JSON object per line, {"text": ..., "subject": ..., "received":'
            ' ...} ("subject" and "received" may be left out); write one per line.',
        ),
    ] = False,
) -> None:
    """Say what a customer's reply means: the intent and any promised payment date.

    Prints {"intent": ..., "promised_date": "YYYY-MM-DD" or null, "confidence": 0 to 1}
    (the score below which a run only tells a person: replies.min_confidence). The intents are
    invoice_not_received, already_paid, dispute, promise_to_pay, payment_plan,
    auto_reply and other. A whole RFC 822 message is understood too (its headers tell
    auto-replies and bounces). Nothing is sent and no configuration is needed.
    """
    from sync.replies.understanding import understand, understand_message

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
            day = _writer_day(item["received"]) if item.get("received") else default_day
            if item.get("subject"):  # a reply's subject says much ("Automatic reply: ...")
                result = understand(str(item["text"]), subject=str(item["subject"]), received=day)
            else:
                result = understand_message(str(item["text"]).encode("utf-8"), received=day)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            fail(
                f'{source}:{number}: expected {{"text": ..., "subject": ..., "received": ...}}'
                f" ({exc})"
            )
        print(json.dumps(_intent_row(result), ensure_ascii=False))


def _day(text: str) -> date:
    from sync.replies.promises import writer_day

    try:
        return writer_day(text)
    except ValueError as exc:
        fail(f"--received: {exc}")


def _writer_day(value: object) -> date:
    from sync.replies.promises import writer_day

    return writer_day(str(value))


def _intent_row(result: Any) -> dict[str, Any]:
    return {
        "intent": result.intent.value,
        "promised_date": result.promised_date.isoformat() if result.promised_date else None,
        "confidence": result.score,
    }

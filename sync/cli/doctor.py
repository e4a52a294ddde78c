"""``tahseel doctor``: ask the ledger and the mailbox, reading only, whether a run will work."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from sync.cli.common import ConfigOption, OrgsOption, organisations_of, out
from sync.run.outcome import EXIT_OK, EXIT_USAGE

_MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def doctor(
    config: ConfigOption = Path("tahseel.yaml"),
    orgs: OrgsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checklist as JSON.")] = False,
) -> None:
    """Check, reading only, that `tahseel run` will work: run it after `tahseel auth`.

    Beyond what `tahseel check` reads from the files, asks the services. The ledger:
    the token (valid or refreshable, and its scopes), the organisation or company, the
    calls left today, the open invoices, a payment link for one of them, whether notes
    can be written. The mailbox: for Gmail the token and its scopes, the sender address
    (the account's own or a verified alias), the label and the messages left under the
    daily cap; for a Maildir, its folder. The state store: reachable, and its last run.
    Nothing is sent, no note is written and no label is made; the ledger's reads count
    against its API limits like a run's do (a few calls, more for a large ledger).

    Prints a checklist; each FAIL line says what to do. Exits 0 when everything a run
    needs holds (warnings allowed) and 2 otherwise. With --json: {"organisations":
    [{"organisation", "lines": [{"part", "what", "verdict", "says"}], "ok"}], "ok"}.
    """
    from sync.plan.calendar import calendar_of
    from sync.run.doctor import Line, examine
    from sync.run.wiring import build_renderer

    every = organisations_of(config, orgs or [], every=True)
    results = []
    for settings in every:
        today = calendar_of(settings).today(datetime.now(UTC))
        lines: list[Line] = []
        heading = settings.organisation or str(settings.source)
        if not as_json:
            out.print(heading, markup=False, highlight=False, style="bold")
        part = None
        for line in examine(settings, build_renderer(settings), today):
            lines.append(line)
            if as_json:
                continue
            if line.part != part:
                part = line.part
                out.print(f"  {part}", markup=False, highlight=False)
            out.print(
                f"    {_MARKS[line.verdict]}  {line.what}: {line.says}",
                markup=False,
                highlight=False,
            )
        results.append((settings.organisation or "", lines))
    failed = sum(1 for _, lines in results for line in lines if line.verdict == "fail")
    warned = sum(1 for _, lines in results for line in lines if line.verdict == "warn")
    if as_json:
        json.dump(
            {
                "organisations": [
                    {
                        "organisation": name,
                        "lines": [
                            {"part": i.part, "what": i.what, "verdict": i.verdict, "says": i.says}
                            for i in lines
                        ],
                        "ok": not any(i.verdict == "fail" for i in lines),
                    }
                    for name, lines in results
                ],
                "ok": failed == 0,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    elif failed:
        out.print(
            f"{failed} problem(s) (FAIL above): a run would not work until they are fixed.",
            markup=False,
            highlight=False,
        )
    else:
        also = f" ({warned} warning(s) to look at)" if warned else ""
        out.print(f"Everything `tahseel run` needs holds{also}.", markup=False, highlight=False)
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)

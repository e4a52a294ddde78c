"""The embedded demo: a configuration, a CSV ledger and a Maildir that need no credentials.

The demo data is written relative to an anchor day; installing it shifts every date so
the anchor falls on the day the demo runs, and the story stays the same whenever it runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Literal

from mailer.maildir import MaildirTransport
from sync.config.resources import default_templates_dir, example_config_dir

ANCHOR = date(2026, 11, 23)
_DATE_COLUMNS = ("issue_date", "due_date", "paid_date")
MARK = ".tahseel-demo"
"""The file by which ``tahseel demo`` knows a folder it filled: the digest of the
configuration it wrote there."""

FolderState = Literal["new", "empty", "demo", "configured", "other"]


def folder_state(target: Path) -> FolderState:
    """What ``target`` holds, as ``tahseel demo`` must treat it.

    Returns:
        ``new`` (absent), ``empty``, ``demo`` (a demo this command wrote, its
        configuration unedited), ``configured`` (a configuration the demo did not write,
        or edited since) or ``other`` (files, but no configuration).
    """
    if not target.exists():
        return "new"
    if target.is_dir() and not any(target.iterdir()):
        return "empty"
    config, mark = target / "tahseel.yaml", target / MARK
    if config.exists():
        try:
            ours = mark.read_text("utf-8").strip() == _digest(config)
        except OSError:
            ours = False
        return "demo" if ours else "configured"
    return "other"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(target: Path, *, anchor: date, force: bool = False, mode: str = "live") -> list[Path]:
    """Copy the example configuration, the templates and the demo data into ``target``.

    Args:
        target: The folder to fill (created if missing).
        anchor: The day the demo's story is set on.
        force: Overwrite files that exist.
        mode: The ``mode`` the configuration starts in (the demo mails only a Maildir,
            so it runs live; ``tahseel init`` starts in preview).

    Returns:
        The paths written.

    Raises:
        FileExistsError: When ``target`` already has a configuration and not ``force``.
    """
    source = example_config_dir()
    config = target / "tahseel.yaml"
    if config.exists() and not force:
        raise FileExistsError(f"{config} exists (use --force to overwrite)")
    target.mkdir(parents=True, exist_ok=True)
    text = (source / "tahseel.yaml").read_text("utf-8")
    config.write_text(re.sub(r"(?m)^mode: live$", f"mode: {mode}", text), "utf-8")
    templates = target / "templates"
    shutil.copytree(
        default_templates_dir(),
        templates,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.py", "report"),
    )
    demo = target / "demo"
    demo.mkdir(exist_ok=True)
    shift = (anchor - ANCHOR).days
    ledger = demo / "invoices.csv"
    ledger.write_text(
        shift_csv((source / "demo" / "invoices.csv").read_text("utf-8"), shift), "utf-8"
    )
    notes = demo / "invoices.notes.csv"
    if notes.exists():
        notes.unlink()
    mailbox = demo / "mailbox"
    if mailbox.exists():
        shutil.rmtree(mailbox)
    if (demo / "texts").exists():
        shutil.rmtree(demo / "texts")
    _fill_mailbox(mailbox, source / "demo" / "mail", shift)
    (target / MARK).write_text(_digest(config) + "\n", "utf-8")
    return [config, templates, ledger, mailbox]


def shift_csv(text: str, days: int) -> str:
    """Move every date in the demo ledger by ``days``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        for column in _DATE_COLUMNS:
            if row.get(column):
                row[column] = (date.fromisoformat(row[column]) + timedelta(days=days)).isoformat()
        if row.get("updated_at"):
            moved = datetime.fromisoformat(row["updated_at"]) + timedelta(days=days)
            row["updated_at"] = moved.isoformat()
        writer.writerow(row)
    return out.getvalue()


def _fill_mailbox(path: Path, mail: Path, days: int) -> None:
    """An earlier reminder in the sent folder, and the customer's answer in the inbox."""
    box = MaildirTransport(path)
    for eml in sorted(mail.glob("*.eml")):
        message = BytesParser(policy=policy.SMTP).parse(eml.open("rb"))
        moved = message["Date"].datetime + timedelta(days=days)
        message.replace_header("Date", format_datetime(moved))
        if message.get("X-Tahseel-Invoice"):
            box.send(message, thread=None)
        else:
            box.deliver(message)

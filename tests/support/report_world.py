"""A business with a year of history, for ``tahseel report``: the demo plus paid reminders.

``build(folder)`` installs the demo (set on ``ANCHOR``), adds invoices that were reminded
and then paid (some soon after a reminder, some late, some never), and writes into the
state store the reminders that went out for them, as a year of runs would have.

``python -m tests.support.report_world DIR`` builds it in DIR; with ``--images FOLDER``
it also writes the report in English and Arabic and photographs both with headless
Chromium: the README's screenshots are made so.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sync.cli import demo
from sync.config.loader import load_settings
from sync.store.store import Store
from sync.store.tables import OutboxRow

ANCHOR = date(2026, 11, 23)

CUSTOMERS = (
    ("C-001", "شركة الفيصل للمقاولات", "faisal.accounts@example.sa", "ar", "SAR", 30),
    ("C-002", "Blue Harbor Logistics", "ap@blueharbor.example.com", "en", "USD", 2),
    ("C-004", "مؤسسة الواحة للتجارة", "accounts@alwaha.example.sa", "ar", "SAR", 45),
    ("C-005", "Desert Rose Events", "billing@desertrose.example.com", "en", "USD", 20),
    ("C-006", "نجد للهندسة", "ap@najd-eng.example.sa", "ar", "SAR", 9),
    ("C-007", "Palm Coast Trading", "accounts@palmcoast.example.com", "en", "USD", 0),
)
"""id, name, email, language, currency, and how many days late each one tends to pay."""

LADDER = (("courtesy", -3), ("due", 0), ("overdue", 1), ("weekly", 8), ("final", 30))
"""The demo policy's emailed rungs (weekly repeats left out), by days from the due date."""


def build(folder: Path) -> Path:
    """Write the world into ``folder``; return its configuration file."""
    demo.install(folder, anchor=ANCHOR, force=True)
    config = folder / "tahseel.yaml"
    settings = load_settings(config)
    ledger = folder / "demo" / "invoices.csv"
    rows = list(csv.DictReader(ledger.open(encoding="utf-8", newline="")))
    columns = list(rows[0])
    store = Store(settings.state_url)
    rng = random.Random(7)
    for n in range(36):
        cid, name, email, language, currency, habit = CUSTOMERS[n % len(CUSTOMERS)]
        due = ANCHOR - timedelta(days=330 - 8 * n)
        delay = max(-5, habit + rng.randint(-6, 6))
        paid = due + timedelta(days=delay)
        number = f"INV-0{500 + n}"
        total = f"{rng.randrange(8, 160) * 100}.00"
        settled = paid <= ANCHOR
        rows.append(
            {
                **dict.fromkeys(columns, ""),
                "invoice_id": f"hist-{n}",
                "number": number,
                "status": "paid" if settled else "open",
                "currency": currency,
                "total": total,
                "amount_due": "0.00" if settled else total,
                "issue_date": (due - timedelta(days=30)).isoformat(),
                "due_date": due.isoformat(),
                "contact_id": cid,
                "contact_name": name,
                "emails": email,
                "language": language,
                "updated_at": "2026-11-22T06:00:00Z",
                "paid_date": paid.isoformat() if settled else "",
            }
        )
        for stage, offset in LADDER:
            day = due + timedelta(days=offset)
            if day >= min(paid, ANCHOR):
                break
            moment = datetime.combine(day, time(6, 0), tzinfo=UTC)
            store.claim(
                OutboxRow(
                    tenant=settings.tenant,
                    invoice_id=f"hist-{n}",
                    invoice_number=number,
                    stage=stage,
                    cycle=0,
                    action="send_reminder",
                    status="sent",
                    message_id=f"<tahseel.hist-{n}.{stage}@nakheel.example>",
                    recipients=email,
                    created_at=moment,
                    sent_at=moment,
                    noted_at=moment,
                )
            )
    with ledger.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return config


def screenshots(folder: Path, images: Path, chromium: str = "chromium") -> list[Path]:
    """Build the world in ``folder``, write its report in both languages, photograph them.

    The PNGs are reduced to 64 colours so they stay small in the repository.
    """
    from PIL import Image
    from typer.testing import CliRunner

    from sync.cli import app

    config = build(folder)
    images.mkdir(parents=True, exist_ok=True)
    written = []
    for language in ("en", "ar"):
        page = folder / f"report-{language}.html"
        args = ["report", "-c", str(config), "--today", ANCHOR.isoformat()]
        result = CliRunner().invoke(app, [*args, "--language", language, "-o", str(page)])
        assert result.exit_code == 0, result.output
        shot = images / f"report-{language}.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
            + [f"--user-data-dir={folder / 'chromium'}", "--window-size=1000,2500"]
            + [f"--screenshot={shot}", page.as_uri()],
            check=True,
            capture_output=True,
        )
        Image.open(shot).convert("RGB").quantize(64).save(shot, optimize=True)
        written.append(shot)
    return written


if __name__ == "__main__":
    # python -m tests.support.report_world DIR [--images FOLDER]
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "report-world")
    if "--images" in sys.argv:
        for path in screenshots(target, Path(sys.argv[sys.argv.index("--images") + 1])):
            print(path)
    else:
        print(build(target))

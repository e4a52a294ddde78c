"""`tahseel report` end to end: the page renders in headless Chromium, charts and all."""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.e2e.test_xero_run import ANCHOR, run, seed, xero_config
from tests.emulators.xero import XeroEmulator, token_file_for
from tests.support import report_world

runner = CliRunner()

# Colours the charts draw with (sync/reports/page.py): the aging buckets and the bars.
CHART_COLOURS = ((0x3F, 0x8F, 0x5A), (0xC9, 0xA2, 0x27), (0xC8, 0x55, 0x3D), (0x2F, 0x6F, 0x8F))


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; outside CI a missing one skips, in CI it fails."""
    found = next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    if found is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must render the report, but chromium is not installed")
        pytest.skip("chromium is not installed here (CI installs it)")
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_world.build(tmp_path_factory.mktemp("report") / "acme")


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_report_renders_in_chromium_with_its_charts(chromium, world, tmp_path, language):
    page = tmp_path / f"report-{language}.html"
    args = ["report", "-c", str(world), "--today", "2026-11-23", "--language", language]
    result = runner.invoke(app, [*args, "-o", str(page)])
    assert result.exit_code == 0, result.output

    url = page.as_uri()
    dom = _chromium(chromium, tmp_path / "p1", "--dump-dom", url).stdout.decode("utf-8")
    direction = "rtl" if language == "ar" else "ltr"
    assert re.search(rf'<html lang="{language}" dir="{direction}"', dom)
    # two aging charts (SAR, USD), late payers, sent per stage, effect per stage
    assert len(re.findall(r'<svg [^>]*class="chart"', dom)) == 5
    assert len(re.findall(r"<rect ", dom)) >= 20
    heading = "تقرير الذمم المدينة" if language == "ar" else "Receivables report"
    assert heading in dom and "Desert Rose Events" in dom

    shot = tmp_path / f"report-{language}.png"
    _chromium(chromium, tmp_path / "p2", f"--screenshot={shot}", "--window-size=1000,2600", url)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 2600)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # not a blank page
    counts = [sum(n for n, px in colours if _near(px, c)) for c in CHART_COLOURS]
    assert all(n > 500 for n in counts), counts  # every chart colour was drawn
    # Bars start beside their labels: at the left in English, at the right in Arabic.
    rects = [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', dom)
    ]
    anchors = {round(x + w) if language == "ar" else round(x) for x, w in rects if w}
    assert anchors == ({640 - 190} if language == "ar" else {190}), anchors
    # and in the picture, the Arabic charts are drawn in the right half of the page
    bars = [
        x
        for x in range(0, image.width, 4)
        for y in range(0, image.height, 8)
        if _near(image.getpixel((x, y)), CHART_COLOURS[3])
    ]
    middle = sum(bars) / len(bars)
    assert (middle > image.width / 2) == (language == "ar"), middle


def test_a_report_without_paid_history_says_why(tmp_path, monkeypatch):
    world = report_world.build(tmp_path / "acme")
    from connectors.csvfile import FileLedger

    monkeypatch.delattr(FileLedger, "paid_invoices")
    page = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "-c", str(world), "--today", "2026-11-23", "-o", page])
    assert result.exit_code == 0, result.output
    text = page.read_text("utf-8")
    assert text.count("Not shown: the CSV file ledger cannot list paid invoices") == 2
    assert "Desert Rose Events" not in text.split('id="late-payers"')[1].split("</section>")[0]


def test_rows_that_cannot_be_read_are_on_the_page_and_make_the_exit_1(tmp_path):
    world = report_world.build(tmp_path / "acme")
    ledger = world.parent / "demo" / "invoices.csv"
    text = ledger.read_text("utf-8")
    assert ",INV-1005,open,USD,5000.00,5000.00," in text
    ledger.write_text(
        text.replace(
            ",INV-1005,open,USD,5000.00,5000.00,", ",INV-1005,open,USD,1.000,50,1.000,50,"
        ),
        "utf-8",
    )
    page = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "-c", str(world), "--today", "2026-11-23", "-o", page])
    assert result.exit_code == 1, result.output
    assert "problem: invoices.csv:6: row: has 19 values for 17 columns" in result.output
    section = page.read_text("utf-8").split('id="unreadable"')[1].split("</section>")[0]
    assert "Could not read" in section and "aging understates what is owed" in section
    assert "invoices.csv:6: row: has 19 values for 17 columns" in section
    assert "(invoice INV-1005)" in section


def test_reminders_sent_by_a_run_on_xero_and_paid_after_show_in_the_report(tmp_path, monkeypatch):
    with XeroEmulator() as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        demo.install(tmp_path / "d", anchor=ANCHOR)
        shutil.rmtree(tmp_path / "d" / "demo" / "mailbox")  # its story is the CSV ledger's
        mailbox.Maildir(tmp_path / "d" / "demo" / "mailbox", create=True)  # an empty one
        config = xero_config(tmp_path / "d", emulator)
        token_file_for(emulator, config.parent / "xero-token.json")
        ids = seed(emulator.org)
        assert run(config)["sent"] == {"courtesy": 1, "due": 1, "overdue": 1}
        emulator.org.pay(ids["late"], on=date(2026, 11, 27))  # 5 days late, 4 after
        page = tmp_path / "r.html"
        args = ["report", "-c", str(config), "--today", "2026-11-30", "-o", str(page)]
        result = runner.invoke(app, args)
        # INV-5 was seeded as paid without the day it was paid: a problem, said and counted
        assert result.exit_code == 1, result.output
        assert "problem: xero: paid invoice INV-5: no FullyPaidOnDate" in result.output
    text = page.read_text("utf-8")
    unread = text.split('id="unreadable"')[1].split("</section>")[0]
    assert "INV-5: no FullyPaidOnDate" in unread
    late = text.split('id="late-payers"')[1].split("</section>")[0]
    assert "مؤسسة الواحة" in late and "1 / 1 (100%)" in late
    effect = text.split('id="effect"')[1].split("</section>")[0]
    rows = dict(re.findall(r"<tr><td>(\w+)</td>((?:<td class=\"n\">[^<]*</td>)+)</tr>", effect))
    cells = {k: re.findall(r">([^<]*)</td>", v) for k, v in rows.items()}
    # reminders, paid within 14 days, still waiting, rate
    assert cells == {
        "courtesy": ["1", "0", "1", "–"],
        "due": ["1", "0", "1", "–"],
        "overdue": ["1", "1", "0", "100%"],
    }

"""The Arabic report in headless Chromium: the order of the text on the printed page.

The report of ``tests.support.report_world`` is printed to PDF by Chromium and read
back line by line in visual order (``tests.support.visual_order``). The world has a
customer whose Latin name ends in a period ("Palm Coast Trading Co.") and a row the
ledger cannot read, so the page shows an invoice number inside an Arabic page.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from tests.support import report_world
from tests.support.visual_order import rtl, visual_lines

runner = CliRunner()
BAD_ROW = (
    "bad-1,INV-0999,open,SAR,100.00,100.00,2026-10-01,2026-13-01,,C-009,"
    "Nakheel Trading Co.,ap@example.sa,ar,,2026-11-22T06:00:00Z,\n"
)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; outside CI a missing one skips, in CI it fails."""
    names = ("chromium", "chromium-browser", "google-chrome")
    found = next((p for p in map(shutil.which, names) if p), None)
    if found is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must render the report, but chromium is not installed")
        pytest.skip("chromium is not installed here (CI installs it)")
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = report_world.build(tmp_path_factory.mktemp("report") / "acme")
    ledger = config.parent / "demo" / "invoices.csv"
    text = ledger.read_text(encoding="utf-8").replace(
        "Palm Coast Trading", "Palm Coast Trading Co."
    )
    ledger.write_text(text + BAD_ROW, encoding="utf-8")
    arabic = config.read_text(encoding="utf-8").replace("digits: latin", "digits: arabic")
    assert arabic != config.read_text(encoding="utf-8")
    config.with_name("arabic-digits.yaml").write_text(arabic, encoding="utf-8")
    return config


def printed(chromium: str, config: Path, tmp_path: Path, *options: str) -> list[str]:
    page = tmp_path / "report.html"
    args = ["report", "-c", str(config), "--today", "2026-11-23", "-o", str(page), *options]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # the unreadable row
    html = page.read_text(encoding="utf-8")
    if "--language" in options and "ar" in options:
        assert '<html lang="ar" dir="rtl">' in html
    return visual_lines(page, chromium=chromium, profile=tmp_path / "chromium")


def test_the_arabic_report_reads_right_to_left_with_latin_names_kept_whole(
    chromium, world, tmp_path
):
    lines = printed(chromium, world, tmp_path, "--language", "ar")
    text = "\n".join(lines)
    # The heading reads right to left; the business's Latin name keeps its period.
    assert lines[0] == "Nakheel Trading Co. · " + rtl("تقرير الذمم المدينة")
    # "بتاريخ 23 نوفمبر 2026": the date's numbers are not reversed.
    assert lines[1].endswith("2026 " + rtl("نوفمبر") + " 23 " + rtl("بتاريخ"))
    # The customer's name, in the late payers' table and in their chart.
    assert len([line for line in lines if line.endswith("Palm Coast Trading Co.")]) == 2
    assert ".Palm Coast" not in text and "Co.." not in text
    # Amounts read as written and the currency is named in Arabic, after the amount.
    assert "61,050.00" in text and "00.050,16" not in text
    assert rtl("ريال سعودي") + " 66,800.00" in text and "SAR" not in text.replace("(SAR)", "")
    # The invoice number of the row that cannot be read, in its left-to-right line.
    # It wraps in the printed page's width: the line before holds its beginning.
    [end] = [n for n, line in enumerate(lines) if "INV-0999" in line]
    problem = " ".join(lines[end - 1 : end + 1])
    assert re.search(r"^invoices\.csv:\d+: due_date: .*\(invoice INV-0999\)$", problem), problem
    assert "9990-VNI" not in text
    assert rtl("تعذّرت القراءة") in lines


def test_the_arabic_report_writes_arabic_digits_when_the_configuration_says_so(
    chromium, world, tmp_path
):
    lines = printed(chromium, world.with_name("arabic-digits.yaml"), tmp_path, "--language", "ar")
    text = "\n".join(lines)
    assert lines[1].endswith("٢٠٢٦ " + rtl("نوفمبر") + " ٢٣ " + rtl("بتاريخ"))
    assert "٦١٬٠٥٠٫٠٠" in text and "٠٠٫٠٥٠٬١٦" not in text
    assert rtl("ريال سعودي") + " ٦٦٬٨٠٠٫٠٠" in text
    aging = next(line for line in lines if "٦١٬٠٥٠٫٠٠" in line)
    assert not re.search("[0-9]", aging), aging


def test_the_default_language_is_the_configurations(chromium, world, tmp_path):
    arabic = world.read_text(encoding="utf-8").replace("default: en", "default: ar")
    config = world.with_name("arabic-default.yaml")
    config.write_text(arabic, encoding="utf-8")
    lines = printed(chromium, config, tmp_path)
    assert lines[0] == "Nakheel Trading Co. · " + rtl("تقرير الذمم المدينة")


def test_the_english_report_keeps_arabic_names_right_to_left(chromium, world, tmp_path):
    lines = printed(chromium, world, tmp_path, "--language", "en")
    text = "\n".join(lines)
    assert lines[0] == "Receivables report · Nakheel Trading Co."
    assert rtl("شركة الفيصل للمقاولات") in text
    assert len([line for line in lines if line.startswith("Palm Coast Trading Co. ")]) == 2
    assert "61,050.00" in text and ".Palm Coast" not in text

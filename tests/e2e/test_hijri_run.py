"""Hijri dates end to end on the CSV ledger: Arabic mail, Hijri holidays, `check`, bad input."""

from __future__ import annotations

import json
import mailbox
import re
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)  # a Monday; 13 Jumada al-Akhirah 1448
runner = CliRunner()


def install(tmp_path: Path, calendar: str = "both") -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    assert "  calendar: both " in text  # the demo shows the Hijri form
    config.write_text(text.replace("  calendar: both ", f"  calendar: {calendar} "), "utf-8")
    return folder


def add_holiday(folder: Path, entry: str) -> None:
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    anchor = "    - 2027-09-23\n"
    assert anchor in text
    config.write_text(text.replace(anchor, f"{anchor}    - {entry}\n"), "utf-8")


def cli(folder: Path, *args: str):
    return runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])


def run(folder: Path, day: date) -> dict:
    result = cli(folder, "run", "--json", "--today", day.isoformat())
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def sent(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    out = box.get_folder("Sent")
    return [parser.parsebytes(out.get_bytes(key)) for key in out.keys()]


def mail_of(folder: Path, number: str, day: date):
    return next(
        m
        for m in sent(folder)
        if m["X-Tahseel-Invoice"] == number and m["Date"].datetime.date() == day
    )


def test_an_arabic_mail_shows_the_hijri_date_and_an_english_one_does_not(tmp_path):
    folder = install(tmp_path)
    report = run(folder, ANCHOR)
    assert report["sent"]
    arabic = mail_of(folder, "INV-1001", ANCHOR)  # due 2026-11-26, 16 Jumada al-Akhirah 1448
    text = arabic.get_body(("plain",)).get_content()
    html = arabic.get_body(("html",)).get_content()
    both = "16 جمادى الآخرة 1448 هـ (26 نوفمبر 2026)"
    assert both in text and both in html
    english = mail_of(folder, "INV-1011", ANCHOR)  # Blue Harbor's reminder today
    body = english.get_body(("plain",)).get_content()
    assert "November 22, 2026" in body and "هـ" not in body and "AH" not in body


def test_hijri_and_arabic_digits(tmp_path):
    folder = install(tmp_path, "hijri")
    config = folder / "tahseel.yaml"
    config.write_text(
        config.read_text("utf-8").replace("  digits: latin ", "  digits: arabic "), "utf-8"
    )
    run(folder, ANCHOR)
    text = mail_of(folder, "INV-1001", ANCHOR).get_body(("plain",)).get_content()
    assert "١٦ جمادى الآخرة ١٤٤٨ هـ" in text and "نوفمبر" not in text


def test_a_hijri_holiday_sends_nothing_and_the_next_day_catches_up(tmp_path):
    folder = install(tmp_path)
    add_holiday(folder, "hijri:06-13  # every 13 Jumada al-Akhirah")  # = ANCHOR in 1448
    first = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert first.exit_code == 1, first.output  # INV-1010 has no address, as every day
    assert f"No mail now: {ANCHOR.isoformat()} is a holiday" in first.output
    assert [m for m in sent(folder) if m["Date"].datetime.date() == ANCHOR] == []
    tuesday = date(2026, 11, 24)
    report = run(folder, tuesday)
    assert report["sent"] and mail_of(folder, "INV-1001", tuesday)


def test_a_gregorian_setting_keeps_gregorian_dates(tmp_path):
    # against the old behaviour: without the setting, nothing Hijri appears
    folder = install(tmp_path, "gregorian")
    run(folder, ANCHOR)
    text = mail_of(folder, "INV-1001", ANCHOR).get_body(("plain",)).get_content()
    assert "26 نوفمبر 2026" in text and "جمادى" not in text


def test_a_due_date_outside_the_umm_al_qura_table_skips_only_that_invoice(tmp_path):
    folder = install(tmp_path)
    ledger = folder / "demo" / "invoices.csv"
    text = ledger.read_text("utf-8")
    old = "INV-1006,open,SAR,18975.00,18975.00,2026-10-15,2026-11-14,"
    assert old in text
    ledger.write_text(text.replace(old, old.replace("2026-11-14", "1920-11-14")), "utf-8")
    result = cli(folder, "run", "--json", "--today", ANCHOR.isoformat())
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    problems = "\n".join(report["errors"])
    assert "INV-1006: " in problems
    assert re.search(
        r"ar/overdue\.txt:\d+: 1920-11-14 is outside the Umm al-Qura calendar", problems
    )
    assert "language.calendar: gregorian" in problems and "Traceback" not in result.output
    assert "INV-1006" not in {m["X-Tahseel-Invoice"] for m in sent(folder)}
    assert mail_of(folder, "INV-1001", ANCHOR)  # the others went


def test_a_bad_hijri_holiday_is_named_with_file_and_line(tmp_path):
    folder = install(tmp_path)
    add_holiday(folder, "hijri:1448-13-01")
    config = folder / "tahseel.yaml"
    line = config.read_text("utf-8").splitlines().index("    - hijri:1448-13-01") + 1
    for command in ("check", "run"):
        result = cli(folder, command)
        assert result.exit_code == 2, result.output
        assert f"tahseel.yaml:{line}: calendar.holidays[3]: 'hijri:1448-13-01'" in result.output
        assert "a Hijri month is 1 to 12, not 13" in result.output
        assert "Traceback" not in result.output


def test_check_renders_the_templates_under_both(tmp_path):
    folder = install(tmp_path)
    assert cli(folder, "check").exit_code == 0
    # A template whose date format only the Hijri form refuses shows that check renders
    # under the configured calendar, not only the Gregorian one.
    courtesy = folder / "templates" / "ar" / "courtesy.txt"
    text = courtesy.read_text("utf-8")
    block = '{{ invoice.due_date | date("yyyy") }}\n{% endblock %}'
    courtesy.write_text(text.replace("{% endblock %}", block, 1), "utf-8")
    result = cli(folder, "check")
    assert result.exit_code == 2, result.output
    assert "courtesy.txt" in result.output and "unknown date format 'yyyy'" in result.output
    config = folder / "tahseel.yaml"
    config.write_text(
        config.read_text("utf-8").replace("  calendar: both ", "  calendar: gregorian "), "utf-8"
    )
    assert cli(folder, "check").exit_code == 0

"""The CSV ledger's declared format: amounts, dates, addresses, delimiters, encodings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.addresses import parse_addresses, unique_addresses
from connectors.csvfile import FileLedger, RowProblem, sniff
from connectors.csvformat import CsvFormat, Unaccepted, parse_amount, parse_date
from connectors.errors import LedgerDataError

HEADER = "invoice_id,number,status,currency,total,amount_due,due_date,contact_name,emails"
COMMA = CsvFormat(decimal=",", thousands=".")


def _row(n: int, amount: str = "1250.00", currency: str = "SAR", **cells: str) -> list[str]:
    values = {
        "invoice_id": f"id-{n}",
        "number": f"INV-{n}",
        "status": "open",
        "currency": currency,
        "total": amount,
        "amount_due": amount,
        "due_date": "2026-10-31",
        "contact_name": "شركة تمور الرياض",
        "emails": f"ap{n}@example.sa",
    }
    values.update(cells)
    return list(values.values())


def _write(
    path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    lines = [HEADER.replace(",", delimiter)]
    lines += [delimiter.join(f'"{v}"' for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# -- amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt", "currency", "amount"),
    [
        ("1,234.50", CsvFormat(), "SAR", "1234.50"),
        ("1234.5", CsvFormat(), "SAR", "1234.5"),
        ("1,000", CsvFormat(), "SAR", "1000"),
        ("1.234,50", COMMA, "SAR", "1234.50"),
        ("1.000", COMMA, "SAR", "1000"),
        ("1 234,50", CsvFormat(decimal=",", thousands=" "), "SAR", "1234.50"),
        ("1\u00a0234,50", CsvFormat(decimal=",", thousands=" "), "SAR", "1234.50"),
        ("1234.50", CsvFormat(thousands=None), "SAR", "1234.50"),
        ("1.500", CsvFormat(), "KWD", "1.500"),
        ("١٢٣٤٫٥٠", CsvFormat(), "SAR", "1234.50"),
        ("١٬٢٣٤٫٥٠", COMMA, "SAR", "1234.50"),
        ("۱۲۳۴.۵۰", CsvFormat(), "SAR", "1234.50"),
    ],
)
def test_amounts_are_read_as_declared(
    text: str, fmt: CsvFormat, currency: str, amount: str
) -> None:
    assert parse_amount(text, fmt, currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "fmt", "currency", "words"),
    [
        # one thousand written with a thousands dot is not one riyal
        ("1.000", CsvFormat(), "SAR", "not 3 decimals (SAR has 2"),
        ("5.000", CsvFormat(thousands=None), "USD", "not 3 decimals (USD has 2"),
        # and one written with a decimal comma is not one thousand
        ("1,000", COMMA, "SAR", "not 3 decimals (SAR has 2"),
        ("1.000,50", CsvFormat(), "SAR", "expected an amount like 1,234.50"),
        ("1,234.50", COMMA, "SAR", "expected an amount like 1.234,50"),
        ("1,000", CsvFormat(thousands=None), "SAR", "expected an amount like 1234.50"),
        ("1,00", CsvFormat(), "SAR", "expected an amount like 1,234.50"),
        ("1٢34.50", CsvFormat(), "SAR", "1,234.50, in digits of one script"),
        ("१२३", CsvFormat(), "SAR", "expected an amount like 1,234.50"),
        ("-5.00", CsvFormat(), "SAR", "expected an amount like 1,234.50"),
    ],
)
def test_an_amount_not_in_the_declared_format_is_refused_not_guessed(
    text: str, fmt: CsvFormat, currency: str, words: str
) -> None:
    with pytest.raises(Unaccepted) as caught:
        parse_amount(text, fmt, currency)
    assert words in str(caught.value)
    assert caught.value.accepted == f"an amount like {fmt.example}"


def test_dates_in_arabic_indic_digits_are_read_and_others_refused() -> None:
    assert parse_date("٢٠٢٦-١١-٢٣") == date(2026, 11, 23)
    for text in ("2026-9-23", "23/11/2026", "2026-١١-23", "2026-02-30"):
        with pytest.raises(Unaccepted, match="expected"):
            parse_date(text)


def test_a_format_with_one_separator_for_both_is_refused() -> None:
    with pytest.raises(ValueError, match="must differ"):
        CsvFormat(decimal=",")
    with pytest.raises(LedgerDataError, match="must differ"):
        FileLedger(Path("x.csv"), decimal=",", thousands=",")


# -- the ledger under a declared format --------------------------------------------------


def test_a_semicolon_windows_1256_decimal_comma_file_is_read_when_declared(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "inv.csv", [_row(1, "1.234,50")], ";", "cp1256")
    ledger = FileLedger(path, delimiter=";", decimal=",", thousands=".", encoding="windows-1256")
    [invoice] = ledger.list_open_invoices()
    assert invoice.amount_due == Decimal("1234.50")
    assert invoice.contact.name == "شركة تمور الرياض"
    assert ledger.problems == []


def test_one_thousand_with_a_thousands_dot_is_a_problem_not_one_riyal(tmp_path: Path) -> None:
    ledger = FileLedger(_write(tmp_path / "inv.csv", [_row(1), _row(2, "1.000")]))
    assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]
    assert len(ledger.problems) == 2  # total and amount_due
    assert ledger.problems[0].startswith("inv.csv:3: amount_due: expected an amount like 1,234.50")


def test_unreadable_rows_are_kept_as_data(tmp_path: Path) -> None:
    ledger = FileLedger(_write(tmp_path / "inv.csv", [_row(1), _row(2, due_date="2026-9-23")]))
    assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]
    assert ledger.row_problems == [
        RowProblem(
            file="inv.csv",
            line=3,
            column="due_date",
            message="expected a date like 2026-11-23",
            value="2026-9-23",
            expected="a date like 2026-11-23",
            invoice="INV-2",
        )
    ]
    assert ledger.problems == [
        "inv.csv:3: due_date: expected a date like 2026-11-23, got '2026-9-23' (invoice INV-2)"
    ]


def test_a_row_with_more_values_than_columns_says_so(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    _write(path, [_row(1)])
    with path.open("a", encoding="utf-8") as f:
        f.write("id-2,INV-2,open,SAR,1,250.00,1,250.00,2026-10-31,Acme,ap@acme.example\n")
    ledger = FileLedger(path)
    assert [i.number for i in ledger.list_open_invoices()] == ["INV-1"]
    assert ledger.problems[0].startswith(
        "inv.csv:3: row: has 11 values for 9 columns; a value holding ','"
    )


# -- invoice numbers two rows share --------------------------------------------------------


def test_an_invoice_number_two_rows_share_is_a_problem_naming_both(tmp_path: Path) -> None:
    rows = [_row(1), _row(5), _row(6, number="INV-5"), _row(7, status="voided", number="INV-1")]
    ledger = FileLedger(_write(tmp_path / "inv.csv", rows))
    assert [i.id for i in ledger.list_open_invoices()] == ["id-1", "id-5", "id-6"]
    [problem] = ledger.row_problems
    assert (problem.line, problem.column, problem.invoice) == (3, "number", "INV-5")
    assert str(problem).startswith(
        "inv.csv:3: number: 'INV-5' is the number of the rows on lines 3 and 4"
        " (invoice ids id-5, id-6)"
    )


# -- addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        ("a@x.example, a@x.example, A@X.EXAMPLE", ("a@x.example",)),
        ("A@X.example; a@x.example", ("A@X.example",)),
        ("Accounts <ap@x.example>", ("ap@x.example",)),
        ('"Doe, Jane" <jane@x.example>, ap@x.example', ("jane@x.example", "ap@x.example")),
        ("علي <ali@x.sa>; ALI@X.SA", ("ali@x.sa",)),
    ],
)
def test_addresses_are_parsed_and_kept_once(text: str, addresses: tuple[str, ...]) -> None:
    assert parse_addresses(text) == addresses


@pytest.mark.parametrize(
    "text",
    [
        "ap@x.example Bcc: victim@evil.example",
        "ap@x.example\r\nBcc: victim@evil.example",
        "a@x.example <b@y.example>",
        "Team: a@x.example, b@x.example",
        "ap..team@x.example",
        "accounts.example.com",
    ],
)
def test_addresses_the_parser_would_guess_at_are_refused(text: str) -> None:
    with pytest.raises(Unaccepted, match="expected addresses like name@example.com"):
        parse_addresses(text)


def test_unique_addresses_keeps_the_first_spelling() -> None:
    assert unique_addresses(["Ap@X.example", "ap@x.example", "b@x.example"]) == (
        "Ap@X.example",
        "b@x.example",
    )


def test_repeated_addresses_in_the_ledger_are_mailed_once(tmp_path: Path) -> None:
    emails = "Accounts <ap@x.example>; AP@X.example, boss@x.example"
    ledger = FileLedger(_write(tmp_path / "inv.csv", [_row(1, emails=emails)]))
    [invoice] = ledger.list_open_invoices()
    assert invoice.contact.emails == ("ap@x.example", "boss@x.example")


# -- what would read a file ----------------------------------------------------------------


def test_sniff_names_the_settings_that_would_read_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "inv.csv", [_row(1, "1.234,50"), _row(2, "12,00")], ";", "cp1256")
    hints = sniff(path)
    assert [h.line for h in hints] == [
        'encoding: "windows-1256"',
        'delimiter: ";"',
        'decimal: ","',
        'thousands: "."',
    ]
    assert "reads as Windows-1256" in hints[0].reason
    assert "separated by ';'" in hints[1].reason
    declared = CsvFormat(";", ",", ".", "windows-1256")
    assert sniff(path, declared) == []


def test_sniff_says_nothing_of_a_file_read_as_declared(tmp_path: Path) -> None:
    assert sniff(_write(tmp_path / "inv.csv", [_row(1, "1,234.50")])) == []
    assert sniff(tmp_path / "missing.csv") == []


def test_an_unreadable_file_names_the_setting_in_its_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "inv.csv", [_row(1)], "\t")
    with pytest.raises(LedgerDataError, match=r'set `delimiter: "\\t"` in the ledger settings'):
        list(FileLedger(path).list_open_invoices())
    path = _write(tmp_path / "inv.csv", [_row(1)], ",", "cp1256")
    with pytest.raises(LedgerDataError, match='not utf-8 text .*encoding: "windows-1256"'):
        list(FileLedger(path).list_open_invoices())

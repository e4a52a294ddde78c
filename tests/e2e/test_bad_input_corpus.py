"""The bad-input corpus: one row per kind of bad input, each named where it is.

Five tables:

- ``CONFIG_CASES``: a broken configuration or template. ``tahseel check`` and
  ``tahseel run`` exit 2 naming the file, the line and the setting; nothing is sent.
- ``LEDGER_CASES``: one bad invoice or contact in a ledger of good ones. The run goes
  on: every good invoice is reminded, the bad one is named (by its number) with the
  reason, or, where the input is merely odd, it is sent safely (one recipient, no
  header injected, no control character in a header). Once the row is corrected in
  the ledger, the next run chases it, once.
- ``READ_CASES``: ledger data that cannot be read as it stands (a bad date, an amount
  that is ambiguous, an invoice number used twice, a file in another delimiter or
  encoding), or that is odd but readable (Arabic-Indic digits, repeated addresses,
  ``Name <address>``). Every command that shows invoices (status, plan, report, run)
  names an unreadable row by file, line, column and value, and exits 1; pause refuses
  an ambiguous number; check names the setting that would read the file.
- ``REPLY_CASES``: a strange reply in the mailbox (not UTF-8, an unknown charset, NUL
  bytes, broken MIME, 20 MB). The run reads past it and goes on; what can still be
  read is understood, and nothing that large is sent on.
- ``XERO_CONTACTS``: bad addresses and names as Xero holds them, through the real
  SDK against the emulator: named by invoice number, the rest sent.
"""

from __future__ import annotations

import csv
import io
import json
import mailbox
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from sync.config.resources import example_config_dir
from tests.support import tally

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
runner = CliRunner()
parse = BytesParser(policy=policy.default).parsebytes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def cli(folder: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])
    return result.exit_code, result.output


def sent(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent_box = box.get_folder("Sent")
    return [parse(sent_box.get_bytes(k)) for k in sent_box.keys()]


# -- configuration and templates ---------------------------------------------------------


@dataclass(frozen=True)
class ConfigCase:
    """A change to the configuration folder and the words ``tahseel check`` must print."""

    name: str
    edit: Callable[[Path], None]
    expected: tuple[str, ...]


def _yaml(old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "tahseel.yaml"
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")

    return edit


def _yaml_bytes(data: bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / "tahseel.yaml").write_bytes(data)

    return edit


def _template(name: str, old: str | None, new: str | bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "templates" / name
        if old is None:
            path.write_bytes(new if isinstance(new, bytes) else new.encode())
            return
        assert isinstance(new, str)
        text = path.read_text("utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), "utf-8")

    return edit


def _line_of(text: str) -> int:
    """The line of the example configuration that holds ``text``."""
    lines = (example_config_dir() / "tahseel.yaml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


LINK_AT = f"tahseel.yaml:{_line_of('payment_link:')}: ledger.payment_link"

CONFIG_CASES = [
    ConfigCase(
        "payment link with a brace not closed",
        _yaml("/invoices/{number}?", "/invoices/{number?"),
        (LINK_AT, "not closed"),
    ),
    ConfigCase(
        "payment link with an unknown field",
        _yaml("/invoices/{number}?", "/invoices/{invoice_number}?"),
        (LINK_AT, "unknown field {invoice_number}"),
    ),
    ConfigCase(
        "malformed YAML",
        _yaml("  weekend: [friday, saturday]", "  weekend: [friday, saturday"),
        ("tahseel.yaml:", "not valid YAML"),
    ),
    ConfigCase(
        "tab-indented YAML",
        _yaml("  timezone: Asia/Riyadh", "\ttimezone: Asia/Riyadh"),
        ("tahseel.yaml:", "not valid YAML"),
    ),
    ConfigCase(
        "YAML that is not UTF-8",
        lambda f: (f / "tahseel.yaml").write_bytes(
            (f / "tahseel.yaml").read_bytes().replace(b"Nakheel Trading Co.", b"Nakh\xe9el")
        ),
        ("tahseel.yaml:", "not UTF-8"),
    ),
    ConfigCase(
        "empty YAML",
        _yaml_bytes(b""),
        ("tahseel.yaml: the file is empty", "a minimal configuration", "business:"),
    ),
    ConfigCase(
        "YAML alias bomb",
        _yaml_bytes(
            b'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
            + b"".join(
                f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n".encode()
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
        ),
        ("tahseel.yaml:2:", "YAML aliases (*a) are not allowed"),
    ),
    ConfigCase(
        "stages out of order",
        _yaml("      offset_days: 30\n", "      offset_days: 3\n"),
        ("tahseel.yaml:", "policy.stages:", "stages[4] 'final' (3) comes after stages[3]"),
    ),
    ConfigCase(
        "two stages of one name",
        _yaml("    - name: final\n", "    - name: weekly\n"),
        ("tahseel.yaml:", "policy.stages:", "stages[4] is 'weekly', like stages[3]"),
    ),
    ConfigCase(
        "a stage whose template files are missing",
        _yaml("    - name: final\n", "    - name: final\n      template: finale\n"),
        ("stage 'final'", "en/finale.html", "en/finale.txt"),
    ),
    ConfigCase("YAML that is a list", _yaml_bytes(b"- a\n- b\n"), ("tahseel.yaml:1",)),
    ConfigCase(
        "unknown top-level key",
        _yaml("mode: live\n", "mode: live\nmood: happy\n"),
        ("tahseel.yaml:13:", "mood: unknown setting"),
    ),
    ConfigCase(
        "unknown key in a stage",
        _yaml("      offset_days: 1\n", "      offset_days: 1\n      ofset: 2\n"),
        ("tahseel.yaml:", "policy.stages[2].ofset: unknown setting"),
    ),
    ConfigCase(
        "duplicate key",
        _yaml("mode: live\n", "mode: live\nmode: preview\n"),
        ("tahseel.yaml:", "mode"),
    ),
    ConfigCase(
        "wrong type: a word for a number",
        _yaml("offset_days: 30", "offset_days: thirty"),
        ("tahseel.yaml:", "offset_days: expected an integer, got 'thirty'"),
    ),
    ConfigCase(
        "wrong type: a list for a text",
        _yaml("  timezone: Asia/Riyadh", "  timezone: [Asia/Riyadh]"),
        ("tahseel.yaml:", "business.timezone"),
    ),
    ConfigCase(
        "wrong type: a bad time",
        _yaml('start: "08:00"', 'start: "25:00"'),
        ("tahseel.yaml:", "calendar.send_window.start"),
    ),
    ConfigCase(
        "invalid sender address",
        _yaml("email: accounts@nakheel.example", "email: accounts.nakheel.example"),
        ("tahseel.yaml:", "sender.email", "expected an email address"),
    ),
    ConfigCase(
        "sender name with a line break",
        _yaml("name: Nakheel Trading - Accounts", 'name: "Accounts\\r\\nBcc: x@evil.example"'),
        ("tahseel.yaml:", "sender.name"),
    ),
    ConfigCase(
        "negative minimum amount",
        _yaml("    SAR: 10", "    SAR: -10"),
        ("tahseel.yaml:", "minimum_amount"),
    ),
    ConfigCase(
        "unknown currency in minimum amount",
        _yaml("    SAR: 10", "    XYZ: 10"),
        ("tahseel.yaml:", "minimum_amount", "XYZ"),
    ),
    ConfigCase(
        "a mailbox path with a typo",
        _yaml("  path: demo/mailbox", "  path: demo/mailbx"),
        ("mailbox.path", "demo/mailbx does not exist", "mailbox.create: true"),
    ),
    ConfigCase(
        "a mailbox path that is not a Maildir",
        _yaml("  path: demo/mailbox", "  path: templates"),
        ("mailbox.path", "is not a Maildir", "cur, new, tmp"),
    ),
    ConfigCase(
        "template syntax error",
        _template("en/due.txt", "{{ invoice.number }}", "{% if invoice.number %}"),
        ("due.txt:",),
    ),
    ConfigCase(
        "template unknown variable",
        _template("en/due.txt", "{{ invoice.number }}", "{{ invoice.amont_due }}"),
        ("due.txt:", "amont_due"),
    ),
    ConfigCase(
        "template not UTF-8",
        _template("en/due.txt", None, b"Dear customer \xe9\xff\n"),
        ("due.txt:1:", "not UTF-8"),
    ),
    ConfigCase(
        "subject template with a line break",
        _template(
            "en/due.subject.txt", None, "Invoice {{ invoice.number }}\nBcc: x@evil.example\n"
        ),
        ("due.subject.txt",),
    ),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    demo.install(tmp_path / "d", anchor=ANCHOR)
    return tmp_path / "d"


@pytest.mark.parametrize("case", CONFIG_CASES, ids=lambda c: c.name)
def test_bad_configuration_is_named_and_nothing_is_sent(folder: Path, case: ConfigCase) -> None:
    before = len(sent(folder))
    case.edit(folder)
    code, output = cli(folder, "check")
    tally.record("bad input", bad_inputs=1)
    assert code == 2, output
    assert "Traceback" not in output
    for words in case.expected:
        assert words in output, (words, output)
    code, output = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert code == 2, output
    assert len(sent(folder)) == before


def test_check_warns_of_a_policy_that_is_probably_not_meant(folder: Path) -> None:
    """Allowed, so the run goes on, but said: two stages of one day, repeats never made."""
    code, output = cli(folder, "check")
    assert code == 0 and "warning" not in output, output
    _yaml("      offset_days: 30\n", "      offset_days: 8\n")(folder)
    _yaml("      repeat_limit: 2\n", "")(folder)
    code, output = cli(folder, "check")
    tally.record("bad input", bad_inputs=2)
    assert code == 0, output
    flat = " ".join(output.split())
    assert "warning: " in flat
    assert "policy.stages[4]: 'final' has the same offset_days (8) as 'weekly'" in flat
    assert "'weekly' has repeat_every_days but no repeat_limit, so it is never repeated" in flat


# -- ledger data --------------------------------------------------------------------------

COLUMNS = (
    "invoice_id,number,status,currency,total,amount_due,issue_date,due_date,reference,"
    "contact_id,contact_name,emails,language,timezone,updated_at"
).split(",")
GOOD_ROWS = 3


@dataclass(frozen=True)
class LedgerCase:
    """One bad invoice row.

    Attributes:
        name: What is wrong.
        bad: Columns that differ from a good row.
        expect: ``"reported"`` (named, not sent, sent once fixed) or ``"safe"`` (sent,
            with clean headers and the one right recipient).
        words: What the report must say about the invoice, besides its number.
        fix: The corrected columns, for ``"reported"`` rows.
        to: The one address a ``"safe"`` row is sent to, when not its ``emails``.
    """

    name: str
    bad: dict[str, str]
    expect: str
    words: tuple[str, ...] = ()
    fix: dict[str, str] = field(default_factory=dict)
    to: str = ""


LEDGER_CASES = [
    LedgerCase(
        "contact without an address",
        {"emails": ""},
        "reported",
        ("email",),
        {"emails": "ap@fixed.example"},
    ),
    LedgerCase(
        "invalid address",
        {"emails": "accounts.example.com"},
        "reported",
        ("accounts.example.com",),
        {"emails": "ap@fixed.example"},
    ),
    LedgerCase(
        "address with two dots in a row",
        {"emails": "ap..team@x.example"},
        "reported",
        ("ap..team@x.example",),
        {"emails": "ap.team@x.example"},
    ),
    LedgerCase(
        "address with an injected header",
        {"emails": "ap@x.example\r\nBcc: victim@evil.example"},
        "reported",
        ("email",),
        {"emails": "ap@x.example"},
    ),
    # The common export form: the name is dropped, the address is mailed.
    LedgerCase(
        "address with a display name",
        {"emails": "Boss <boss@evil.example>"},
        "safe",
        to="boss@evil.example",
    ),
    LedgerCase(
        "one address repeated in any case",
        {"emails": "ap@twice.example, ap@twice.example; AP@Twice.Example"},
        "safe",
        to="ap@twice.example",
    ),
    LedgerCase(
        "address with a display name holding a comma",
        {"emails": '"Accounts, Payables" <ap@quoted.example>'},
        "safe",
        to="ap@quoted.example",
    ),
    LedgerCase(
        "two addresses without a separator",
        {"emails": "ap@x.example Bcc: victim@evil.example"},
        "reported",
        ("emails: expected addresses like name@example.com or Name <name@example.com>",),
        {"emails": "ap@x.example"},
    ),
    LedgerCase("name with CR/LF", {"contact_name": "Acme\r\nBcc: victim@evil.example"}, "safe"),
    LedgerCase("name with NUL", {"contact_name": "Acme\x00 Trading"}, "safe"),
    LedgerCase("name with a bidi override", {"contact_name": "\u202eAcme fdp.exe"}, "safe"),
    LedgerCase("name of 5,000 characters", {"contact_name": "A" * 5000}, "safe"),
    LedgerCase("reference with NUL and LF", {"reference": "PO-1\x00\nX-Evil: 1"}, "safe"),
    LedgerCase(
        "invoice number with a line break",
        {"number": "B-NUM\r\nBcc: victim@evil.example"},
        "reported",
        ("number",),
        {"number": "B-NUM"},
    ),
    LedgerCase(
        "negative amount",
        {"total": "-50.00", "amount_due": "-50.00"},
        "reported",
        ("amount_due",),
        {"total": "50.00", "amount_due": "50.00"},
    ),
    LedgerCase(
        "absurd amount",
        {"total": "90000000000", "amount_due": "90000000000"},
        "reported",
        ("not plausible",),
        {"total": "900.00", "amount_due": "900.00"},
    ),
    LedgerCase(
        "amount that is not a number",
        {"amount_due": "12,5O0"},
        "reported",
        ("amount_due",),
        {"amount_due": "1250.00"},
    ),
    LedgerCase(
        "unknown currency",
        {"currency": "XYZ"},
        "reported",
        ("ISO 4217",),
        {"currency": "SAR"},
    ),
    LedgerCase(
        "missing currency", {"currency": ""}, "reported", ("currency",), {"currency": "USD"}
    ),
    LedgerCase(
        "impossible due date",
        {"due_date": "2026-02-30"},
        "reported",
        ("due_date",),
        {"due_date": ANCHOR.isoformat()},
    ),
    LedgerCase("unknown status", {"status": "sorta"}, "reported", ("status",), {"status": "open"}),
    LedgerCase(
        "date without leading zeros",
        {"due_date": "2026-9-23"},
        "reported",
        ("due_date: expected a date like 2026-11-23, got '2026-9-23'",),
        {"due_date": ANCHOR.isoformat()},
    ),
    LedgerCase(
        "amount with a decimal comma",
        {"total": "1.250,00", "amount_due": "1.250,00"},
        "reported",
        ("amount_due: expected an amount like 1,234.50", "got '1.250,00'"),
        {"total": "1250.00", "amount_due": "1250.00"},
    ),
    LedgerCase(
        "amount with a thousands dot: 1.000",
        {"total": "1.000", "amount_due": "1.000"},
        "reported",
        ("amount_due", "not 3 decimals (SAR has 2;", "got '1.000'"),
        {"total": "1000.00", "amount_due": "1000.00"},
    ),
    LedgerCase(
        "amount mixing Latin and Arabic-Indic digits",
        {"total": "1٢50.00", "amount_due": "1٢50.00"},
        "reported",
        ("amount_due: expected an amount like 1,234.50, in digits of one script",),
        {"total": "1250.00", "amount_due": "1250.00"},
    ),
]


def _row(n: int, number: str, **columns: str) -> dict[str, str]:
    row = {
        "invoice_id": f"id-{n:03d}",
        "number": number,
        "status": "open",
        "currency": "SAR",
        "total": "1250.00",
        "amount_due": "1250.00",
        "issue_date": "2026-10-24",
        "due_date": ANCHOR.isoformat(),
        "reference": "",
        "contact_id": f"T-{n:03d}",  # not a demo customer (C-007 follows another policy)
        "contact_name": f"Customer {n}",
        "emails": f"ap{n}@customer{n}.example",
        "language": "en",
        "timezone": "",
        "updated_at": "2026-11-22T06:00:00Z",
    }
    row.update(columns)
    return row


def _number(n: int) -> str:
    return f"B-{n:03d}"


def _write_ledger(folder: Path, fixed: bool) -> None:
    rows = [_row(n, f"G-{n:03d}") for n in range(GOOD_ROWS)]
    for n, case in enumerate(LEDGER_CASES, start=100):
        columns = {"number": _number(n), **case.bad}
        if fixed:
            columns.update(case.fix)
        rows.append(_row(n, **columns))
    path = folder / "demo" / "invoices.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _run(folder: Path, day: date) -> dict:
    code, output = cli(folder, "run", "--json", "--today", day.isoformat())
    assert code in (0, 1), output
    report = json.loads(output)
    assert report["exit_code"] == code
    return report


def _said(report: dict) -> str:
    lines = [f"{s['invoice']}: {s['reason']}" for s in report["skipped"]]
    return "\n".join([*lines, *report["problems"], *report["errors"]])


def _message_problems(message, expected_to: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What is unsafe in a message sent for an odd invoice: headers, recipients, bodies."""
    found = []
    for name, value in message.items():
        if _CONTROL.search(str(value)) or "\n" in str(value).replace("\n ", "").strip("\n"):
            found.append(f"{name} has a control character: {str(value)[:80]!r}")
    to = [a.addr_spec for a in message["To"].addresses]
    if to != [expected_to]:
        found.append(f"To is {to}, expected [{expected_to}]")
    for name in ("Cc", "Bcc", "X-Evil"):
        if message[name] is not None:
            found.append(f"{name} appeared: {message[name]}")
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        if part == "plain":
            # Tahseel isolates each inserted value between FSI and PDI (mailer/bidi.py): a
            # balanced pair is its own; any other bidi control came from the ledger.
            if body.count("\u2068") != body.count("\u2069"):
                found.append("the plain part's isolates are not balanced")
            body = body.replace("\u2068", "").replace("\u2069", "")
        hidden = _CONTROL.search(body.replace("\r\n", "\n").replace("\n", "").replace("\t", ""))
        if hidden:
            found.append(f"the {part} part holds U+{ord(hidden.group()):04X}")
    return found


def test_bad_ledger_rows_are_named_the_rest_are_sent_and_fixed_rows_chased_once(
    folder: Path,
) -> None:
    _write_ledger(folder, fixed=False)
    first = _run(folder, ANCHOR)
    said = _said(first)
    by_number = Counter(str(m["X-Tahseel-Invoice"]) for m in sent(folder))
    failures: list[str] = []
    for n in range(GOOD_ROWS):
        if by_number[f"G-{n:03d}"] != 1:
            failures.append(f"good invoice G-{n:03d} sent {by_number[f'G-{n:03d}']} times")
    for n, case in enumerate(LEDGER_CASES, start=100):
        number = case.bad.get("number", _number(n))
        if case.expect == "reported":
            lines = [line for line in said.splitlines() if number.splitlines()[0] in line]
            if not lines:
                failures.append(f"{case.name}: {number} not named in the report")
            elif not all(any(w in line for line in lines) for w in case.words):
                failures.append(f"{case.name}: report says {lines}, expected {case.words}")
            if any(k.startswith(number) for k in by_number):
                failures.append(f"{case.name}: {number} was sent")
        else:
            messages = [m for m in sent(folder) if str(m["X-Tahseel-Invoice"]) == number]
            if len(messages) != 1:
                failures.append(f"{case.name}: {number} sent {len(messages)} times; {said}")
                continue
            expected = case.to or _row(n, number, **case.bad)["emails"]
            failures += [f"{case.name}: {p}" for p in _message_problems(messages[0], expected)]
    tally.record("bad input", bad_inputs=len(LEDGER_CASES))
    assert failures == [], "\n".join(failures)
    assert first["exit_code"] == 1

    _write_ledger(folder, fixed=True)
    _run(folder, ANCHOR)
    after = Counter(str(m["X-Tahseel-Invoice"]) for m in sent(folder))
    for n, case in enumerate(LEDGER_CASES, start=100):
        number = case.fix.get("number", _number(n))
        if after[number] != 1:
            failures.append(f"{case.name}: {number} sent {after[number]} times once fixed")
    assert failures == [], "\n".join(failures)


# -- ledger data every command reads ------------------------------------------------------


def _cells(invoice: str, **columns: str) -> Callable[[Path], None]:
    """Change some cells of one invoice's row in the demo ledger."""

    def edit(folder: Path) -> None:
        path = folder / "demo" / "invoices.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        [row] = [r for r in rows if r["number"] == invoice]
        row.update(columns)
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    return edit


def _ledger_text(old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "demo" / "invoices.csv"
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")

    return edit


def _rewrite(
    delimiter: str = ",", encoding: str = "utf-8", amount: Callable[[str], str] = str
) -> Callable[[Path], None]:
    """Write the whole demo ledger again as another export would."""

    def edit(folder: Path) -> None:
        path = folder / "demo" / "invoices.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row["total"], row["amount_due"] = amount(row["total"]), amount(row["amount_due"])
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
        path.write_bytes(text.getvalue().encode(encoding))

    return edit


def _european(amount: str) -> str:
    """``11500.00`` as ``11.500,00``."""
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


def _declare(*lines: str) -> Callable[[Path], None]:
    return _yaml(
        "  path: demo/invoices.csv", "  path: demo/invoices.csv\n" + "\n".join(lines) + "\n "
    )


def _then(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        for one in edits:
            one(folder)

    return edit


@dataclass(frozen=True)
class ReadCase:
    """A change to the ledger (or its settings), a command, its exit code and its words.

    Attributes:
        name: What is odd or wrong.
        edit: The change, applied to a fresh demo folder.
        command: The command and its options (``-c`` is added).
        code: The exit code the command must give.
        words: What its output must hold.
        absent: What its output must not hold.
    """

    name: str
    edit: Callable[[Path], None]
    command: tuple[str, ...]
    code: int
    words: tuple[str, ...]
    absent: tuple[str, ...] = ()


TODAY = ("--today", ANCHOR.isoformat())
BAD_DATE = "invoices.csv:6: due_date: expected a date like 2026-11-23, got '2026-9-9'"
TWICE = "'INV-1005' is the number of the rows on lines 6 and 7 (invoice ids dmo-0005, dmo-0006)"

READ_CASES = [
    ReadCase(
        "date without leading zeros, in status",
        _cells("INV-1005", due_date="2026-9-9"),
        ("status", *TODAY),
        1,
        (f"problem: {BAD_DATE} (invoice INV-1005)", "left out of everything above"),
    ),
    ReadCase(
        "date without leading zeros, in plan --json",
        _cells("INV-1005", due_date="2026-9-9"),
        ("plan", "--json", *TODAY),
        1,
        ('"problems": [', BAD_DATE),
    ),
    ReadCase(
        "date without leading zeros, in plan",
        _cells("INV-1005", due_date="2026-9-9"),
        ("plan", *TODAY),
        1,
        (f"problem: {BAD_DATE}",),
    ),
    ReadCase(
        "amount with a decimal comma, in report",
        _cells("INV-1005", total="5.000,50", amount_due="5.000,50"),
        ("report", "-o", "report.html", *TODAY),
        1,
        ("problem: invoices.csv:6: amount_due: expected an amount like 1,234.50",),
    ),
    ReadCase(
        "amount with an unquoted thousands comma, in status",
        _ledger_text("USD,5000.00,5000.00,", "USD,5,000.00,5,000.00,"),
        ("status", *TODAY),
        1,
        ("invoices.csv:6: row: has 19 values for 17 columns; a value holding ','",),
    ),
    ReadCase(
        "amount with a thousands dot (1.000), in status",
        _cells("INV-1005", total="5.000", amount_due="5.000"),
        ("status", *TODAY),
        1,
        ("amount_due: expected an amount like 1,234.50, not 3 decimals (USD has 2;",),
    ),
    ReadCase(
        "three decimals in a currency that has them",
        _cells("INV-1005", currency="KWD", total="5.125", amount_due="5.125"),
        ("status", *TODAY),
        0,
        ("5.125 KWD",),
    ),
    ReadCase(
        "Arabic-Indic digits in an amount",
        _cells("INV-1005", total="٥٢٠٠٫٥٠", amount_due="٥٢٠٠٫٥٠"),
        ("status", *TODAY),
        0,
        ("5200.50 USD",),
    ),
    ReadCase(
        "Arabic-Indic digits in a date",
        _cells("INV-1005", due_date="٢٠٢٦-٠٩-٠٨"),
        ("status", *TODAY),
        0,
        ("2026-09-08",),
    ),
    ReadCase(
        "invoice number used twice, in status",
        _cells("INV-1006", number="INV-1005"),
        ("status", *TODAY),
        1,
        (f"problem: invoices.csv:6: number: {TWICE}",),
    ),
    ReadCase(
        "invoice number used twice, in run",
        _cells("INV-1006", number="INV-1005"),
        ("run", "--json", *TODAY),
        1,
        (TWICE,),
    ),
    ReadCase(
        "pause by a number two invoices share",
        _cells("INV-1006", number="INV-1005"),
        ("pause", "INV-1005"),
        2,
        ("'INV-1005' names 2 open invoices: id dmo-0005", "id dmo-0006", "Give the ledger id"),
    ),
    ReadCase(
        "snooze by a number two invoices share",
        _cells("INV-1006", number="INV-1005"),
        ("snooze", "INV-1005", "--until", "2026-12-01"),
        2,
        ("'INV-1005' names 2 open invoices",),
    ),
    ReadCase(
        "resume by a number two invoices share",
        _cells("INV-1006", number="INV-1005"),
        ("resume", "INV-1005"),
        2,
        ("'INV-1005' names 2 open invoices",),
    ),
    ReadCase(
        "pause by the ledger id of an invoice whose number is shared",
        _cells("INV-1006", number="INV-1005"),
        ("pause", "dmo-0006"),
        0,
        ("INV-1005 (id dmo-0006): paused=",),
    ),
    ReadCase(
        "pause by the number of a row that cannot be read",
        _cells("INV-1005", due_date="2026-9-9"),
        ("pause", "INV-1005"),
        2,
        ("no open invoice numbered 'INV-1005'", f"could not read it: {BAD_DATE}"),
    ),
    ReadCase(
        "one address repeated in any case, in plan --json",
        # INV-1003: Blue Harbor's INV-1002 waits a day behind INV-1011 (one a customer a day)
        _cells("INV-1003", emails="ap@harbor.example, AP@Harbor.Example;ap@harbor.example"),
        ("plan", "--json", *TODAY),
        0,
        ('"ap@harbor.example"',),
        ("AP@Harbor.Example",),
    ),
    ReadCase(
        "address as Name <address>, in plan --json",
        _cells("INV-1003", emails="Blue Harbor AP <payables@blueharbor.example.com>"),
        ("plan", "--json", *TODAY),
        0,
        ('"payables@blueharbor.example.com"', '"problems": []'),
        ("Blue Harbor AP <",),
    ),
    ReadCase(
        "semicolon-delimited file, in check",
        _rewrite(delimiter=";"),
        ("check",),
        2,
        ("the header is separated by ';'", 'add `delimiter: ";"`', "tahseel.yaml:20)"),
    ),
    ReadCase(
        "semicolon-delimited file, in status",
        _rewrite(delimiter=";"),
        ("status", *TODAY),
        4,
        ("missing required column(s)", 'set `delimiter: ";"` in the ledger settings'),
    ),
    ReadCase(
        "semicolon-delimited file, declared",
        _then(_rewrite(delimiter=";"), _declare('  delimiter: ";"')),
        ("status", *TODAY),
        0,
        ("INV-1005",),
    ),
    ReadCase(
        "Windows-1256 file, in check",
        _rewrite(encoding="cp1256"),
        ("check",),
        2,
        ("it reads as Windows-1256", 'add `encoding: "windows-1256"`', "tahseel.yaml:20)"),
    ),
    ReadCase(
        "Windows-1256 file, declared",
        _then(_rewrite(encoding="cp1256"), _declare("  encoding: windows-1256")),
        ("status", *TODAY),
        0,
        ("شركة الفيصل للمقاولات",),
    ),
    ReadCase(
        "decimal-comma file, in check",
        _rewrite(amount=_european),
        ("check",),
        2,
        ('add `decimal: ","`', 'add `thousands: "."`', "like 1.234,50"),
    ),
    ReadCase(
        "decimal-comma file, declared",
        _then(_rewrite(amount=_european), _declare('  decimal: ","', '  thousands: "."')),
        ("status", *TODAY),
        0,
        ("11500.00 SAR",),
    ),
    ReadCase(
        "the same separator declared twice",
        _declare('  decimal: ","'),
        ("check",),
        2,
        ("tahseel.yaml:", "decimal and thousands are both ','"),
    ),
]


@pytest.mark.parametrize("case", READ_CASES, ids=lambda c: c.name)
def test_ledger_data_is_read_as_declared_or_named(
    folder: Path, case: ReadCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    case.edit(folder)
    code, output = cli(folder, *case.command)
    tally.record("bad input", bad_inputs=1)
    assert "Traceback" not in output
    missing = [w for w in case.words if w not in output]
    present = [w for w in case.absent if w in output]
    assert (code, missing, present) == (case.code, [], []), output


# -- replies ------------------------------------------------------------------------------

ASK = "We never received the invoice. Please send it again."


@dataclass(frozen=True)
class ReplyCase:
    """A strange answer to one reminder, and whether its words must still be understood."""

    name: str
    build: Callable[[str, str], bytes]  # (to the Message-ID, from the address) -> raw
    understood: bool = True


def _head(answering: str, sender: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\nTo: accounts@nakheel.example\nSubject: Re: your invoice\n"
        f"Date: Mon, 23 Nov 2026 15:00:00 +0300\nMessage-ID: <r-{abs(hash(answering))}@c.example>\n"
        f"In-Reply-To: {answering}\nReferences: {answering}\nMIME-Version: 1.0\n{extra}"
    ).encode()


def _plain(charset: str | None, body: bytes, cte: str = "8bit") -> Callable[[str, str], bytes]:
    ctype = "text/plain" + (f'; charset="{charset}"' if charset else "")
    return lambda to, sender: (
        _head(to, sender, f"Content-Type: {ctype}\nContent-Transfer-Encoding: {cte}\n")
        + b"\n"
        + body
    )


REPLY_CASES = [
    ReplyCase(
        "Latin-1 bytes labelled UTF-8", _plain("utf-8", ASK.encode() + b" Merci, Caf\xe9.\n")
    ),
    ReplyCase("8-bit bytes with no charset", _plain(None, ASK.encode() + b" \xd9\x84\xff\n")),
    ReplyCase("unknown charset", _plain("x-klingon", ASK.encode() + b"\n")),
    ReplyCase("NUL bytes in the body", _plain("utf-8", ASK.encode() + b"\x00\x00 thanks\n")),
    ReplyCase("invalid base64", _plain("utf-8", b"V2Ugb!!!mV2ZXIgcmVjZ@@@", "base64"), False),
    ReplyCase(
        "multipart without a boundary",
        lambda to, sender: (
            _head(to, sender, "Content-Type: multipart/mixed\n")
            + b"\n--x\nContent-Type: text/plain\n\n"
            + ASK.encode()
            + b"\n--x--\n"
        ),
        False,
    ),
    ReplyCase(
        "header lines that are not UTF-8",
        lambda to, sender: (
            _head(to, sender, "Content-Type: text/plain; charset=utf-8\n").replace(
                b"Subject: Re: your invoice", b"Subject: Re: facture \xe9\xff"
            )
            + b"\n"
            + ASK.encode()
            + b"\n"
        ),
    ),
    ReplyCase(
        "an encoded subject holding CR/LF",
        lambda to, sender: (
            _head(to, sender, "Content-Type: text/plain; charset=utf-8\n").replace(
                b"Subject: Re: your invoice",
                b"Subject: =?utf-8?q?Re:_x=0D=0ABcc:_victim@evil.example?=",
            )
            + b"\n"
            + ASK.encode()
            + b"\n"
        ),
    ),
    ReplyCase(
        "a 20 MB reply",
        _plain("utf-8", ASK.encode() + b"\n" + (b"x" * 99 + b"\n") * 200_000),
    ),
    ReplyCase(
        "a 20 MB reply passed to a person",
        _plain("utf-8", b"Who are you?\n" + (b"y" * 99 + b"\n") * 200_000),
        False,
    ),
]


def test_strange_replies_are_read_past_and_the_run_goes_on(folder: Path) -> None:
    rows = [_row(n, f"R-{n:03d}") for n in range(len(REPLY_CASES) + 2)]
    path = folder / "demo" / "invoices.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    _run(folder, ANCHOR)
    first = {str(m["X-Tahseel-Invoice"]): m for m in sent(folder)}
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    for n, case in enumerate(REPLY_CASES):
        reminder = first[f"R-{n:03d}"]
        box.add(case.build(str(reminder["Message-ID"]), str(reminder["To"])))

    report = _run(folder, date(2026, 11, 24))
    said = _said(report)
    after = sent(folder)
    resent = Counter(str(m["X-Tahseel-Invoice"]) for m in after if m["X-Tahseel-Stage"] == "resend")
    failures = []
    read = sum(report["replies"].values())
    if read != len(REPLY_CASES):
        failures.append(f"{read} of {len(REPLY_CASES)} replies read: {report['replies']}; {said}")
    for n, case in enumerate(REPLY_CASES):
        number = f"R-{n:03d}"
        if case.understood and resent[number] != 1:
            failures.append(f"{case.name}: {number} resent {resent[number]} times; {said}")
    for extra in (len(REPLY_CASES), len(REPLY_CASES) + 1):
        number = f"R-{extra:03d}"
        stages = [m["X-Tahseel-Stage"] for m in after if m["X-Tahseel-Invoice"] == number]
        if stages != ["due", "overdue"] and sorted(stages) != ["due", "overdue"]:
            failures.append(f"{number}, with no reply, got {stages}")
    for message in after:
        for name, value in message.items():
            if _CONTROL.search(str(value)) or "\n" in str(value).replace("\n ", "").strip("\n"):
                failures.append(f"{message['X-Tahseel-Invoice']}: {name} holds {str(value)[:60]!r}")
    for message in after:
        size = len(message.as_bytes())
        if size > 2_000_000:
            failures.append(f"{message['X-Tahseel-Invoice']}: a {size:,}-byte message was sent")
    tally.record("bad input", bad_inputs=len(REPLY_CASES))
    assert failures == [], "\n".join(failures)


# -- the same contacts, from Xero -----------------------------------------------------

XERO_CONTACTS = [
    # (what is wrong, contact name, address, reported?)
    ("no address", "Blank Co", None, True),
    ("invalid address", "Dotted Co", "accounts.example.com", True),
    (
        "address with an injected header",
        "Crlf Co",
        "ap@x.example\r\nBcc: victim@evil.example",
        True,
    ),
    ("address with a display name", "Boss Co", "Boss <boss@evil.example>", True),
    ("two addresses in one field", "Pair Co", "a@pair.example, b@pair.example", True),
    ("name with CR/LF", "Acme\r\nBcc: victim@evil.example", "ap@acme.example", False),
    ("name with a bidi override", "\u202eAcme fdp.exe", "ap@bidi.example", False),
]


def test_bad_contacts_from_xero_are_named_and_the_rest_are_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.e2e.test_xero_run import xero_config
    from tests.emulators.xero import XeroEmulator, token_file_for

    with XeroEmulator() as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        demo.install(tmp_path / "d", anchor=ANCHOR)
        config = xero_config(tmp_path / "d", emulator)
        token_file_for(emulator, config.parent / "xero-token.json")
        org = emulator.org
        good = org.add_contact("Good Co", "ap@good.example")
        org.add_invoice("XG-1", good, "500.00", due_date=ANCHOR)
        for n, (_, name, address, _) in enumerate(XERO_CONTACTS):
            org.add_invoice(f"XB-{n}", org.add_contact(name, address), "500.00", due_date=ANCHOR)
        report = _run(config.parent, ANCHOR)
    said = _said(report)
    messages = {str(m["X-Tahseel-Invoice"]): m for m in sent(config.parent)}
    failures = [] if "XG-1" in messages else ["the good invoice XG-1 was not sent"]
    for n, (what, _, address, reported) in enumerate(XERO_CONTACTS):
        number = f"XB-{n}"
        if reported:
            if number not in said:
                failures.append(f"{what}: {number} not named in the report")
            if number in messages:
                failures.append(f"{what}: {number} was sent to {messages[number]['To']}")
        elif number not in messages:
            failures.append(f"{what}: {number} not sent; {said}")
        else:
            failures += [f"{what}: {p}" for p in _message_problems(messages[number], address)]
    tally.record("bad input", bad_inputs=len(XERO_CONTACTS))
    assert failures == [], "\n".join(failures)

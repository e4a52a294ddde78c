"""`tahseel classify`: what a reply means, as JSON, from a file, stdin or JSON lines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sync.cli import app

runner = CliRunner()


def classify(*args: str, stdin: str | bytes | None = None) -> list[dict]:
    result = runner.invoke(app, ["classify", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_a_body_on_stdin():
    (row,) = classify(stdin="السلام عليكم، لم تصلنا الفاتورة حتى الآن")
    assert row == {"intent": "invoice_not_received", "promised_date": None, "confidence": 0.93}


def test_a_promise_counts_from_the_received_day(tmp_path):
    reply = tmp_path / "reply.txt"
    reply.write_text("We will transfer the payment on the 5th.\n\n> Reminder: INV-1001", "utf-8")
    (row,) = classify(str(reply), "--received", "2026-11-23")
    assert row["intent"] == "promise_to_pay" and row["promised_date"] == "2026-12-05"
    assert 0 < row["confidence"] <= 1


def test_a_whole_message_is_read_with_its_headers(tmp_path):
    message = (
        b"From: Ali <ali@example.com>\r\nSubject: Re: Invoice INV-1\r\n"
        b"Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=windows-1256\r\n\r\n"
        + "لم تصلني الفاتورة".encode("cp1256")
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(message)
    assert classify(str(path))[0]["intent"] == "auto_reply"
    human = message.replace(b"Auto-Submitted: auto-replied\r\n", b"")
    path.write_bytes(human)
    assert classify(str(path))[0]["intent"] == "invoice_not_received"


def test_json_lines_give_one_answer_per_line():
    lines = [
        {"text": "sorry, paid it yesterday", "received": "2026-11-23"},
        {"text": "سندفع يوم الخميس إن شاء الله", "received": "2026-11-23"},
        {"text": "can we split it into three monthly instalments?"},
    ]
    rows = classify("--jsonl", "--received", "2026-11-20", stdin="\n".join(map(json.dumps, lines)))
    assert [r["intent"] for r in rows] == ["already_paid", "promise_to_pay", "payment_plan"]
    assert rows[1]["promised_date"] == "2026-11-26"


def test_json_lines_read_the_subject_when_given():
    text = "Thank you for your email."
    lines = [{"text": text, "subject": "Automatic reply: Invoice INV-1004"}, {"text": text}]
    rows = classify("--jsonl", "--received", "2026-11-20", stdin="\n".join(map(json.dumps, lines)))
    assert [r["intent"] for r in rows] == ["auto_reply", "other"]


def test_a_bad_json_line_names_its_line():
    result = runner.invoke(app, ["classify", "--jsonl"], input='{"text": "ok"}\nnot json\n')
    assert result.exit_code == 2 and "-:2:" in result.output


def test_received_takes_what_a_date_header_gives(tmp_path):
    reply = tmp_path / "reply.txt"
    text = "We will pay the day after tomorrow, or next Wednesday at the latest."
    reply.write_text(text, "utf-8")
    # Wednesday 2 December, late in the evening where the customer is (UTC: the 3rd)
    for received in ("Wed, 2 Dec 2026 22:30:00 -0500", "2026-12-02T22:30:00-05:00"):
        (row,) = classify(str(reply), "--received", received)
        assert row["promised_date"] == "2026-12-04", received
    lines = [
        {"text": "سندفع بعد بكرة", "received": "Thu, 3 Dec 2026 00:30:00 +0400"},
        {"text": "we'll pay next Wednesday", "received": "2026-12-02T09:00:00+03:00"},
    ]
    rows = classify("--jsonl", stdin="\n".join(map(json.dumps, lines)))
    assert [r["promised_date"] for r in rows] == ["2026-12-05", "2026-12-09"]


def test_a_received_date_that_cannot_be_read_says_which_forms_are_read():
    result = runner.invoke(app, ["classify", "--received", "Dec 2nd"], input="paid")
    assert result.exit_code == 2
    assert "--received" in result.output and "Date header" in result.output
    bad = json.dumps({"text": "paid", "received": "tomorrow"})
    result = runner.invoke(app, ["classify", "--jsonl"], input=bad + "\n")
    assert result.exit_code == 2 and "-:1:" in result.output and "ISO 8601" in result.output

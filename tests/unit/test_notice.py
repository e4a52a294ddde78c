"""The notice to a person about a customer's reply: its template, text and fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from mailer.render import Renderer, default_search_path
from sync.replies.understanding import Intent
from sync.run.context import RunContext
from sync.run.messages import Composer, notice_context
from sync.run.outbound import Identity, sample_invoice
from sync.run.reply_desk import TELLS
from sync.store.tables import ReplyRow

BUILTIN = Path(__file__).resolve().parents[2] / "templates"
WHAT = TELLS[Intent.ALREADY_PAID]

# The notice exactly as it was written in code before it became a template.
TEXT = (
    "Sample Customer Co. answered about invoice INV-0001 (1000.00 SAR due 2026-01-31):"
    " the customer says it is paid.\n"
    "\n"
    "From ap@example.com on 2026-02-03 09:15 UTC:\n"
    "\n"
    "> We paid this on Monday <by transfer>.\n"
    '> Ref: TT-42 & "thanks"\n'
    "> Sam O'Brien\n"
    "\n"
    "When it is settled: tahseel resume INV-0001 (or tahseel snooze INV-0001"
    " --until YYYY-MM-DD).\n"
)
HTML = (
    "<pre>Sample Customer Co. answered about invoice INV-0001 (1000.00 SAR due 2026-01-31):"
    " the customer says it is paid.\n"
    "\n"
    "From ap@example.com on 2026-02-03 09:15 UTC:\n"
    "\n"
    "&gt; We paid this on Monday &lt;by transfer&gt;.\n"
    "&gt; Ref: TT-42 &amp; &#34;thanks&#34;\n"
    "&gt; Sam O&#39;Brien\n"
    "\n"
    "When it is settled: tahseel resume INV-0001 (or tahseel snooze INV-0001"
    " --until YYYY-MM-DD).\n"
    "</pre>"
)


def reply(excerpt: str | None) -> ReplyRow:
    return ReplyRow(
        id=7,
        sender="ap@example.com",
        received_at=datetime(2026, 2, 3, 9, 15, tzinfo=UTC),
        excerpt=excerpt,
    )


SAMPLE = reply('We paid this on Monday <by transfer>.\nRef: TT-42 & "thanks"\nSam O\'Brien')


def render(renderer: Renderer, row: ReplyRow) -> Any:
    return renderer.render("notice", "en", notice_context(row, sample_invoice(), WHAT))


def test_notice_reads_as_it_did_when_written_in_code() -> None:
    rendered = render(Renderer(default_search_path()), SAMPLE)
    assert rendered.subject == "Tahseel: INV-0001, the customer says it is paid"
    assert rendered.text == TEXT
    assert rendered.html == HTML


def test_notice_html_escapes_what_the_customer_wrote() -> None:
    rendered = render(Renderer([BUILTIN]), reply("<script>alert('x')</script> & <b>bold</b>"))
    assert "<script>" not in rendered.html and "<b>" not in rendered.html
    assert "&gt; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in rendered.html
    # the plain text is sent as the customer wrote it
    assert "> <script>alert('x')</script> & <b>bold</b>\n" in rendered.text


def test_notice_quotes_at_most_sixty_lines_and_none_of_an_empty_reply() -> None:
    long = render(Renderer([BUILTIN]), reply("\n".join(f"line {n}" for n in range(100))))
    assert "> line 59\n" in long.text and "line 60" not in long.text
    empty = render(Renderer([BUILTIN]), reply(None))
    assert "UTC:\n\nWhen it is settled" in empty.text
    assert ">" not in empty.text


def test_a_blank_line_of_the_reply_is_quoted_without_a_trailing_space() -> None:
    # Text templates have trailing spaces trimmed by the renderer; the HTML keeps them.
    rendered = render(Renderer([BUILTIN]), reply("Paid.\n\n-- \nSam"))
    assert "> Paid.\n>\n> --\n> Sam\n" in rendered.text
    assert "&gt; Paid.\n&gt; \n&gt; -- \n&gt; Sam\n" in rendered.html


def test_a_template_folder_without_a_notice_falls_back_to_the_built_in_one(
    tmp_path: Path,
) -> None:
    own = tmp_path / "templates"
    (own / "en").mkdir(parents=True)
    for part in ("subject.txt", "txt", "html"):
        (own / "en" / f"due.{part}").write_text("Pay {{ invoice.number }}\n", encoding="utf-8")
    renderer = Renderer(default_search_path(own))
    assert not (own / "en" / "notice.txt").exists()
    assert renderer.has_template("notice", "en")
    assert render(renderer, SAMPLE).text == TEXT


def test_a_template_folder_may_word_the_notice_its_own_way(tmp_path: Path) -> None:
    own = tmp_path / "templates"
    (own / "en").mkdir(parents=True)
    (own / "en" / "notice.subject.txt").write_text("Reply on {{ invoice.number }}\n")
    (own / "en" / "notice.txt").write_text("{{ customer.name }}: {{ what }}\n")
    (own / "en" / "notice.html").write_text("<p>{{ customer.name }}: {{ what }}</p>\n")
    rendered = render(Renderer(default_search_path(own)), SAMPLE)
    assert rendered.subject == "Reply on INV-0001"
    assert rendered.text == "Sample Customer Co.: the customer says it is paid\n"


@pytest.fixture
def composer() -> Composer:
    ctx = SimpleNamespace(
        renderer=Renderer(default_search_path()),
        identity=Identity("acme", "Acme", "Acme Accounts", "ar@acme.example", None),
        settings=SimpleNamespace(notify_addresses=("boss@acme.example", "ops@acme.example")),
        now=datetime(2026, 2, 3, 10, 0, tzinfo=UTC),
        tenant="acme",
    )
    return Composer(cast(RunContext, ctx))


def test_the_composed_notice_goes_to_the_people_in_notify(composer: Composer) -> None:
    message = composer.notice(SAMPLE, sample_invoice(), WHAT)
    assert isinstance(message, EmailMessage) or hasattr(message, "get_body")
    assert str(message["Subject"]) == "Tahseel: INV-0001, the customer says it is paid"
    assert str(message["To"]) == "boss@acme.example, ops@acme.example"
    assert str(message["Message-ID"]) == composer.message_id(sample_invoice(), "notice", 7)
    assert str(message["Content-Language"]) == "en"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == TEXT

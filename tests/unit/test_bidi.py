"""Bidirectional isolation (issue 19, section 4): every inserted value keeps its direction.

In plain text each value from the context is wrapped in FSI … PDI; in HTML in
``<bdi>``; the subject, a mail header, stays plain. The layout in a browser is checked
in ``tests/e2e/test_mail_order.py``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from connectors.models import Contact
from mailer.bidi import FSI, PDI, Isolated, finalizer
from mailer.render import Renderer, default_search_path
from sync.config.checks import CONTROL_CHARACTERS
from sync.run.outbound import Identity, sample_invoice, template_context
from sync.run.wording import Wording
from sync.store.tables import ThreadInfo

TEMPLATES = ("courtesy", "due", "overdue", "weekly", "final", "resend", "thank_you", "acknowledge")
VALUES = {
    "customer": "Nakheel Buyer Co.",
    "number": "INV-77/B",
    "reference": "PO-9.1",
    "business": "Seller Co. Ltd.",
    "sender": "Huda S.",
    "phone": "+966 55 000",
    "party": "Law Firm LLP.",
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(default_search_path())


def context(template: str, language: str) -> dict:
    invoice = sample_invoice()
    invoice = invoice.__class__(
        **{
            **{f: getattr(invoice, f) for f in invoice.__dataclass_fields__},
            "number": VALUES["number"],
            "reference": VALUES["reference"],
            "contact": Contact("c", VALUES["customer"], ("a@x.example",)),
        }
    )
    identity = Identity("t", VALUES["business"], VALUES["sender"], "s@x.example", None)
    wording = Wording(phone=VALUES["phone"], party={"en": VALUES["party"], "ar": VALUES["party"]})
    return template_context(
        invoice,
        identity,
        stage=template,
        cycle=1,
        language=language,
        payment_link="https://pay.example.com/i/1",
        attachment=True,
        today=invoice.due_date + timedelta(days=40),
        promised_date=date(2026, 3, 1),
        thread=ThreadInfo(None, None, (), reminders_sent=2),
        wording=wording,
        deadline=date(2026, 3, 9),
    )


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_inserted_value_is_isolated_in_plain_text(renderer, template, language) -> None:
    text = renderer.render(template, language, context(template, language)).text
    found = 0
    for value in VALUES.values():
        for match in re.finditer(re.escape(value), text):
            found += 1
            before, after = text[match.start() - 1], text[match.end()]
            assert (before, after) == (FSI, PDI), f"{value!r} not isolated in {template}"
    assert found >= 4  # the number, the customer, the sender and the business at least
    assert text.count(FSI) == text.count(PDI)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_inserted_value_is_isolated_in_html(renderer, template, language) -> None:
    html = renderer.render(template, language, context(template, language)).html
    body = html.split("</title>", 1)[1]
    for value in VALUES.values():
        for match in re.finditer(re.escape(value), body):
            assert body[: match.start()].endswith("<bdi>"), f"{value!r} in {template}"
            assert body[match.end() :].startswith("</bdi>")
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<bdi>" not in title and VALUES["number"] in title  # no markup where none is read


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_subject_stays_plain(renderer, template, language) -> None:
    subject = renderer.render(template, language, context(template, language)).subject
    assert VALUES["number"] in subject and not CONTROL_CHARACTERS.search(subject)


def test_links_are_not_wrapped_where_markup_would_break_them(renderer) -> None:
    rendered = renderer.render("overdue", "ar", context("overdue", "ar"))
    assert 'href="https://pay.example.com/i/1"' in rendered.html
    assert "\nhttps://pay.example.com/i/1\n" in rendered.text  # a line of its own, copyable


def test_a_template_author_gets_isolation_without_asking(tmp_path: Path) -> None:
    for part, body in (
        ("subject.txt", "{{ name }}"),
        ("txt", "{{ name }} / {{ name | plain }} / {{ other }}"),
        ("html", '<p title="{{ name | plain }}">{{ name }}</p>'),
    ):
        (tmp_path / "ar").mkdir(exist_ok=True)
        (tmp_path / "ar" / f"probe.{part}").write_text(body, "utf-8")
    out = Renderer([tmp_path]).render("probe", "ar", {"name": Isolated("A & B Co."), "other": "x"})
    assert out.subject == "A & B Co."
    assert out.text == f"{FSI}A & B Co.{PDI} / A & B Co. / x\n"
    assert out.html == '<p title="A &amp; B Co."><bdi>A &amp; B Co.</bdi></p>'


def test_finalizers_pass_other_values_unchanged() -> None:
    for part in ("subject", "text", "html"):
        final = finalizer(part)  # type: ignore[arg-type]
        assert final(3) == 3 and final(None) is None and final("x") == "x"
        assert final(Isolated("")) == ""

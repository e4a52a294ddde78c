"""Rendering: every shipped template, the Babel filters, strictness and the sandbox."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mailer.errors import TemplateError
from mailer.render import Renderer, default_search_path

BUILTIN = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = ("courtesy", "due", "overdue", "weekly", "final", "resend", "thank_you")
REMINDERS = tuple(t for t in TEMPLATES if t != "thank_you")
LANGUAGES = ("en", "ar")
LINK = "https://pay.example.com/inv/42?k=abc"


def sample_context(language: str, **changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "business": {"name": "Nakheel Trading", "email": "accounts@nakheel.example"},
        "customer": {"name": "Al Waha Cafe", "salutation": "company"},
        "invoice": {
            "number": "INV-0042",
            "reference": "PO-77",
            "currency": "SAR",
            "total": Decimal("11500.00"),
            "amount_due": Decimal("11500.00"),
            "issue_date": date(2025, 3, 1),
            "due_date": date(2025, 3, 31),
            "days_overdue": 5,
        },
        "payment_link": LINK,
        "stage": {"name": "overdue", "cycle": 1},
        "sender": {"name": "Huda Saleh", "email": "huda@nakheel.example", "phone": None},
        "language": language,
        "attachment": False,
        "promised_date": None,
        "replied": False,
        "promised": None,
        "promise_kept": None,
        "reminders_sent": 0,
        "deadline": date(2025, 4, 14),
        "greeting": "standard",
        "escalation": {"party": "our legal counsel"},
        "thank_you": {"note": None},
        "late_fee": None,
    }
    for dotted, value in changes.items():
        target = context
        *path, last = dotted.split("__")
        for key in path:
            target = target[key]
        target[last] = value
    return copy.deepcopy(context)


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def tiny_set(
    folder: Path,
    *,
    subject: str = "Hi {{ customer.name }}",
    text: str = "t",
    html: str = "<p>{{ customer.name }}</p>",
    name: str = "probe",
) -> Renderer:
    write(folder, f"en/{name}.subject.txt", subject)
    write(folder, f"en/{name}.txt", text)
    write(folder, f"en/{name}.html", html)
    return Renderer([folder])


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(default_search_path())


def test_default_search_path_points_at_the_shipped_templates() -> None:
    assert default_search_path() == [BUILTIN]
    assert default_search_path(Path("/x")) == [Path("/x"), BUILTIN]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"payment_link": None, "attachment": True, "invoice__reference": None},
        {"invoice__days_overdue": -3, "stage__cycle": 4, "invoice__amount_due": Decimal("2.5")},
        {"invoice__days_overdue": 0, "invoice__currency": "USD"},
    ],
    ids=["link", "no-link", "ahead", "today"],
)
def test_every_shipped_template_checks_clean(
    renderer: Renderer, template: str, language: str, changes: dict[str, Any]
) -> None:
    context = sample_context(language, **changes)
    assert renderer.has_template(template, language)
    assert renderer.check(template, language, context) == []
    rendered = renderer.render(template, language, context)
    assert rendered.language == language
    assert rendered.subject and "\n" not in rendered.subject and len(rendered.subject) <= 200
    assert "INV-0042" in rendered.subject
    for body in (rendered.text, rendered.html):
        assert "INV-0042" in body
        assert "Huda Saleh" in body and "Nakheel Trading" in body
    assert "\n\n\n" not in rendered.text


@pytest.mark.parametrize("template", TEMPLATES)
def test_html_direction_matches_the_language(renderer: Renderer, template: str) -> None:
    arabic = renderer.render(template, "ar", sample_context("ar")).html
    english = renderer.render(template, "en", sample_context("en")).html
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "text-align:right" in arabic
    assert '<html lang="en" dir="ltr">' in english
    assert 'dir="rtl"' not in english


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", REMINDERS)
def test_reminders_show_the_payment_link_or_how_to_pay(
    renderer: Renderer, template: str, language: str
) -> None:
    with_link = renderer.render(template, language, sample_context(language))
    assert LINK in with_link.text
    assert f'href="{LINK.replace("&", "&amp;")}"' in with_link.html
    without = renderer.render(template, language, sample_context(language, payment_link=None))
    reply_hint = "reply to this email" if language == "en" else "الرد على هذه الرسالة"
    assert reply_hint in without.text and reply_hint in without.html
    assert 'href="https://' not in without.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_final_notice_is_firm_and_mentions_the_attachment(
    renderer: Renderer, language: str
) -> None:
    rendered = renderer.render("final", language, sample_context(language, attachment=True))
    referral = "refer the matter" if language == "en" else "إحالة الأمر"
    attached = "attached" if language == "en" else "مرفق"
    assert referral in rendered.text and referral in rendered.html
    assert attached in rendered.text and attached in rendered.html


def test_thank_you_asks_for_nothing(renderer: Renderer) -> None:
    rendered = renderer.render("thank_you", "en", sample_context("en"))
    assert LINK not in rendered.text and LINK not in rendered.html
    assert "Thank you" in rendered.text.splitlines()[0]


def test_money_date_and_number_in_english(renderer: Renderer) -> None:
    rendered = renderer.render("overdue", "en", sample_context("en"))
    assert "SAR\u00a011,500.00" in rendered.text
    assert "March 31, 2025" in rendered.text
    usd = renderer.render("due", "en", sample_context("en", invoice__currency="USD"))
    assert "$11,500.00" in usd.text


def test_money_date_and_number_in_arabic_keep_latin_digits_by_default(
    renderer: Renderer,
) -> None:
    rendered = renderer.render("weekly", "ar", sample_context("ar", invoice__days_overdue=12))
    assert "11,500.00" in rendered.text and "ريال سعودي" in rendered.text
    assert "ر.س." in rendered.html  # the details table keeps the symbol
    assert "31 مارس 2025" in rendered.text
    assert "12 يومًا" in rendered.text
    assert not any("\u0660" <= ch <= "\u0669" for ch in rendered.text)


def test_arabic_digits_option_changes_only_filter_output() -> None:
    renderer = Renderer(default_search_path(), digits="arabic")
    rendered = renderer.render("weekly", "ar", sample_context("ar", invoice__days_overdue=12))
    assert "١١٬٥٠٠٫٠٠" in rendered.text
    assert "٣١ مارس ٢٠٢٥" in rendered.text
    assert "١٢ يومًا" in rendered.text
    assert "INV-0042" in rendered.text  # data is not a filter's output: left as written
    english = renderer.render("weekly", "en", sample_context("en"))
    assert "SAR\u00a011,500.00" in english.text


def test_invalid_digits_option_is_refused() -> None:
    with pytest.raises(ValueError):
        Renderer([BUILTIN], digits="persian")  # type: ignore[arg-type]


def test_typo_names_the_file_and_line(tmp_path: Path) -> None:
    renderer = tiny_set(tmp_path, text="Hello\n\n{{ invoice.numbr }}\n")
    context = sample_context("en")
    problems = renderer.check("probe", "en", context)
    assert problems == [f"{tmp_path / 'en' / 'probe.txt'}:3: 'invoice' has no attribute 'numbr'"]
    with pytest.raises(TemplateError) as caught:
        renderer.render("probe", "en", context)
    assert caught.value.problems == problems


def test_dots_read_context_data_as_the_jinja_sandbox_does(tmp_path: Path) -> None:
    # A key named like a dict method still reads as the method, as in plain Jinja;
    # other keys read as the data, and the sandbox still refuses a mutating method.
    text = (
        "{{ customer.name }}|{{ customer.items is callable }}|{{ customer.extra.deep }}"
        "|{{ customer['items'] }}"
    )
    renderer = tiny_set(tmp_path, text=text)
    context = sample_context("en")
    context["customer"] = {"name": "Al Waha", "items": "three cups", "extra": {"deep": 7}}
    assert renderer.render("probe", "en", context).text.strip() == "Al Waha|True|7|three cups"
    mutating = tiny_set(tmp_path, text="{{ customer.update({'name': 'x'}) }}", name="mut")
    with pytest.raises(TemplateError):
        mutating.render("mut", "en", context)


def test_check_lists_every_problem_across_parts(tmp_path: Path) -> None:
    renderer = tiny_set(
        tmp_path,
        subject="{{ invoce.number }}",
        text="{{ customer.nam }}\n{% if payment_lnk %}x{% endif %}\n",
        html="{% extends 'en/_base.html' %}{% block b %}\n{{ sender.nme }}{% endblock %}",
    )
    write(tmp_path, "en/_base.html", "<p>\n\n{% block b %}{% endblock %}</p>")
    problems = renderer.check("probe", "en", sample_context("en"))
    en = tmp_path / "en"
    assert f"{en / 'probe.subject.txt'}:1: 'invoce' is undefined" in problems
    assert f"{en / 'probe.txt'}:1: 'customer' has no attribute 'nam'" in problems
    assert f"{en / 'probe.txt'}:2: 'payment_lnk' is undefined" in problems
    assert f"{en / 'probe.html'}:2: 'sender' has no attribute 'nme'" in problems
    assert len(problems) == 4


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    renderer = tiny_set(tmp_path, html="<p>\n\n{% if customer.name %}\n</p>\n")
    problems = renderer.check("probe", "en", sample_context("en"))
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'en' / 'probe.html'}:4: ")
    assert "endif" in problems[0]
    with pytest.raises(TemplateError):
        renderer.render("probe", "en", sample_context("en"))


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("{{ '' }}", "renders empty"),
        ("a{{ '\\n' }}b", "more than one line"),
        ("{{ 'x' * 201 }}", "201 characters"),
        ("a{{ '\\x07' }}b", "control characters"),
        ("a{{ '\\u2028' }}b", "control characters"),
    ],
)
def test_bad_subjects_are_reported(tmp_path: Path, subject: str, message: str) -> None:
    renderer = tiny_set(tmp_path, subject=subject)
    problems = renderer.check("probe", "en", sample_context("en"))
    assert any(message in p for p in problems), problems
    with pytest.raises(TemplateError):
        renderer.render("probe", "en", sample_context("en"))


def test_output_over_the_limit_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "en/big.subject.txt", "s")
    write(tmp_path, "en/big.txt", "{% for i in range(2000) %}0123456789{% endfor %}")
    write(tmp_path, "en/big.html", "<p></p>")
    renderer = Renderer([tmp_path], max_output=10_000)
    assert any("over 10000 characters" in p for p in renderer.check("big", "en", {}))
    with pytest.raises(TemplateError, match="over 10000"):
        renderer.render("big", "en", {})


def test_huge_repetition_is_refused_before_it_is_built(tmp_path: Path) -> None:
    renderer = tiny_set(tmp_path, text="{{ 'x' * 100000000 }}")
    with pytest.raises(TemplateError):
        renderer.render("probe", "en", sample_context("en"))


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__class__ }}",
        "{{ (customer|attr('__class__')) }}",
        "{{ ''.format.__globals__ }}",
    ],
)
def test_sandbox_blocks_python_internals(tmp_path: Path, expression: str) -> None:
    renderer = tiny_set(tmp_path, text=expression)
    with pytest.raises(TemplateError):
        renderer.render("probe", "en", sample_context("en"))
    assert renderer.check("probe", "en", sample_context("en")) != []


def test_sandbox_is_immutable(tmp_path: Path) -> None:
    renderer = tiny_set(tmp_path, text="{{ customer.update({'name': 'x'}) }}")
    with pytest.raises(TemplateError):
        renderer.render("probe", "en", sample_context("en"))


def test_html_is_escaped_and_text_is_not(renderer: Renderer) -> None:
    name = "<script>alert(1)</script> & Sons"
    rendered = renderer.render("due", "en", sample_context("en", customer__name=name))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in rendered.html
    assert name in rendered.text


def test_user_folder_overrides_one_file(tmp_path: Path) -> None:
    write(tmp_path, "en/due.subject.txt", "Pay {{ invoice.number }} today please")
    renderer = Renderer(default_search_path(tmp_path))
    rendered = renderer.render("due", "en", sample_context("en"))
    assert rendered.subject == "Pay INV-0042 today please"
    assert "A quick reminder" in rendered.text


def test_missing_template_and_bad_names(renderer: Renderer, tmp_path: Path) -> None:
    assert not renderer.has_template("nope", "en")
    assert not renderer.has_template("due", "fr")
    assert not renderer.has_template("../due", "en")
    problems = renderer.check("nope", "en", sample_context("en"))
    assert problems and all("template not found" in p for p in problems)
    with pytest.raises(TemplateError):
        renderer.render("due", "../en", sample_context("en"))


def test_filters_refuse_wrong_types(tmp_path: Path) -> None:
    renderer = tiny_set(tmp_path, text="{{ customer.name | money('SAR') }}")
    problems = renderer.check("probe", "en", sample_context("en"))
    assert problems == [
        f"{tmp_path / 'en' / 'probe.txt'}:1: TypeError: money filter expects a number, got str"
    ]
    renderer = tiny_set(tmp_path, text="{{ none | date }}")
    with pytest.raises(TemplateError, match="date filter expects a date"):
        renderer.render("probe", "en", sample_context("en"))


@pytest.mark.parametrize(
    ("language", "digits", "expected"),
    [
        ("en", "latin", "1,234,567.5|3/31/25|$11,500.00|March 31, 2025"),
        ("en", "arabic", "1,234,567.5|3/31/25|$11,500.00|March 31, 2025"),
        ("ar", "latin", "1,234,567.5|31\u200f/3\u200f/2025|\u200f11,500.00\u00a0US$|31 مارس 2025"),
        ("ar", "arabic", "١٬٢٣٤٬٥٦٧٫٥|٣١\u200f/٣\u200f/٢٠٢٥|\u200f١١٬٥٠٠٫٠٠\u00a0US$|٣١ مارس ٢٠٢٥"),
    ],
)
def test_filters_follow_the_message_language(
    tmp_path: Path, language: str, digits: str, expected: str
) -> None:
    body = (
        "{{ 1234567.5 | number }}|{{ invoice.due_date | date('short') }}|"
        "{{ invoice.total | money('USD') }}|{{ invoice.due_date | date }}"
    )
    for part, text in (("subject.txt", "s"), ("txt", body), ("html", "<p></p>")):
        write(tmp_path, f"{language}/f.{part}", text)
    renderer = Renderer([tmp_path], digits=digits)  # type: ignore[arg-type]
    text = renderer.render("f", language, sample_context(language)).text.strip()
    assert text == expected

"""The words customers read (issue 19, section 7): subjects, truthful templates, variables.

Most tests render the built-in templates through ``mailer.render`` with the context a
run builds (``sync.run.outbound.template_context``), in both languages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.models import Contact
from mailer.bidi import FSI, PDI
from mailer.render import Renderer, default_search_path
from sync.config.settings import Settings
from sync.config.wording import CustomerSettings
from sync.plan.calendar import BusinessCalendar
from sync.run.checks import check_templates
from sync.run.outbound import Identity, sample_invoice, template_context
from sync.run.wording import Wording
from sync.store.tables import ThreadInfo

IDENTITY = Identity("t", "Nakheel Trading Co.", "Huda Saleh", "huda@nakheel.example", None)
INVOICE = sample_invoice()
DUE = INVOICE.due_date
REMINDERS = ("courtesy", "due", "overdue", "weekly", "final")
EVERY = (*REMINDERS, "resend", "thank_you", "acknowledge")
STAGES = [
    {"name": "courtesy", "offset_days": -3},
    {"name": "due", "offset_days": 0},
    {"name": "overdue", "offset_days": 1},
    {"name": "weekly", "offset_days": 8, "repeat_every_days": 7, "repeat_limit": 2},
    {"name": "final", "offset_days": 30, "attach_pdf": True},
]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(default_search_path())


def plain(text: str) -> str:
    """Text without the isolation marks, to read it as a person does."""
    return text.replace(FSI, "").replace(PDI, "")


def render(
    renderer: Renderer,
    template: str,
    language: str,
    *,
    late: int = 12,
    thread: ThreadInfo | None = None,
    wording: Wording | None = None,
    **changes: Any,
) -> tuple[str, str, str]:
    today = DUE + timedelta(days=late)
    invoice = replace(INVOICE, **changes)
    context = template_context(
        invoice,
        IDENTITY,
        stage=template,
        cycle=1,
        language=language,
        payment_link=None,
        attachment=template in ("final", "resend"),
        today=today,
        promised_date=today + timedelta(days=5),
        thread=thread,
        wording=wording or Wording(),
        deadline=date(2026, 3, 2),
    )
    out = renderer.render(template, language, context)
    return out.subject, plain(out.text), out.html


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "business": {"name": "Nakheel Trading Co."},
        "sender": {"name": "Huda", "email": "huda@nakheel.example"},
        "policy": {"stages": STAGES},
        "source": tmp_path / "tahseel.yaml",
    }
    data.update(extra)
    return Settings.model_validate(data)


# -- neutral thread subjects ------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_message_of_a_thread_has_one_neutral_subject(renderer, language) -> None:
    subjects = {render(renderer, t, language, late=late)[0] for t in EVERY for late in (-2, 0, 40)}
    expected = {"en": "Invoice INV-0001 from Nakheel Trading Co."}
    expected["ar"] = "الفاتورة INV-0001 من Nakheel Trading Co."
    assert subjects == {expected[language]}


@pytest.mark.parametrize(
    ("template", "language", "first"),
    [
        ("courtesy", "en", "Friendly reminder: invoice INV-0001 is due in 2 days"),
        ("courtesy", "ar", "تذكير ودي: الفاتورة رقم INV-0001 تستحق بعد يومين"),
        ("due", "en", "Reminder: invoice INV-0001 is due today"),
        ("due", "ar", "تذكير: الفاتورة رقم INV-0001 تستحق اليوم"),
        ("overdue", "en", "Reminder: invoice INV-0001 is 12 days overdue"),
        ("overdue", "ar", "تذكير: الفاتورة رقم INV-0001 متأخرة عن موعد استحقاقها منذ 12 يومًا"),
        ("weekly", "en", "Follow-up: invoice INV-0001 is 12 days overdue"),
        ("final", "en", "Final notice: invoice INV-0001"),
        ("final", "ar", "إشعار أخير: الفاتورة رقم INV-0001"),
        ("resend", "en", "Invoice INV-0001 sent again"),
        ("resend", "ar", "إعادة إرسال الفاتورة رقم INV-0001"),
        ("thank_you", "en", "Thank you: payment received for invoice INV-0001"),
        ("thank_you", "ar", "شكرًا لكم: تم استلام سداد الفاتورة رقم INV-0001"),
        ("acknowledge", "en", "Payment date noted: invoice INV-0001"),
    ],
)
def test_the_first_line_says_what_the_message_is_about(renderer, template, language, first):
    late = -2 if template == "courtesy" else 0 if template == "due" else 12
    _, text, html = render(renderer, template, language, late=late)
    assert text.splitlines()[0] == first
    assert (
        plain(html.split('font-weight:bold;">', 1)[1].split("</p>")[0])
        .replace("<bdi>", "")
        .replace("</bdi>", "")
        == first
    )


def test_check_refuses_a_subject_that_differs_by_stage(tmp_path) -> None:
    own = tmp_path / "templates"
    (own / "en").mkdir(parents=True)
    (own / "en" / "_subject.txt").write_text(
        "Invoice {{ invoice.number }}{#\n#} ({{ stage.name }})\n", "utf-8"
    )
    settings = settings_for(tmp_path)
    problems = check_templates(settings, Renderer([own, *default_search_path()]))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{own / 'en' / '_subject.txt'}:2: the thread subject renders")
    assert "{% block about %}" in problems[0]


def test_check_says_what_to_do_with_an_old_stage_subject_file(tmp_path) -> None:
    own = tmp_path / "templates"
    (own / "ar").mkdir(parents=True)
    old = own / "ar" / "overdue.subject.txt"
    old.write_text("تذكير: الفاتورة {{ invoice.number }} تجاوزت موعد استحقاقها\n", "utf-8")
    renderer = Renderer([own, *default_search_path()])
    problems = check_templates(settings_for(tmp_path), renderer)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{old}:1: the subject of 'overdue' (ar) renders")
    assert "delete this file so ar/_subject.txt is used" in problems[0]
    # the same file, neutral by rule, is accepted: it renders as the thread subject does
    old.write_text("الفاتورة {{ invoice.number }} من {{ business.name }}\n", "utf-8")
    assert check_templates(settings_for(tmp_path), Renderer([own, *default_search_path()])) == []


def test_the_shipped_templates_check_clean_in_every_sample_context(tmp_path) -> None:
    settings = settings_for(
        tmp_path,
        sender={"name": "Huda", "email": "huda@nakheel.example", "phone": "+966 11 234 5678"},
        language={"greeting": "islamic"},
        customers={"sample": {"salutation": "person"}},
    )
    assert check_templates(settings, Renderer(default_search_path())) == []


# -- no statement the context does not establish ----------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_weekly_says_no_reply_came_only_when_none_did(renderer, language) -> None:
    silent = {"en": "have not yet heard back", "ar": "دون أن يصلنا ردّكم"}[language]
    thanks = {"en": "Thank you for being in touch", "ar": "ونشكركم على تواصلكم"}[language]
    quiet = ThreadInfo(None, None, (), replied=False, reminders_sent=3)
    answered = replace(quiet, replied=True)
    first_time = replace(quiet, reminders_sent=1)
    assert silent in render(renderer, "weekly", language, thread=quiet)[1]
    text = render(renderer, "weekly", language, thread=answered)[1]
    assert silent not in text and thanks in text
    assert silent not in render(renderer, "weekly", language, thread=first_time)[1]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_broken_promise_is_named_only_once_its_date_has_passed(renderer, language) -> None:
    words = {"en": "You told us it would be paid by", "ar": "وكنتم قد أفدتمونا"}[language]
    passed = ThreadInfo(None, None, (), replied=True, promised=DUE + timedelta(days=3))
    pending = replace(passed, promised=DUE + timedelta(days=30))
    for template in ("overdue", "weekly", "final"):
        assert words in render(renderer, template, language, thread=passed)[1]
        assert words not in render(renderer, template, language, thread=pending)[1]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_final_speaks_of_earlier_reminders_only_when_there_were_some(renderer, language):
    earlier = {"en": "Despite our earlier reminders", "ar": "على الرغم من تذكيراتنا السابقة"}
    none = render(renderer, "final", language, thread=ThreadInfo(None, None, ()))[1]
    some = render(renderer, "final", language, thread=ThreadInfo(None, None, (), reminders_sent=2))
    assert earlier[language] not in none and earlier[language] in some[1]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_overdue_does_not_guess_it_was_missed_after_a_reply(renderer, language) -> None:
    missed = {"en": "may simply have been missed", "ar": "فاتتكم سهوًا"}[language]
    assert missed in render(renderer, "overdue", language)[1]
    replied = ThreadInfo(None, None, (), replied=True)
    assert missed not in render(renderer, "overdue", language, thread=replied)[1]


def test_thread_facts_come_from_the_replies_on_record(tmp_path) -> None:
    """``replied`` counts a customer's own reply, not an auto-reply; ``promised`` the latest."""
    from sync.store.store import _thread

    class Row:
        def __init__(self, kind: str, day: int, promised: date | None = None) -> None:
            self.kind, self.promised, self.message_id = kind, promised, f"<{kind}{day}@x>"
            self.received_at = DUE + timedelta(days=day)

    auto = _thread([], [Row("auto_reply", 1)])
    assert not auto.replied and auto.promised is None
    two = _thread([], [Row("promise_to_pay", 1, DUE), Row("promise_to_pay", 4, DUE + timedelta(9))])
    assert two.replied and two.promised == DUE + timedelta(9)


# -- what the seeds advise -----------------------------------------------------------------


@pytest.mark.parametrize("template", ["overdue", "weekly"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_overdue_and_weekly_offer_instalments_and_a_deferral(renderer, template, language):
    text = render(renderer, template, language)[1]
    words = {
        "en": ("instalments", "short deferral", "tell us"),
        "ar": ("على دفعات", "تأجيل محدود", "ما يحول دون"),
    }[language]
    assert all(w in text for w in words), text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_final_gives_a_deadline_a_party_and_prefers_a_settlement(renderer, language) -> None:
    party = {"en": "Al Rashid Law Firm", "ar": "مكتب الراشد للمحاماة"}
    wording = Wording(party=party)
    text = render(renderer, "final", language, wording=wording)[1]
    deadline = {"en": "March 2, 2026", "ar": "2 مارس 2026"}[language]
    settle = {"en": "settle this amicably", "ar": "التسوية الودية"}[language]
    assert deadline in text and party[language] in text and settle in text
    default = render(renderer, "final", language)[1]
    assert {"en": "our legal counsel", "ar": "مستشارنا القانوني"}[language] in default


def test_the_deadline_counts_business_days_on_the_calendar() -> None:
    calendar = BusinessCalendar(weekend=frozenset({4, 5}), holidays=frozenset({date(2026, 3, 3)}))
    # Sunday 1 March 2026 + 3 business days: Mon 2, (Tue 3 a holiday), Wed 4, Thu 5
    assert Wording(deadline_days=3).deadline(date(2026, 3, 1), calendar) == date(2026, 3, 5)
    # from a Thursday, 1 business day: the weekend (Fri, Sat) is skipped
    assert Wording(deadline_days=1).deadline(date(2026, 3, 5), calendar) == date(2026, 3, 8)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_phone_is_in_the_signature_only_when_set(renderer, language) -> None:
    label = {"en": "Phone: +966 55 123 4567", "ar": "الهاتف: +966 55 123 4567"}[language]
    with_phone = render(
        renderer, "due", language, late=0, wording=Wording(phone="+966 55 123 4567")
    )
    assert label in with_phone[1] and "+966 55 123 4567" in with_phone[2]
    assert label.split(":")[0] + ":" not in render(renderer, "due", language, late=0)[1]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_thank_you_carries_the_business_note(renderer, language) -> None:
    note = {"en": "See you at our spring fair!", "ar": "نسعد بخدمتكم دائمًا."}
    wording = Wording(thank_you_note=note)
    paid = {"amount_due": Decimal("0.00")}
    assert note[language] in render(renderer, "thank_you", language, wording=wording, **paid)[1]
    bare = render(renderer, "thank_you", language, **paid)
    assert note[language] not in bare[1] and '<p style="margin:0 0 16px;"></p>' not in bare[2]
    one_line = Wording(thank_you_note="Shukran!")
    assert "Shukran!" in render(renderer, "thank_you", language, wording=one_line, **paid)[1]


# -- address and wording ---------------------------------------------------------------------


def test_the_salutation_follows_customers_then_the_default(renderer) -> None:
    person = Wording(customers={"sample": CustomerSettings(salutation="person")})
    assert (
        "الأستاذ/ Sample Customer Co. المحترم،" in render(renderer, "due", "ar", wording=person)[1]
    )
    company = render(renderer, "due", "ar")[1]
    assert "السادة/ Sample Customer Co. المحترمين،" in company
    by_name = Wording(customers={"sample customer co.": CustomerSettings(salutation="person")})
    assert by_name.salutation(INVOICE.contact) == "person"
    assert Wording().salutation(Contact("x", "X")) == "company"
    assert Wording().salutation(Contact("x", "X", salutation="person")) == "person"


def test_customers_entries_are_models_with_room_for_more(tmp_path) -> None:
    settings = settings_for(tmp_path, customers={"C-7": {"salutation": "person"}})
    assert settings.customers["C-7"].salutation == "person"
    with pytest.raises(ValueError, match="salutation"):
        settings_for(tmp_path, customers={"C-7": {"salutation": "madam"}})


@pytest.mark.parametrize("template", ["courtesy", "due", "overdue", "weekly", "final"])
def test_arabic_sentences_name_the_currency_in_words(renderer, template) -> None:
    _, text, html = render(renderer, template, "ar")
    assert "1,000.00\u00a0ريال سعودي" in text
    intro = html.split("<table", 1)[0]
    assert "ر.س." not in intro and "ريال سعودي" in intro
    assert "ر.س." in html.split("<table", 1)[1]  # the details table keeps the symbol


def test_the_attachment_sentence_agrees_and_resend_says_it_once(renderer) -> None:
    final = render(renderer, "final", "ar")[1]
    assert "مرفقة بهذه الرسالة نسخة" in final and "مرفق بهذه" not in final
    for language, word in (("ar", "مرفقة"), ("en", "attached")):
        _, text, html = render(renderer, "resend", language)
        assert text.count(word) == 1 and html.count(word) == 1, text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_greeting_can_be_the_islamic_one(renderer, language) -> None:
    salam = {"en": "Assalamu alaikum", "ar": "السلام عليكم ورحمة الله وبركاته"}[language]
    standard = {"en": "Dear Sample Customer Co.,", "ar": "تحية طيبة وبعد"}[language]
    islamic = render(renderer, "overdue", language, wording=Wording(greeting="islamic"))
    assert salam in islamic[1] and salam in islamic[2]
    plain_one = render(renderer, "overdue", language)
    assert salam not in plain_one[1] and standard in plain_one[1]


def test_settings_carry_the_new_wording(tmp_path) -> None:
    settings = settings_for(
        tmp_path,
        sender={"name": "Huda", "email": "huda@nakheel.example", "phone": "+966 55 123 4567"},
        language={"greeting": "islamic"},
        policy={
            "stages": STAGES,
            "thank_you": {"note": {"ar": "نسعد بخدمتكم."}},
            "final_notice": {"deadline_days": 5, "party": {"en": "Al Rashid Law Firm"}},
        },
    )
    wording = Wording.from_settings(settings)
    assert wording.phone == "+966 55 123 4567" and wording.greeting == "islamic"
    assert wording.deadline_days == 5
    assert wording.for_language("ar")["escalation"]["party"] == "مستشارنا القانوني"
    assert wording.for_language("en")["escalation"]["party"] == "Al Rashid Law Firm"
    assert wording.for_language("en")["thank_you"]["note"] is None
    with pytest.raises(ValueError, match="control character"):
        settings_for(tmp_path, sender={"name": "H", "email": "h@x.example", "phone": "1\n2"})


def test_the_csv_ledger_can_say_company_or_person(tmp_path) -> None:
    from connectors.csvfile import FileLedger

    ledger = tmp_path / "invoices.csv"
    ledger.write_text(
        "invoice_id,number,status,currency,amount_due,due_date,contact_name,salutation\n"
        "1,INV-1,open,SAR,10.00,2026-01-31,Huda Saleh,person\n"
        "2,INV-2,open,SAR,10.00,2026-01-31,Tamur Co.,\n"
        "3,INV-3,open,SAR,10.00,2026-01-31,Other Co.,madam\n",
        "utf-8",
    )
    read = FileLedger(ledger)
    invoices = {i.number: i for i in read.list_open_invoices(None)}
    assert invoices["INV-1"].contact.salutation == "person"
    assert invoices["INV-2"].contact.salutation is None
    assert "INV-3" not in invoices
    assert any("salutation" in p and "company or person" in p for p in read.problems)
    assert Wording().salutation(invoices["INV-1"].contact) == "person"
    overridden = Wording(customers={"Huda Saleh": CustomerSettings(salutation="company")})
    assert overridden.salutation(invoices["INV-1"].contact) == "company"

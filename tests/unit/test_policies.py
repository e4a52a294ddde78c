"""Named policies per customer: the settings, the choice of a policy, the rung reached
when the policy changes, and one cap per customer per day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connectors.models import Contact, Invoice, InvoiceStatus
from sync.config.loader import load_settings
from sync.config.policies import PolicyBook
from sync.config.settings import Policy, Stage
from sync.errors import ConfigError
from sync.plan.actions import ResendInvoice, SendReminder
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History, Message, MessageStatus, ResendRequest
from sync.plan.planner import plan, plan_rows

RIYADH = ZoneInfo("Asia/Riyadh")
CAL = BusinessCalendar.from_names("Asia/Riyadh", ["friday", "saturday"], [], (time(8), time(18)))
MON = date(2026, 11, 23)
RETAIL = Policy(
    stages=(
        Stage(name="courtesy", offset_days=-3),
        Stage(name="due", offset_days=0),
        Stage(name="overdue", offset_days=1),
        Stage(name="weekly", offset_days=8, repeat_every_days=7, repeat_limit=2),
        Stage(name="final", offset_days=30),
        Stage(name="escalate", offset_days=45, action="escalate"),
    ),
)
GOVERNMENT = Policy(
    min_days_between=7,
    stages=(
        Stage(name="overdue", offset_days=7),
        Stage(name="firm", offset_days=30),
        Stage(name="final", offset_days=60),
    ),
)

CONFIG = """\
business:
  name: Test Co
  timezone: Asia/Riyadh
sender:
  name: Accounts
  email: ar@test.example
policy:
  stages:
    - name: due
      offset_days: 0
policies:
  government:
    stages:
      - name: late
        offset_days: 30
customers:
  C-014: government
  Acme: {salutation: person, policy: government}
"""


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH)


def invoice(number: str, due: date, *, customer: str = "C1", policy: str | None = None) -> Invoice:
    contact = Contact(customer, f"Customer {customer}", ("a@example.com",), policy=policy)
    return Invoice(
        id=f"id-{number}",
        number=number,
        contact=contact,
        currency="SAR",
        total=Decimal("100"),
        amount_due=Decimal("100"),
        issue_date=due - timedelta(days=30),
        due_date=due,
        status=InvoiceStatus.OPEN,
    )


def book(**customers: str) -> PolicyBook:
    return PolicyBook(RETAIL, {"government": GOVERNMENT}, customers)


def decision(result, number: str):
    return next(d for d in result.decisions if d.invoice == number)


# -- the settings -------------------------------------------------------------------------


def test_policies_and_the_customers_shorthand_load(tmp_path):
    path = tmp_path / "tahseel.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path)
    assert [s.name for s in settings.policies["government"].stages] == ["late"]
    assert settings.customers["C-014"].policy == "government"
    assert settings.customers["Acme"].salutation == "person"
    assert settings.policy.max_messages_per_customer_per_day == 1
    chosen = PolicyBook.from_settings(settings).choose(Contact("x", "ACME"))
    assert (chosen.name, chosen.origin) == ("government", "customers")


def test_an_unknown_policy_name_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "tahseel.yaml"
    path.write_text(CONFIG.replace("C-014: government", "C-014: govermnent"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    (issue,) = [str(i) for i in info.value.issues]
    assert issue.startswith(f"{path}:17: customers.C-014.policy: 'govermnent' is not a policy")
    assert "default, government" in issue


@pytest.mark.parametrize(
    ("name", "words"),
    [("default", "not 'default'"), ("Gov", "lowercase"), ("gov", None)],
)
def test_policy_names(tmp_path, name, words):
    path = tmp_path / "tahseel.yaml"
    path.write_text(
        CONFIG.replace("  government:", f"  {name}:").replace(": government", f": {name}"),
        encoding="utf-8",
    )
    if words is None:
        assert name in load_settings(path).policies
        return
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert words in str(info.value.issues[0])


def test_grouping_is_invoice_by_default_and_customer_on_a_named_policy(tmp_path):
    path = tmp_path / "tahseel.yaml"
    text = CONFIG.replace("  government:\n", "  government:\n    grouping: customer\n")
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert settings.policy.grouping == "invoice"
    assert settings.policies["government"].grouping == "customer"
    path.write_text(text.replace("grouping: customer", "grouping: customers"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "policies.government.grouping" in str(info.value.issues[0])


# -- the choice ---------------------------------------------------------------------------


def test_the_configuration_wins_over_the_ledger_which_wins_over_the_default():
    policies = book(C1="government")
    assert policies.choose(Contact("C1", "One", policy="default")).origin == "customers"
    ledger = policies.choose(Contact("C2", "Two", policy=" Government "))
    assert (ledger.name, ledger.origin, ledger.policy) == ("government", "ledger", GOVERNMENT)
    default = policies.choose(Contact("C3", "Three"))
    assert (default.name, default.origin, default.policy) == ("default", "default", RETAIL)


def test_each_invoice_climbs_its_customers_ladder():
    retail, gov = invoice("R-1", MON - timedelta(days=1)), invoice("G-1", MON - timedelta(days=1))
    gov = invoice("G-1", MON - timedelta(days=1), customer="C-014")
    result = plan([retail, gov], {}, RETAIL, CAL, at(MON), policies=book(**{"C-014": "government"}))
    assert [(a.invoice.number, a.stage) for a in result.actions] == [("R-1", "overdue")]
    assert decision(result, "G-1").reason == "next reminder on 2026-11-29"
    assert decision(result, "G-1").policy == "government"
    assert plan_rows(result)[0]["policy"] == "default"


def test_an_unknown_policy_from_the_ledger_skips_the_invoice_naming_customer_and_value():
    late = invoice("INV-7", MON - timedelta(days=10), policy="govt")
    result = plan([late], {}, RETAIL, CAL, at(MON), policies=book())
    assert result.actions == ()
    (skip,) = result.skipped
    assert skip[0] == "INV-7"
    assert "customer 'Customer C1' has policy 'govt' in the ledger" in skip[1]


# -- changing policy mid-ladder -----------------------------------------------------------


def test_a_changed_policy_continues_from_the_rung_reached_by_name():
    # Retail sent overdue (day 1) and weekly (day 8); under government, "overdue" is its
    # first rung, so the next is "firm" at day 30, never "overdue" again.
    due = MON - timedelta(days=31)
    past = History(
        messages=(
            Message("overdue", 0, at(due + timedelta(days=1))),
            Message("weekly", 0, at(due + timedelta(days=8))),
        )
    )
    result = plan([invoice("INV-1", due)], {"id-INV-1": past}, GOVERNMENT, CAL, at(MON))
    assert [(a.stage, a.cycle) for a in result.actions] == [("firm", 0)]


def test_a_changed_policy_continues_by_days_late_where_no_stage_matches():
    # Government sent "firm" 25 days late, then the customer moved to retail, which has
    # no "firm": that counts as the last retail rung at or before day 25 (weekly #2 at
    # day 22), so the next is "final", never a courtesy note or "due" again.
    due = MON - timedelta(days=35)
    past = History(messages=(Message("firm", 0, at(due + timedelta(days=25))),))
    result = plan([invoice("INV-1", due)], {"id-INV-1": past}, RETAIL, CAL, at(MON))
    assert [(a.stage, a.cycle) for a in result.actions] == [("final", 0)]


def test_a_resend_or_a_thank_you_is_no_rung():
    due = MON - timedelta(days=2)
    past = History(messages=(Message("resend", 1, at(MON - timedelta(days=1))),))
    result = plan([invoice("INV-1", due)], {"id-INV-1": past}, RETAIL, CAL, at(MON))
    assert [a.stage for a in result.actions] == ["overdue"]


# -- one cap per customer per day --------------------------------------------------------


def three_invoices() -> list[Invoice]:
    return [
        invoice("INV-1", MON + timedelta(days=3)),  # courtesy today
        invoice("INV-2", MON - timedelta(days=1)),  # overdue today
        invoice("INV-3", MON),  # due today
    ]


def test_a_customer_gets_the_most_urgent_reminder_today_and_the_others_later():
    invoices = three_invoices()
    result = plan(invoices, {}, RETAIL, CAL, at(MON))
    assert [a.invoice.number for a in result.actions] == ["INV-2"]
    held = decision(result, "INV-3")
    assert held.outcome == "wait"
    assert "held: customer 'Customer C1' gets at most 1 reminder(s) a day" in held.reason
    assert "INV-2 goes today" in held.reason
    # The next business day the next goes, one a day: INV-1's courtesy note fell due on
    # Monday, INV-3's rung now is its overdue one (Tuesday's), so INV-1 goes first.
    history = {"id-INV-2": History(messages=(Message("overdue", 0, at(MON)),))}
    tuesday = plan(invoices, history, RETAIL, CAL, at(MON + timedelta(days=1)))
    assert [(a.invoice.number, a.stage) for a in tuesday.actions] == [("INV-1", "courtesy")]


def test_a_held_reminder_goes_before_one_that_fell_due_after_it():
    # Weekly runs: INV-2's weekly rung falls due every week, but INV-1's overdue rung,
    # held since last Monday, fell due first, so it goes now and is never starved.
    last_week = MON - timedelta(days=7)
    invoices = [invoice("INV-1", last_week), invoice("INV-2", last_week - timedelta(days=1))]
    sent_once = History(messages=(Message("overdue", 0, at(last_week)),))
    result = plan(invoices, {"id-INV-2": sent_once}, RETAIL, CAL, at(MON))
    assert [(a.invoice.number, a.stage) for a in result.actions] == [("INV-1", "overdue")]
    assert decision(result, "INV-2").reason.startswith("weekly is due but held")


def test_a_later_run_the_same_day_sends_nothing_more_to_that_customer():
    invoices = three_invoices()
    history = {"id-INV-2": History(messages=(Message("overdue", 0, at(MON, 9)),))}
    result = plan(invoices, history, RETAIL, CAL, at(MON, 15))
    assert result.actions == ()
    assert "1 already went today" in decision(result, "INV-3").reason
    # A message that may have gone out counts too.
    maybe = Message("overdue", 0, at(MON, 9), MessageStatus.UNKNOWN)
    result = plan(invoices, {"id-INV-2": History(messages=(maybe,))}, RETAIL, CAL, at(MON, 15))
    assert not [a for a in result.actions if isinstance(a, SendReminder)]


def test_the_cap_is_a_policy_setting_and_customers_are_capped_apart():
    invoices = [*three_invoices(), invoice("INV-9", MON, customer="C2")]
    two = RETAIL.model_copy(update={"max_messages_per_customer_per_day": 2})
    result = plan(invoices, {}, two, CAL, at(MON))
    assert sorted(a.invoice.number for a in result.actions) == ["INV-2", "INV-3", "INV-9"]


def test_a_resend_and_a_thank_you_are_never_held_back():
    invoices = three_invoices()
    paid = invoice("INV-4", MON - timedelta(days=5))
    paid = Invoice(**{**{f: getattr(paid, f) for f in paid.__slots__}, "amount_due": Decimal(0)})
    history = {
        "id-INV-1": History(resend_requests=(ResendRequest("r1", at(MON, 8), 1),)),
        "id-INV-4": History(messages=(Message("overdue", 0, at(MON - timedelta(days=4))),)),
    }
    result = plan([*invoices, paid], history, RETAIL, CAL, at(MON))
    kinds = sorted((a.invoice.number, a.stage) for a in result.actions)
    assert kinds == [("INV-1", "resend"), ("INV-2", "overdue"), ("INV-4", "thank_you")]
    assert isinstance(next(a for a in result.actions if a.stage == "resend"), ResendInvoice)


def test_check_warns_about_a_named_policys_stages_too(tmp_path):
    from sync.run.checks import policy_warnings

    path = tmp_path / "tahseel.yaml"
    late = "      - name: late\n        offset_days: 30\n"
    text = CONFIG.replace(late, late + late.replace("late", "later"))
    path.write_text(text, encoding="utf-8")
    (warning,) = policy_warnings(load_settings(path))
    assert warning.startswith(f"{path}: policies.government.stages[1]: 'later' has the same")

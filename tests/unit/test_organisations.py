"""Several organisations in one configuration: merging, choosing, and errors with their lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.config.loader import load_organisations, load_settings
from sync.config.organisations import select, select_all
from sync.errors import ConfigError
from sync.run.outcome import RunReport, worst_exit_code

FIRM = """\
mode: live
business:
  name: Default Co
  timezone: Asia/Riyadh
sender:
  name: Accounts
  email: ar@firm.example
ledger:
  type: csv
  path: shared.csv
  payment_link: "https://pay.example/{number}"
state:
  url: sqlite:///firm.db
policy:
  min_days_between: 2
  stages:
    - name: due
      offset_days: 0
    - name: late
      offset_days: 5
organisations:
  - name: acme
    business:
      name: Acme Trading
    ledger:
      path: acme/invoices.csv
  - name: noor
    business:
      name: Noor Co
      timezone: Asia/Dubai
    sender:
      email: ar@noor.example
    mailbox:
      path: noor/mail
    policy:
      stages:
        - name: only
          offset_days: 1
    mode: test
    test_recipients: [me@firm.example]
  - name: xero-client
    business:
      name: Sahel
    ledger:
      type: xero
      tenant_id: 1f2e
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tahseel.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_organisations(write(tmp_path, text))
    prefix = f"{tmp_path}/tahseel.yaml"
    return [str(i).removeprefix(prefix) for i in info.value.issues]


def test_each_organisation_takes_the_defaults_and_its_overrides(tmp_path):
    acme, noor, sahel = load_organisations(write(tmp_path, FIRM))
    assert [o.organisation for o in (acme, noor, sahel)] == ["acme", "noor", "xero-client"]
    # A section is merged key by key into the top-level one.
    assert acme.business.name == "Acme Trading"
    assert acme.business.timezone == "Asia/Riyadh"
    assert acme.ledger.type == "csv"
    assert str(acme.ledger.path) == "acme/invoices.csv"
    assert acme.ledger.payment_link == "https://pay.example/{number}"
    assert noor.sender.name == "Accounts" and noor.sender.email == "ar@noor.example"
    assert noor.business.timezone == "Asia/Dubai"
    assert str(noor.mailbox.path) == "noor/mail"
    # Lists are replaced whole; the other policy keys stay.
    assert [s.name for s in noor.policy.stages] == ["only"]
    assert noor.policy.min_days_between == 2
    assert (acme.mode, noor.mode) == ("live", "test")
    # A ledger of another type replaces the top-level one whole (no csv path left over).
    assert sahel.ledger.type == "xero" and sahel.ledger.tenant_id == "1f2e"
    # One state store; each organisation its own tenant in it.
    assert acme.state_url == noor.state_url == f"sqlite:///{tmp_path}/firm.db"
    assert [o.tenant for o in (acme, noor, sahel)] == ["Acme Trading", "Noor Co [test]", "Sahel"]


def test_a_file_without_organisations_reads_as_before(tmp_path):
    text = FIRM[: FIRM.index("organisations:")]
    (only,) = load_organisations(write(tmp_path, text))
    assert only.organisation is None
    assert only == load_settings(tmp_path / "tahseel.yaml")
    assert select(load_organisations(tmp_path / "tahseel.yaml"), []) == [only]
    with pytest.raises(ConfigError, match="lists no organisations, so --org acme names nothing"):
        select([only], ["acme"])


def test_choosing_organisations_by_name(tmp_path):
    found = load_organisations(write(tmp_path, FIRM))
    assert [o.organisation for o in select(found, ["noor"])] == ["noor"]
    assert [o.organisation for o in select_all(found, [])] == ["acme", "noor", "xero-client"]
    assert [o.organisation for o in select_all(found, ["xero-client", "acme"])] == [
        "xero-client",
        "acme",
    ]
    with pytest.raises(ConfigError) as info:
        select(found, [])
    assert str(info.value).endswith(
        "tahseel.yaml: organisations: lists 3 organisations (acme, noor, xero-client);"
        " choose one with --org NAME"
    )
    with pytest.raises(ConfigError, match="no organisation named 'nour'; the names are acme"):
        select(found, ["nour"])
    # load_settings, which reads one business, says the same.
    with pytest.raises(ConfigError, match="lists 3 organisations"):
        load_settings(tmp_path / "tahseel.yaml")


def test_names_must_be_unique_and_typeable(tmp_path):
    text = FIRM.replace("- name: noor", "- name: ACME").replace("- name: xero-client", "- name: ")
    assert problems(tmp_path, text) == [
        ":27: organisations[1].name: 'ACME' is already the name of organisations[0]; names must"
        " differ",
        ":41: organisations[2].name: a name is letters, digits, '.', '_' and '-', starting with"
        " a letter or digit (it is typed after --org), got None",
    ]


def test_an_entry_without_a_name_or_with_a_key_it_cannot_override(tmp_path):
    text = FIRM.replace("  - name: acme\n", "  - state:\n      url: sqlite:///other.db\n")
    text = text.replace("    mode: test\n", "    mode: test\n    calender: {}\n")
    assert problems(tmp_path, text) == [
        ":22: organisations[0].name: required setting is missing",
        ":22: organisations[0].state: state is shared by every organisation: set it at the top"
        " of the file",
        ":41: organisations[1].calender: not a setting an organisation can override; these are:"
        " business, ledger, sender, mailbox, policy, policies, customers, channels,"
        " instalments, templates, notify, escalation, language, calendar, mode,"
        " test_recipients, safety",
    ]


def test_an_error_in_an_override_names_the_organisation_line(tmp_path):
    text = FIRM.replace("      tenant_id: 1f2e", "      tenant_id: 1f2e\n      tenent: x")
    text = text.replace("          offset_days: 1", "          offset_days: soon")
    lines = problems(tmp_path, text)
    assert (
        ":38: organisations[1].policy.stages[0].offset_days: expected an integer, got 'soon'"
        " (organisation noor)" in lines
    )
    assert lines[-1] == (
        ":47: organisations[2].ledger.tenent: not a setting of a xero ledger (check the"
        " configuration reference) (organisation xero-client)"
    )


def test_an_error_in_a_default_is_reported_once_at_its_own_line(tmp_path):
    text = FIRM.replace("  min_days_between: 2", "  min_days_between: two")
    assert problems(tmp_path, text) == [
        ":15: policy.min_days_between: expected an integer, got 'two'",
    ]


def test_a_required_section_missing_everywhere_is_named_per_organisation(tmp_path):
    text = FIRM.replace("sender:\n  name: Accounts\n  email: ar@firm.example\n", "")
    lines = problems(tmp_path, text)
    assert lines == [
        ":19: organisations[0].sender: required setting is missing (organisation acme)",
        # noor gives an email but no name, and there is no default to take it from.
        ":28: organisations[1].sender.name: required setting is missing (organisation noor)",
        ":38: organisations[2].sender: required setting is missing (organisation xero-client)",
    ]


def test_two_organisations_may_not_share_a_business_name(tmp_path):
    text = FIRM.replace("name: Sahel", "name: Acme Trading")
    assert problems(tmp_path, text) == [
        ":43: organisations[2].business.name: xero-client and acme have the same business name"
        " 'Acme Trading'; state is kept per business name, so give each its own",
    ]


def test_the_list_must_not_be_empty(tmp_path):
    text = FIRM[: FIRM.index("organisations:")] + "organisations: []\n"
    assert problems(tmp_path, text) == [
        ":21: organisations: expected a list of organisations, each with a name (or remove"
        " the key)",
    ]


def report(code: int) -> RunReport:
    made = RunReport(started_at=datetime(2026, 11, 23, tzinfo=UTC))
    if code == 1:
        made.skipped.append(("INV-1", "no address"))
    elif code in (2, 3, 4):
        setattr(made, {2: "config_problem", 3: "locked", 4: "aborted"}[code], "why")
    assert made.exit_code == code
    return made


@pytest.mark.parametrize(
    ("codes", "worst"),
    [
        ([0, 0], 0),
        ([0, 1, 0], 1),
        ([1, 3, 0], 1),  # the locked one is another runner's work
        ([3, 3], 3),  # every one was: this run did nothing
        ([0, 2, 1], 2),
        ([2, 4, 3], 4),
        ([], 0),
    ],
)
def test_the_exit_code_of_a_run_is_the_worst_of_the_organisations_that_ran(codes, worst):
    assert worst_exit_code(report(c) for c in codes) == worst


def test_the_documented_example_is_a_valid_configuration(tmp_path):
    page = Path(__file__).resolve().parents[2] / "docs" / "organisations.md"
    section = page.read_text("utf-8")
    example = section[section.index("```yaml\n") + 8 : section.index("```\n", 10)]
    nakheel, sahel, souq = load_organisations(write(tmp_path, example))
    assert (nakheel.ledger.type, sahel.ledger.type, souq.ledger.type) == ("xero", "xero", "csv")
    assert sahel.business.timezone == "Asia/Dubai" and souq.business.timezone == "Asia/Riyadh"
    assert sahel.policy.min_days_between == 3 and len(sahel.policy.stages) == 3
    assert souq.state_url == nakheel.state_url


def test_an_organisation_has_its_own_policies_customers_and_text_senders(tmp_path):
    text = FIRM.replace(
        "organisations:\n",
        "policies:\n  gentle:\n    stages:\n      - {name: late, offset_days: 14}\n"
        "customers:\n  C-1: gentle\n"
        "channels:\n  type: file\n  whatsapp: {sender: '+966500000001'}\n"
        "organisations:\n",
    ).replace(
        "    mode: test\n",
        "    mode: test\n"
        "    policies:\n      strict:\n        stages:\n          - {name: late, offset_days: 1}\n"
        "    customers:\n      C-2: strict\n"
        "    channels:\n      whatsapp: {sender: '+971500000002'}\n",
    )
    acme, noor, _ = load_organisations(write(tmp_path, text))
    assert sorted(acme.policies) == ["gentle"] and sorted(noor.policies) == ["gentle", "strict"]
    assert acme.customers["C-1"].policy == "gentle" and "C-2" not in acme.customers
    assert noor.customers["C-2"].policy == "strict" and noor.customers["C-1"].policy == "gentle"
    assert acme.channels is not None and noor.channels is not None
    assert acme.channels.whatsapp.sender == "+966500000001"
    assert noor.channels.whatsapp.sender == "+971500000002" and noor.channels.type == "file"

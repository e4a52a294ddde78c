"""``policy.late_fee``: fixed amounts only, a stage of the policy, and what check says."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sync.config.loader import load_settings
from sync.errors import ConfigError
from sync.run.fee_checks import check_late_fee

BASE = """\
business:
  name: Test Co
  timezone: Asia/Riyadh
sender:
  name: Accounts
  email: ar@test.example
{ledger}policy:
  stages:
    - name: due
      offset_days: 0
    - name: final
      offset_days: 30
    - name: escalate
      offset_days: 45
      action: escalate
  late_fee: {fee}
"""


def load(tmp_path: Path, fee: str, ledger: str = ""):  # type: ignore[no-untyped-def]
    path = tmp_path / "tahseel.yaml"
    path.write_text(BASE.format(fee=fee, ledger=ledger), encoding="utf-8")
    return load_settings(path)


def problems(tmp_path: Path, fee: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, fee)
    return "\n".join(str(i) for i in info.value.issues)


def test_one_amount_in_one_currency(tmp_path):
    fee = load(tmp_path, "{amount: 50, currency: sar, stage: final}").policy.late_fee
    assert fee is not None and fee.amounts == {"SAR": Decimal("50")}
    assert (fee.after_days, fee.once) == (30, True)
    assert fee.amount_in("SAR") == Decimal("50") and fee.amount_in("USD") is None


def test_an_amount_per_currency(tmp_path):
    fee = load(tmp_path, "{amount: {SAR: 50, usd: 15}, stage: final}").policy.late_fee
    assert fee is not None and fee.amounts == {"SAR": Decimal("50"), "USD": Decimal("15")}


def test_no_fee_by_default(tmp_path):
    path = tmp_path / "tahseel.yaml"
    path.write_text(BASE.format(fee="null", ledger=""), encoding="utf-8")
    assert load_settings(path).policy.late_fee is None


@pytest.mark.parametrize(
    ("fee", "says"),
    [
        ("{amount: 0, currency: SAR, stage: final}", "must be above zero"),
        ("{amount: -5, currency: SAR, stage: final}", "must be above zero"),
        ("{amount: 50, stage: final}", "needs a currency"),
        ("{amount: 50, currency: RIYAL, stage: final}", "not an ISO 4217"),
        ("{amount: {SAR: 50}, currency: SAR, stage: final}", "not both"),
        ("{amount: 10.005, currency: SAR, stage: final}", "more than two decimals"),
        ("{amount: 5%, currency: SAR, stage: final}", "amount"),
        ("{amount: 50, currency: SAR, stage: finale}", "'finale', which is not an email stage"),
        ("{amount: 50, currency: SAR, stage: escalate}", "name one of: due, final"),
        ("{amount: 50, currency: SAR, stage: final, rate: 2}", "rate"),
        ("{amount: 50, currency: SAR, stage: final, after_days: -1}", "after_days"),
    ],
)
def test_what_is_refused_is_named(tmp_path, fee, says):
    assert says in problems(tmp_path, fee)


def test_check_asks_for_the_xero_account_and_the_quickbooks_item(tmp_path):
    fee = "{amount: 50, currency: SAR, stage: final}"
    xero = load(tmp_path, fee, "ledger:\n  type: xero\n")
    (line,) = check_late_fee(xero)
    assert "ledger.fee_account_code is not set" in line and str(xero.source) in line
    assert (
        check_late_fee(load(tmp_path, fee, 'ledger:\n  type: xero\n  fee_account_code: "260"\n'))
        == []
    )
    quickbooks = load(tmp_path, fee, "ledger:\n  type: quickbooks\n")
    (line,) = check_late_fee(quickbooks)
    assert "ledger.fee_item_id is not set" in line
    assert check_late_fee(load(tmp_path, "null", "ledger:\n  type: xero\n")) == []


def test_check_names_each_csv_invoice_in_a_currency_without_an_amount(tmp_path):
    (tmp_path / "invoices.csv").write_text(
        "invoice_id,number,status,currency,total,amount_due,issue_date,due_date,contact_id,"
        "contact_name,emails\n"
        "i-1,INV-1,open,SAR,100.00,100.00,2026-09-01,2026-10-01,C-1,A Co,a@a.example\n"
        "i-2,INV-2,open,USD,100.00,100.00,2026-09-01,2026-10-01,C-2,B Co,b@b.example\n",
        encoding="utf-8",
    )
    ledger = "ledger:\n  type: csv\n  path: invoices.csv\n"
    (line,) = check_late_fee(load(tmp_path, "{amount: 50, currency: SAR, stage: final}", ledger))
    assert "invoices.csv" in line and "INV-2 is in USD" in line and "add USD" in line
    both = "{amount: {SAR: 50, USD: 15}, stage: final}"
    assert check_late_fee(load(tmp_path, both, ledger)) == []

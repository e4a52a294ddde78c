"""open_ledger and its registry: kinds, adapter metadata, missing SDKs, capabilities."""

from __future__ import annotations

import inspect
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import connectors
from connectors import EXTRAS, REGISTRY, open_ledger
from connectors.base import BatchNotes, Ledger, PaidHistory
from connectors.errors import LedgerError, LedgerNotInstalled

ROOT = Path(__file__).resolve().parents[2]

OPTIONS: dict[str, dict[str, Any]] = {
    "csv": {"path": "invoices.csv"},
    "xero": {"client_id": "id", "client_secret": "s", "token_file": "t.json", "tenant_id": "t"},
    "quickbooks": {
        "client_id": "id",
        "client_secret": "s",
        "token_file": "t.json",
        "realm_id": "123",
    },
}
"""Enough to build each kind; nothing is read or called until a method is."""

SDKS = {"xero": "xero_python", "quickbooks": "quickbooks"}
"""The top module of each kind's SDK."""


def _forget(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Drop ``package`` and its modules from sys.modules until the test ends."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)


def test_the_registry_names_every_kind_once() -> None:
    assert list(REGISTRY) == ["csv", "xero", "quickbooks"]
    assert set(OPTIONS) == set(REGISTRY)


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_open_ledger_builds_the_registered_class(kind: str) -> None:
    module, _, name = REGISTRY[kind].partition(":")
    ledger = open_ledger(kind, **OPTIONS[kind])
    assert type(ledger).__name__ == name
    assert type(ledger) is getattr(sys.modules[module], name)
    assert isinstance(ledger, Ledger) and ledger.name == kind


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_each_ledger_declares_its_adapter_metadata(kind: str) -> None:
    cls = connectors.ledger_class(kind)
    assert cls.name == kind
    assert cls.display_name
    assert cls.pip_extra == EXTRAS.get(kind)
    if kind == "csv":
        assert cls.setup_url is None and cls.pip_extra is None
    else:
        assert cls.setup_url.startswith("https://")


def test_every_extra_named_is_one_the_package_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = project["optional-dependencies"]
    assert set(EXTRAS.values()) <= set(declared)


def test_an_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown ledger 'sage'; known: csv, xero, quickbooks"):
        open_ledger("sage")


@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_a_missing_sdk_names_the_pip_install(
    kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    connectors.ledger_class(kind)  # imported once, so the test undoes its own imports
    _forget(monkeypatch, f"connectors.{kind}")
    _forget(monkeypatch, SDKS[kind])
    monkeypatch.setitem(sys.modules, SDKS[kind], None)  # "import xero_python" now fails
    with pytest.raises(LedgerNotInstalled) as caught:
        open_ledger(kind, **OPTIONS[kind])
    assert f"pip install 'tahseel[{kind}]'" in str(caught.value)
    assert isinstance(caught.value, LedgerError) and caught.value.disposition == "abort"
    assert isinstance(caught.value.__cause__, ImportError)


def test_a_broken_module_of_ours_is_not_taken_for_a_missing_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connectors.ledger_class("xero")
    _forget(monkeypatch, "connectors.xero")
    monkeypatch.setitem(sys.modules, "connectors.xero.contacts", None)
    with pytest.raises(ImportError) as caught:
        open_ledger("xero", **OPTIONS["xero"])
    assert not isinstance(caught.value, LedgerNotInstalled)


def test_the_csv_ledger_imports_no_sdk(tmp_path: Path) -> None:
    # Compared with the modules there at start: intuit-oauth's .pth file makes
    # ``intuitlib`` a namespace module in every interpreter.
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from connectors import open_ledger\n"
        f"open_ledger('csv', path={str(tmp_path / 'invoices.csv')!r})\n"
        "sdks = ('xero_python', 'quickbooks', 'intuitlib')\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in sdks))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


CAPABILITIES = [
    # kind, PaidHistory, BatchNotes
    ("csv", True, False),
    ("xero", True, False),
    ("quickbooks", True, True),
]


@pytest.mark.parametrize(("kind", "paid_history", "batch_notes"), CAPABILITIES)
def test_which_ledgers_have_which_capabilities(
    kind: str, paid_history: bool, batch_notes: bool
) -> None:
    ledger = open_ledger(kind, **OPTIONS[kind])
    assert isinstance(ledger, Ledger)
    assert isinstance(ledger, PaidHistory) is paid_history
    assert isinstance(ledger, BatchNotes) is batch_notes


def test_the_capability_protocols_have_the_implementations_signatures() -> None:
    from connectors.csvfile import FileLedger
    from connectors.quickbooks import QuickBooksLedger
    from connectors.xero import XeroLedger

    batch = inspect.signature(BatchNotes.add_notes)
    assert inspect.signature(QuickBooksLedger.add_notes) == batch
    paid = inspect.signature(PaidHistory.paid_invoices)
    for cls in (FileLedger, XeroLedger, QuickBooksLedger):
        assert inspect.signature(cls.paid_invoices) == paid, cls.__name__

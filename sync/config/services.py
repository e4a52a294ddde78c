"""Settings of the services Tahseel connects to: the ledger and the mailbox.

Each kind is a model of its own, chosen by its ``type`` key (``csv`` when absent).
Secrets are never written here: a setting ending in ``_env`` names the environment
variable that holds the value, and ``secret`` reads it when the part is built.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    field_validator,
    model_validator,
)

from sync.errors import MissingSecret


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvLedgerSettings(_Model):
    """A CSV file exported from any accounting system (its columns: docs/ledgers/csv.md)."""

    type: Literal["csv"] = "csv"
    path: Path = Path("invoices.csv")
    payment_link: str | None = None
    notes_path: Path | None = None
    pdf_font: Path | None = None
    delimiter: Literal[",", ";", "\t", "|"] = ","
    decimal: Literal[".", ","] = "."
    thousands: Literal[",", ".", " ", "'"] | None = ","
    encoding: str = "utf-8"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}; e.g. utf-8 or windows-1256") from None
        return value

    @model_validator(mode="after")
    def _separators_differ(self) -> CsvLedgerSettings:
        if self.thousands == self.decimal:
            raise ValueError(
                f"decimal and thousands are both {self.decimal!r}; set thousands: null"
                " or another separator"
            )
        return self


class XeroLedgerSettings(_Model):
    """A Xero organisation, through the Xero Accounting API.

    ``tahseel auth xero`` writes ``token_file``; in CI the token set can come from the
    environment variable ``token_env`` instead (JSON, as the token file holds it).
    """

    type: Literal["xero"]
    client_id_env: str = "XERO_CLIENT_ID"
    client_secret_env: str = "XERO_CLIENT_SECRET"
    token_file: Path = Path(".tahseel/xero-token.json")
    token_env: str | None = "XERO_TOKEN"
    tenant_id: str | None = None
    arabic_group: str | None = None
    policy_group_prefix: str | None = Field(default=None, min_length=1)
    """contact groups named this and a policy's name (`"Policy: "` and `government`) put
    their contacts on that policy (see [Xero](ledgers/xero.md#policies))"""
    daily_limit: int = Field(default=5000, ge=1)
    auth_port: int = Field(default=8765, ge=0, le=65535)
    fee_account_code: str | None = None
    """the revenue account a late fee's line is posted to, e.g. `"260"`; needed by
    `policy.late_fee` (see [Late fees](../late-fee.md))"""
    # Where Xero's services are; set only for a proxy or a test server.
    api_url: str | None = None
    identity_url: str | None = None
    connections_url: str | None = None
    login_url: str | None = None


class QuickBooksLedgerSettings(_Model):
    """A QuickBooks Online company, through the QuickBooks Online Accounting API.

    ``tahseel auth quickbooks`` writes ``token_file`` with the company's realm id; in CI
    the token set can come from the environment variable ``token_env`` instead.
    """

    type: Literal["quickbooks"]
    client_id_env: str = "QUICKBOOKS_CLIENT_ID"
    client_secret_env: str = "QUICKBOOKS_CLIENT_SECRET"
    token_file: Path = Path(".tahseel/quickbooks-token.json")
    token_env: str | None = "QUICKBOOKS_TOKEN"
    realm_id: str | None = None
    environment: Literal["production", "sandbox"] = "production"
    email_source: Literal["bill", "customer", "both"] = "bill"
    language_field: str | None = None
    policy_field: str | None = Field(default=None, min_length=1)
    """the custom field holding a customer's policy name, e.g. `Policy` (see
    [QuickBooks](ledgers/quickbooks.md#policies))"""
    reference_field: str | None = None
    payment_link: str | None = None
    auth_port: int = Field(default=8765, ge=0, le=65535)
    fee_item_id: str | None = None
    """the Id of the service item a late fee's line sells, e.g. `"21"`; needed by
    `policy.late_fee` (see [Late fees](../late-fee.md))"""
    # Where Intuit's services are; set only for a proxy or a test server.
    api_url: str | None = None
    discovery_url: str | None = None


class MaildirSettings(_Model):
    """A local Maildir: sent mail goes to its ``.Sent`` folder, replies arrive in its inbox."""

    type: Literal["maildir"] = "maildir"
    path: Path = Path("mailbox")
    create: bool = False
    """Make the Maildir when ``path`` does not exist; otherwise a missing one is an error,
    so a mistyped path never collects mail nobody reads."""


def missing_maildir(path: Path) -> str | None:
    """Why ``path`` is not a Maildir to read and send from, or None when it is one."""
    if not path.exists():
        return (
            f"{path} does not exist; correct mailbox.path, or set mailbox.create: true"
            " to make a new Maildir there"
        )
    absent = [part for part in ("cur", "new", "tmp") if not (path / part).is_dir()]
    if absent:
        return f"{path} is not a Maildir (it has no {', '.join(absent)} folder)"
    return None


class GmailSettings(_Model):
    """The business's own Gmail or Google Workspace mailbox, through the Gmail API.

    ``tahseel auth gmail`` writes ``token_file`` from the OAuth client in
    ``client_secrets_file``; in CI the token can come from the environment variable
    ``token_env``. On Workspace, a service account key (``service_account_file``) with
    domain-wide delegation acts as the sender instead.
    """

    type: Literal["gmail"]
    token_file: Path = Path(".tahseel/gmail-token.json")
    token_env: str | None = "GMAIL_TOKEN"
    client_secrets_file: Path = Path("client_secret.json")
    service_account_file: Path | None = None
    label: str = Field(default="Tahseel", min_length=1)
    daily_cap: int = Field(default=400, ge=1)
    # Where Google's services are; set only for a proxy or a test server.
    api_url: str | None = None
    token_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of ledger or mailbox, declared once: everything else reads it from here.

    Attributes:
        section: The configuration section it fills, ``ledger`` or ``mailbox``.
        name: Its ``type`` in that section.
        settings: The model of its section.
        build: ``module:function`` that builds it from ``Settings``, imported only
            when that kind is used, so an SDK is needed only by those who use it.
        extra: The pip extra that installs its SDK (None: nothing to install).
        auth: Whether ``tahseel auth NAME`` connects it (an OAuth sign-in).
    """

    section: Literal["ledger", "mailbox"]
    name: str
    settings: type[BaseModel]
    build: str
    extra: str | None = None
    auth: bool = False

    @property
    def install(self) -> str:
        """The command that installs what this kind needs."""
        return f"pip install 'tahseel[{self.extra}]'" if self.extra else "pip install tahseel"


KINDS: tuple[Kind, ...] = (
    Kind("ledger", "csv", CsvLedgerSettings, "sync.run.wiring:csv_ledger"),
    Kind("ledger", "xero", XeroLedgerSettings, "sync.run.wiring:xero_ledger", "xero", auth=True),
    Kind(
        "ledger",
        "quickbooks",
        QuickBooksLedgerSettings,
        "sync.run.wiring:quickbooks_ledger",
        "quickbooks",
        auth=True,
    ),
    Kind("mailbox", "maildir", MaildirSettings, "sync.run.wiring:maildir_transport"),
    Kind("mailbox", "gmail", GmailSettings, "sync.run.wiring:gmail_transport", "gmail", auth=True),
)
"""Every kind of ledger and mailbox; the first of each section is its default."""

UNION_KEYS: dict[str, tuple[str, ...]] = {
    section: tuple(k.name for k in KINDS if k.section == section)
    for section in ("ledger", "mailbox")
}
"""Sections chosen by ``type``, and their kinds: validation paths carry the kind as an
extra step, which error messages leave out."""


def kind_of(section: str, name: str) -> Kind:
    """The kind registered as ``name`` in ``section``.

    Raises:
        KeyError: No such kind.
    """
    for kind in KINDS:
        if kind.section == section and kind.name == name:
            return kind
    raise KeyError(f"unknown {section} type {name!r}; known: {', '.join(UNION_KEYS[section])}")


def _expected(section: str) -> str:
    names = UNION_KEYS[section]
    return f"unknown type; expected {', '.join(names[:-1])} or {names[-1]}"


def _ledger_kind(value: Any) -> str:
    kind = value.get("type", "csv") if isinstance(value, dict) else getattr(value, "type", "csv")
    return str(kind)


LedgerSettings = Annotated[
    Annotated[CsvLedgerSettings, Tag("csv")]
    | Annotated[XeroLedgerSettings, Tag("xero")]
    | Annotated[QuickBooksLedgerSettings, Tag("quickbooks")],
    Discriminator(
        _ledger_kind,
        custom_error_type="unknown_kind",
        custom_error_message=_expected("ledger"),
    ),
]


def _mailbox_kind(value: Any) -> str:
    kind = value.get("type", "maildir") if isinstance(value, dict) else value.type
    return str(kind)


MailboxSettings = Annotated[
    Annotated[MaildirSettings, Tag("maildir")] | Annotated[GmailSettings, Tag("gmail")],
    Discriminator(
        _mailbox_kind,
        custom_error_type="unknown_kind",
        custom_error_message=_expected("mailbox"),
    ),
]


def secret(setting: str, variable: str | None) -> SecretStr:
    """Read the secret the setting ``setting`` names by its environment variable.

    Raises:
        MissingSecret: When the variable is unset or empty.
    """
    value = os.environ.get(variable or "", "")
    if not variable or not value:
        raise MissingSecret(setting, variable or "(none named)")
    return SecretStr(value)

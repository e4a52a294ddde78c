"""The Ledger protocol: what every connector offers the rest of Tahseel.

Beside it, the optional capabilities a ledger may also have, each a protocol that
``isinstance`` can check: ``PaidHistory`` (which invoices were paid, and when) and
``BatchNotes`` (many notes in a few requests), ``CallsLeft`` (the day's calls left),
``NoteLookup`` (whether a note is already on an invoice), ``Preflight`` (checks for
``tahseel doctor``) and ``CreatesFees`` (a late fee invoiced to the customer).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

from connectors.errors import LedgerError
from connectors.models import Invoice, PaidInvoice


@runtime_checkable
class Ledger(Protocol):
    """A source of open receivables that also takes notes about them.

    Implementations do not inherit from this class; they only have its shape.
    Every method raises only ``connectors.errors.LedgerError`` subclasses.
    """

    name: str
    """Registry key of the implementation, e.g. ``csv`` or ``xero``."""

    display_name: str
    """Human name of the ledger, e.g. ``CSV file`` or ``Xero``."""

    problems: list[str]
    """Row-level problems met by the last read (bad rows, unmappable invoices), each
    a readable line naming where. The rest of the data is still returned."""

    incremental: bool
    """Whether ``list_open_invoices`` honours ``since``. A ledger that does not (a CSV
    file) always returns the full list of open invoices."""

    @property
    def calls(self) -> Mapping[str, int]:
        """API calls made so far, by operation (e.g. ``invoices.list``); empty for files."""
        ...

    def list_open_invoices(self, since: datetime | None = None) -> Iterator[Invoice]:
        """Yield receivables, all of them or only those changed since ``since``.

        With ``since`` None: every receivable with an amount due above zero (a full
        read). With ``since`` and ``incremental`` true: every receivable changed at or
        after ``since``, whatever its status now, so the caller also learns of invoices
        that were paid or voided; the caller keeps its copy of the unchanged ones. The
        implementation reads a little before ``since`` (a lag for clock skew) and never
        yields one id twice.
        """
        ...

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        """Re-read the given invoices, whatever their status; unknown ids are left out."""
        ...

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        """Return the invoice as a PDF document.

        A ledger that may draw the PDF itself rather than return the one it issued
        (the CSV file) also has ``draws_pdf(invoice) -> bool``: the attachment is then
        named ``Statement-<number>.pdf``, not ``Invoice-<number>.pdf``.
        """
        ...

    def payment_link(self, invoice: Invoice) -> str | None:
        """Return the link where the customer can pay this invoice, if there is one."""
        ...

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        """Record ``text`` on the invoice; a second call with the same ``key`` adds nothing."""
        ...

    def describe(self) -> str:
        """Say which ledger this is, with any secret masked."""
        ...


@runtime_checkable
class PaidHistory(Protocol):
    """A ledger that can also say which invoices were paid, and when.

    Optional: ``tahseel report`` reads it for the late payers and for what the
    reminders achieved; a ledger without it gives a report without those parts.
    """

    def paid_invoices(self, since: date) -> Iterator[PaidInvoice]:
        """Yield the receivables paid in full on or after ``since``, each id once.

        Raises only ``connectors.errors.LedgerError`` subclasses.
        """
        ...


NoteItem = tuple[Invoice, str, str]
"""One note to write: ``(invoice, text, key)``, as ``Ledger.add_note`` takes them."""


@runtime_checkable
class BatchNotes(Protocol):
    """A ledger that can write many notes in a few requests.

    Optional: a run with several notes to write hands them over at once when the
    ledger has this (QuickBooks' batch endpoint), else calls ``add_note`` per note.
    """

    def add_notes(self, items: Sequence[NoteItem]) -> dict[str, LedgerError]:
        """Write every note; those that could not be written come back by key.

        Each note is written as ``add_note`` would write it: a repeated key adds
        nothing. Several items may name one invoice.

        Args:
            items: ``(invoice, text, key)`` triples.

        Returns:
            The failed notes' errors by key; empty when every note was written.

        Raises:
            LedgerError: A whole request failed (auth, unavailable); which notes
                were written is then unknown, and each may be written again, as a
                repeated key adds nothing.
        """
        ...


@runtime_checkable
class CallsLeft(Protocol):
    """A ledger with a daily call limit that can say how many calls are left today.

    Optional: before sending, a run keeps the calls each email's note needs and defers
    what they cannot cover; a ledger without it (a file) is never short of calls.
    """

    def calls_left_today(self) -> int | None:
        """Calls left today, the lower of the ledger's own count and the server's; None: unknown."""
        ...


Finding = tuple[str, Literal["ok", "warn", "fail"], str]
"""One line of a preflight check: ``(what, verdict, says)``.

``what`` names the check ("token", "organisation", "daily calls left"); ``verdict`` is
``ok``, ``warn`` (a run works, but something deserves a look) or ``fail`` (a run would
not work); ``says`` is what was found, and for ``warn`` and ``fail`` also what to do.
"""


@runtime_checkable
class Preflight(Protocol):
    """A ledger that can check, without changing anything, that a run will work.

    Optional: ``tahseel doctor`` asks it for the checks only it can make (the token
    and its scopes, the organisation, the calls left today, whether
    notes can be written); a ledger without it gets the generic checks only.
    """

    def preflight(self) -> Iterator[Finding]:
        """Yield the ledger's own checks, in the order a person would fix them.

        Reads only: nothing is sent, written or labelled. A failing check is a
        ``fail`` line, not an exception; after a ``fail`` that makes the rest
        meaningless (no token), stop yielding.
        """
        ...


@runtime_checkable
class NoteLookup(Protocol):
    """A ledger whose note keys are remembered for a while only, and that can look.

    Optional: a note left unwritten by a crash is written again with the same key and
    the same text; once the key may be forgotten (Xero keeps one six minutes), the run
    first looks for the note on the invoice, so it is not written twice.
    """

    note_key_lifetime: timedelta
    """How long the ledger remembers a note's key after the first write."""

    def has_note(self, invoice: Invoice, text: str) -> bool:
        """Whether the invoice's history holds a note with exactly this text (as written).

        Raises only ``connectors.errors.LedgerError`` subclasses.
        """
        ...


@dataclass(frozen=True, slots=True)
class FeeRequest:
    """A late fee to invoice: a fixed amount, to the late invoice's customer.

    Attributes:
        invoice: The late invoice; the fee goes to its contact, in its currency.
        amount: The fee (above zero, two decimals at most).
        currency: ISO 4217 code, the late invoice's.
        reference: Unique to this fee and naming the late invoice (``Late fee INV-0001``):
            the fee invoice's reference, and what a look-up for it searches.
        description: The words of the fee invoice's one line.
        issued: The fee invoice's date (also its due date).
        key: Stable for this fee across runs: the create's idempotency key.
        number: The fee invoice's number where the ledger lets the caller choose
            (a CSV file); ledgers that number their invoices ignore it.
    """

    invoice: Invoice
    amount: Decimal
    currency: str
    reference: str
    description: str
    issued: date
    key: str
    number: str


@dataclass(frozen=True, slots=True)
class CreatedFee:
    """The fee invoice as the ledger keeps it."""

    id: str
    number: str


@runtime_checkable
class CreatesFees(Protocol):
    """A ledger that can invoice a late fee as an invoice of its own, exactly once.

    Optional: a policy with ``late_fee`` needs it; a ledger without it makes
    ``tahseel check`` fail for that policy.
    """

    def create_fee(self, fee: FeeRequest, *, settle: bool = False) -> CreatedFee:
        """Create the fee invoice, or find the one an earlier try created.

        With ``settle`` (a retry: an earlier try may have created it), first look for
        a fee invoice with ``fee.reference`` and return it when found. Every create
        carries ``fee.key`` as its idempotency key where the ledger takes one; a create
        whose outcome is unknown (a dropped connection) is settled by that look-up.

        Raises:
            LedgerError: Not created, or not known whether it was (then a later call
                with ``settle`` finds out); only its subclasses.
        """
        ...

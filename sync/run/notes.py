"""The ledger notes of a run: one per action, written as it happens or in the ledger's batches.

A note is marked written in the outbox row it belongs to only after the ledger took it,
so a crash or a refused note leaves the row unnoted and a later run writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from connectors.base import BatchNotes
from connectors.errors import LedgerError
from connectors.models import Invoice
from sync.errors import Aborted
from sync.run.context import RunContext
from sync.run.faults import checkpoint
from sync.run.outbound import note_text, rung_key

NOTES_AT_ONCE = 50
"""Invoices whose notes are handed to a batching ledger at once: whole batches
(QuickBooks takes 10 invoices a request), spread over the run so its per-minute limit
is not met all at the end."""

Marker = int | Callable[[], None]
"""What marks a note written: its outbox row's id, or a function (a text message's row)."""
Batched = tuple[Marker, Invoice, str, str]
"""A note waiting for the ledger's batch: (what marks it written, invoice, text, key)."""


class LedgerNotes:
    """Writes the ledger notes of the outbox's rows and marks each row noted."""

    ctx: RunContext
    _batched: list[Batched] | None

    def note(
        self,
        row: tuple[int, int],
        invoice: Invoice,
        action: str,
        stage: str,
        *,
        to: str = "",
        detail: str = "",
        at: datetime | None = None,
        written: Callable[[str], bool] | None = None,
    ) -> None:
        """Write row ``(id, cycle)``'s note, sent ``at``, unless ``written(text)``; mark it."""
        row_id, cycle = row
        settings = self.ctx.settings
        if settings.mode == "test":
            instead = ", ".join(settings.test_recipients)
            detail = "; ".join(filter(None, [detail, f"test mode: sent to {instead} instead"]))
        text = note_text(action, stage, to=to, when=at or self.ctx.now, detail=detail, cycle=cycle)
        key = rung_key(self.ctx.tenant, invoice.id, stage, cycle)
        if written is not None and written(text):
            return self._noted(row_id)
        self.write_note(invoice, text, key, row_id)

    def write_note(self, invoice: Invoice, text: str, key: str, noted: Marker) -> None:
        """Write one note, batched within ``notes_batched``; then mark ``noted`` written.

        ``noted`` is the outbox row's id, or (a text message's note) a function that
        marks it, called once the ledger took the note.
        """
        if self._batched is not None:
            self._queue(self._batched, (noted, invoice, text, key))
            return
        checkpoint("before_note")
        try:
            self.ctx.ledger.add_note(invoice, text, key=key)
        except LedgerError as exc:
            self._note_failed(f"{invoice.number}: note not written yet ({exc})", exc)
            return
        checkpoint("after_note")
        self._noted(noted)

    @contextmanager
    def notes_batched(self) -> Iterator[None]:
        """Within the block, hand a batching ledger its notes NOTES_AT_ONCE at a time.

        The rest go at the end of the block; the outbox keeps each unnoted until then,
        so a crash loses none. A ledger without batches gets each note as it comes.
        """
        if isinstance(self.ctx.ledger, BatchNotes) and not self.ctx.dry_run:
            self._batched = []
        try:
            yield
        finally:
            batch, self._batched = self._batched, None
            if batch:
                self._write_notes(batch)

    def _queue(self, queue: list[Batched], note: Batched) -> None:
        """Keep a note for the ledger's batch; hand over a whole batch once there is one.

        A batch is NOTES_AT_ONCE invoices, handed over when a note for another invoice
        comes, so an invoice's notes (a reminder's, its text messages') are one update.
        """
        invoices = {queued[1].id for queued in queue}
        if len(invoices) >= NOTES_AT_ONCE and note[1].id not in invoices:
            batch = queue[:]
            queue.clear()
            self._write_notes(batch)
        queue.append(note)

    def _write_notes(self, batch: list[Batched]) -> None:
        """Write a run's notes through the ledger's batch endpoint and mark them noted."""
        checkpoint("before_note")
        ledger = self.ctx.ledger
        assert isinstance(ledger, BatchNotes)  # notes are batched only for such a ledger
        try:
            failures = ledger.add_notes([(invoice, text, key) for _, invoice, text, key in batch])
        except LedgerError as exc:
            self._note_failed(f"{len(batch)} notes not written yet ({exc})", exc)
            return
        checkpoint("after_note")
        for row_id, invoice, _, key in batch:
            if key in failures:
                self.ctx.report.errors.append(
                    f"{invoice.number}: note not written yet ({failures[key]})"
                )
                continue
            self._noted(row_id)

    def _noted(self, row: Marker) -> None:
        if callable(row):
            row()
        else:
            self.ctx.store.complete(row, noted_at=self.ctx.now)
        self.ctx.report.notes += 1

    def _note_failed(self, error: str, exc: LedgerError) -> None:
        """Report a note the ledger refused; it is written on a later run, unless fatal."""
        self.ctx.report.errors.append(error)
        if exc.disposition == "abort":
            raise Aborted(str(exc)) from exc

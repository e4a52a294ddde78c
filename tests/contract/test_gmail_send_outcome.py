"""A send whose draft is gone is never "try again" and never "failed": it is settled later.

Found by the job-level chaos rounds (tests/e2e/test_chaos.py): ``drafts.send`` carried
out and answered 500, the retry found the draft gone (404), and looking for the sent
message failed on a 500 or 429 of its own. That failure left ``send`` as a plain
``TransportUnavailable``, so the job released the outbox row and the next run sent the
reminder a second time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailer.errors import SendOutcomeUnknown, SendRejected
from tests.contract.test_gmail_transport import gmail_transport, invoice_message
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator
from tests.support.tally import record


@pytest.fixture
def emulator() -> Iterator[GmailEmulator]:
    with GmailEmulator(SENDER) as running:
        yield running


@pytest.mark.parametrize("search_fault", ["500", "429"])
def test_a_gone_draft_with_an_unsearchable_mailbox_is_an_unknown_outcome(
    emulator: GmailEmulator, search_fault: str
) -> None:
    transport = gmail_transport(emulator)
    transport.send(invoice_message("courtesy", [], invoice="INV-0001"), thread=None)
    emulator.inject("drafts.send", "500", act_first=True)  # sent, then the answer was lost
    emulator.inject("messages.list", search_fault, times=20)  # and the search keeps failing
    refs: list[str] = []
    with pytest.raises(SendOutcomeUnknown, match="never resend"):
        transport.send(invoice_message("courtesy", []), thread=None, prepared=refs.append)
    assert len(emulator.sent()) == 2
    emulator.faults.clear()
    later = gmail_transport(emulator)  # the next run settles it through the draft reference
    message = invoice_message("courtesy", [])
    found = later.find_sent(message["Message-ID"], prepared=refs[0])
    assert found is not None and found.ref == emulator.sent()[1].id


# A drafts.send that Gmail carried out, whose answer was lost, then a refusal of the
# retry: through httplib2's own resend ("drop": the client never sees the first try)
# or through Tahseel's retry ("500"). The draft is gone, so the message may be out.
@pytest.mark.parametrize("lost", ["drop", "500"])
def test_a_refused_retry_of_a_delivered_send_is_an_unknown_outcome(
    emulator: GmailEmulator, lost: str
) -> None:
    transport = gmail_transport(emulator)
    emulator.inject("drafts.send", lost, act_first=True)
    emulator.inject("drafts.send", "400")
    refs: list[str] = []
    message = invoice_message("courtesy", [], invoice="INV-0007")
    with pytest.raises(SendOutcomeUnknown, match="never resend"):
        transport.send(message, thread=None, prepared=refs.append)
    assert emulator.calls["drafts.send"] == 2, "the first try and its retry"
    assert len(emulator.sent()) == 1
    assert emulator.calls["drafts.delete"] == 0, "a draft that may be sent is left alone"
    later = gmail_transport(emulator)  # the next run settles it by searching
    found = later.find_sent(message["Message-ID"], prepared=refs[0])
    assert found is not None and found.ref == emulator.sent()[0].id
    record("real services: gmail send", bad_inputs=1, runs=2)


def test_a_refused_first_try_is_rejected_and_its_draft_deleted(emulator: GmailEmulator) -> None:
    transport = gmail_transport(emulator)
    emulator.inject("drafts.send", "400")  # refused before anything was sent
    with pytest.raises(SendRejected):
        transport.send(invoice_message("courtesy", []), thread=None)
    assert emulator.sent() == [] and emulator.mailbox.drafts == {}
    record("real services: gmail send", bad_inputs=1, runs=1)

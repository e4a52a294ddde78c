"""A send whose draft is gone, when Gmail then cannot be searched, is never "try again".

Found by the job-level chaos rounds (tests/e2e/test_chaos.py): ``drafts.send`` carried
out and answered 500, the retry found the draft gone (404), and looking for the sent
message failed on a 500 or 429 of its own. That failure left ``send`` as a plain
``TransportUnavailable``, so the job released the outbox row and the next run sent the
reminder a second time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailer.errors import SendOutcomeUnknown
from tests.contract.test_gmail_transport import gmail_transport, invoice_message
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator


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

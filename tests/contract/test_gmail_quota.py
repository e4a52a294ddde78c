"""What Gmail's quota is charged, counted by the emulator in Google's units.

Units per method are Google's (https://developers.google.com/gmail/api/reference/quota),
in ``tests/emulators/gmail/routes.py`` (``UNITS``); ``units_spent`` prices the requests
the emulator received. The assertions are on that count, never on time.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailer.gmail.api import QuotaBudget
from tests.contract.test_gmail_transport import gmail_transport, send_chain
from tests.contract.transport_contract import CUSTOMER, SENDER, customer_reply
from tests.emulators.gmail import GmailEmulator
from tests.emulators.gmail.routes import UNITS, units_spent
from tests.support import tally

INBOUND = 5000


class CountingBudget(QuotaBudget):
    """A budget that adds up what the transport charges, and stops a runaway scan.

    The old reply scan spends some 15 to 30 units per inbound message: past ``stop`` the
    test fails at once rather than after 5,000 messages' worth of requests.
    """

    def __init__(self, stop: int = 100_000) -> None:
        super().__init__(1_000_000)
        self.spent = 0
        self.stop = stop

    def take(self, units: int) -> None:
        self.spent += units
        if self.spent > self.stop:
            raise RuntimeError(f"over {self.stop} quota units")
        super().take(units)


def inbound(n: int, refers_to: str | None = None) -> bytes:
    """An ordinary message from outside, in a thread of its own."""
    message = EmailMessage()
    message["From"] = f"Client {n} <client{n}@example.com>"
    message["To"] = SENDER
    message["Subject"] = f"Order {n}"
    message["Message-ID"] = f"<inbound-{n}@example.com>"
    if refers_to:
        message["In-Reply-To"] = refers_to
        message["References"] = refers_to
    message.set_content("Please see the attached order.")
    return message.as_bytes()


def fill(emulator: GmailEmulator, count: int, refers: list[str]) -> None:
    """``count`` inbound messages; every other one answers one of ``refers`` (round robin).

    Stored directly, each in a thread of its own: Gmail would thread them the same way
    (no message they refer to shares their subject), and threading 5,000 deliveries one
    by one is slow in the emulator.
    """
    for n in range(count):
        refer = refers[n % len(refers)] if refers and n % 2 else None
        emulator.mailbox.store(inbound(n, refer), {"INBOX", "UNREAD"}, thread=None, outgoing=True)


def manual_sent(emulator: GmailEmulator, n: int) -> str:
    """A message the business sent by hand (not Tahseel's); its Message-ID."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = f"client{n}@example.com"
    message["Subject"] = f"Quote {n}"
    message["Message-ID"] = f"<manual-{n}@nakheel.example>"
    message.set_content("Our quote.")
    emulator.mailbox.store(message.as_bytes(), {"SENT"}, thread=None, outgoing=True)
    return str(message["Message-ID"])


def test_the_first_reply_scan_of_a_big_mailbox_costs_no_unit_per_message():
    """5,000 inbound messages, Tahseel has sent nothing yet (its first run reads replies
    before it sends): nothing can answer Tahseel, so no message is looked at.

    Bound: getProfile (1) + labels.list (1), plus one search page (5) were the label
    there: 7 units, whatever the mailbox holds. The old scan listed the 5,000 (10 pages,
    50 units) then read each one's thread (10) and headers (5) and searched for what it
    refers to (5): about 17 units a message, 87,500 in all.
    """
    with GmailEmulator(SENDER) as emulator:
        refers = [manual_sent(emulator, n) for n in range(50)]
        fill(emulator, INBOUND, refers)
        budget = CountingBudget(stop=1000)
        transport = gmail_transport(emulator, budget=budget)
        replies, cursor = transport.replies_since(None)
        spent = units_spent(emulator.calls)
    assert replies == [] and cursor
    assert spent <= UNITS["getProfile"] + UNITS["labels.list"] + UNITS["messages.list"]
    assert emulator.calls["threads.get"] == emulator.calls["messages.get"] == 0
    tally.record("real services: gmail quota", bad_inputs=1, runs=1)


def test_a_referred_message_id_is_searched_once_per_scan():
    """Tahseel has sent (one thread, answered once); 300 other messages answer three
    messages sent by hand, in threads of their own.

    Bound: each of the 300 costs its thread (10) and headers (5); each of the three
    referred Message-IDs one search (5) and its thread (10), once; plus the listing, the
    Tahseel thread and the reply. The old scan searched and read the referred thread again
    for every message: 30 units each.
    """
    with GmailEmulator(SENDER) as emulator:
        budget = CountingBudget()
        transport = gmail_transport(emulator, budget=budget)
        (sent,) = send_chain(transport, ["courtesy"])
        transport.flush()
        emulator.deliver(customer_reply(sent, "Paid today.", message_id="<r1@example.com>"))
        refers = [manual_sent(emulator, n) for n in range(3)]
        for n in range(300):
            emulator.mailbox.store(inbound(n, refers[n % 3]), {"INBOX"}, thread=None, outgoing=True)
        before = emulator.calls.copy()
        replies, _ = gmail_transport(emulator, budget=budget).replies_since(None)
        spent = units_spent(emulator.calls - before)
    assert [r.sender for r in replies] == [CUSTOMER]
    others = 300 * (UNITS["threads.get"] + UNITS["messages.get"])
    referred = 3 * (UNITS["messages.list"] + UNITS["threads.get"])
    overhead = (
        UNITS["getProfile"]
        + UNITS["labels.list"]
        + 2 * UNITS["messages.list"]  # has Tahseel sent? and one page of candidates
        + UNITS["threads.get"]
        + 2 * UNITS["messages.get"]  # the reply: its thread is Tahseel's, read in full
    )
    assert spent <= others + referred + overhead
    searches = (emulator.calls - before)["messages.list"]
    assert searches <= 2 + 3
    tally.record("real services: gmail quota", bad_inputs=1, runs=1)


@pytest.mark.parametrize("messages", [3, 1001])
def test_the_budget_charges_what_gmail_counts(messages):
    """Every call the transport makes is charged at Google's price: a batchModify is 50
    units (not 5), whether it labels 3 messages or 1,000.
    """
    with GmailEmulator(SENDER) as emulator:
        budget = CountingBudget()
        transport = gmail_transport(emulator, budget=budget)
        sent = send_chain(transport, ["courtesy"], invoice="INV-1")
        emulator.deliver(customer_reply(sent[0], "Paid.", message_id="<r1@example.com>"))
        for n in range(messages - 1):
            transport._box.label_later(f"{n:x}")  # ids Gmail does not know: still charged
        transport.flush()
        transport.replies_since(None)
        counted = units_spent(emulator.calls)
    assert emulator.calls["messages.batchModify"] == (1 if messages <= 1000 else 2)
    assert budget.spent == counted
    tally.record("real services: gmail quota", bad_inputs=1, runs=1)

"""The seven things a reply can be understood to say. Light: no rules or lexicons load here.

The job names intents in every run; the rules that find them load only when a reply
arrives (``sync.replies.understanding``).
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """What a reply was understood to say; see the module docstring for the precedence."""

    INVOICE_NOT_RECEIVED = "invoice_not_received"
    ALREADY_PAID = "already_paid"
    DISPUTE = "dispute"
    PROMISE_TO_PAY = "promise_to_pay"
    PAYMENT_PLAN = "payment_plan"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"

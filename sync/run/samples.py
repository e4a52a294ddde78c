"""The sample contexts ``tahseel check`` renders every template against.

Each template is rendered in every language in a few contexts that between them take
every branch the built-in templates have: a customer who replied or not, a promise
broken or not yet due, reminders sent before or none, a company or a person, either
greeting, a phone and a thank-you note or none, a link and an attachment or none. Each
also holds a sample ``statement`` (three invoices, two currencies) for the statement
templates (``sync.run.statement_context``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from connectors.models import Invoice
from sync.config.settings import Settings
from sync.config.wording import CustomerSettings, Salutation
from sync.run.fee_checks import sample_fee
from sync.run.outbound import Identity, sample_invoice, template_context
from sync.run.schedule import sample_plan
from sync.run.statement_context import sample_statement
from sync.run.wording import Wording
from sync.store.tables import ThreadInfo

_VARIANTS: tuple[dict[str, Any], ...] = (
    # A first message: nothing on record, a company, the standard greeting.
    {"replied": False, "promised": None, "sent": 0, "person": False, "islamic": False,
     "extras": False, "link": True, "attachment": True, "ahead": -12},
    # Later: the customer replied and promised a date that passed unpaid.
    {"replied": True, "promised": -5, "sent": 3, "person": True, "islamic": True,
     "extras": True, "link": False, "attachment": False, "ahead": -20},
    # The customer replied and promised a date still to come; one reminder sent.
    {"replied": True, "promised": 10, "sent": 1, "person": False, "islamic": True,
     "extras": True, "link": True, "attachment": False, "ahead": 3},
)  # fmt: skip


def sample_contexts(settings: Settings, stage: str, language: str) -> list[dict[str, Any]]:
    """The contexts ``stage``'s template is checked in, in ``language``.

    Each variant is a different day (before, at and well after the due date), so a
    subject that names how late the invoice is renders differently between them.

    Args:
        settings: The configuration (its wording: phone, note, party, deadline).
        stage: The stage (or ``resend``, ``thank_you``, ``acknowledge``).
        language: ``en`` or ``ar``.
    """
    identity = Identity.from_settings(settings)
    wording = Wording.from_settings(settings)
    contexts = []
    for variant in _VARIANTS:
        invoice = sample_invoice()
        today = invoice.due_date - timedelta(days=variant["ahead"])
        if stage == "thank_you":
            invoice = replace(invoice, amount_due=invoice.amount_due * 0)
        promised = variant["promised"]
        thread = ThreadInfo(
            None,
            None,
            (),
            replied=variant["replied"],
            promised=None if promised is None else today + timedelta(days=promised),
            reminders_sent=variant["sent"],
        )
        contexts.append(
            template_context(
                invoice,
                identity,
                stage=stage,
                cycle=variant["sent"],
                language=language,
                payment_link="https://pay.example.com/INV-0001" if variant["link"] else None,
                attachment=variant["attachment"],
                today=today,
                promised_date=today + timedelta(days=10),
                thread=thread,
                wording=_varied(wording, variant, invoice),
                deadline=today + timedelta(days=9),
                late_fee=sample_fee(settings, stage, invoice.currency),
                plan=sample_plan(stage, invoice.amount_due, today),
            )
            | {"statement": sample_statement(today, links=variant["link"])}
        )
    return contexts


def _varied(wording: Wording, variant: dict[str, Any], invoice: Invoice) -> Wording:
    """The configured wording, with what the variant needs set when the settings leave it out."""
    salutation: Salutation = "person" if variant["person"] else "company"
    customers = {**wording.customers, invoice.contact.id: CustomerSettings(salutation=salutation)}
    if not variant["extras"]:
        return replace(
            wording, customers=customers, greeting="islamic" if variant["islamic"] else "standard"
        )
    return replace(
        wording,
        customers=customers,
        greeting="islamic" if variant["islamic"] else "standard",
        phone=wording.phone or "+966 11 000 0000",
        thank_you_note=wording.thank_you_note or "Sample note.",
    )

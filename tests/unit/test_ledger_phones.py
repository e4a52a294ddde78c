"""Phone numbers from Xero contacts and QuickBooks customers, mobile first, for texts."""

from __future__ import annotations

from xero_python.accounting import Contact, Phone

from connectors.quickbooks.mapping import to_contact as quickbooks_contact
from connectors.xero.mapping import to_contact as xero_contact
from mailer.phones import normalise


def test_xero_phones_mobile_first_without_fax_and_with_the_country_code_when_given():
    contact = Contact(
        contact_id="c-1",
        name="Najd",
        phones=[
            Phone(phone_type="FAX", phone_number="2345678", phone_area_code="11"),
            Phone(phone_type="DEFAULT", phone_number="2345678", phone_area_code="11",
                  phone_country_code="966"),
            Phone(phone_type="DDI", phone_number=""),
            Phone(phone_type="MOBILE", phone_number="501234567", phone_area_code="0"),
        ],
    )  # fmt: skip
    phones = xero_contact(contact).phones
    assert phones == ("0501234567", "+966112345678")
    assert [normalise(p, "SA").e164 for p in phones] == ["+966501234567", "+966112345678"]


def test_quickbooks_mobile_then_primary_phone():
    customer = {
        "DisplayName": "Blue Harbor",
        "PrimaryPhone": {"FreeFormNumber": "+966 11 234 5678"},
        "Mobile": {"FreeFormNumber": "050 123 4567"},
    }
    invoice = {"CustomerRef": {"value": "5", "name": "Blue Harbor"}}
    assert quickbooks_contact(customer, invoice).phones == ("050 123 4567", "+966 11 234 5678")
    assert quickbooks_contact(None, invoice).phones == ()

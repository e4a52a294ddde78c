"""The CompanyInfo read, ``GET /v3/company/<realmId>/companyinfo/<realmId>``.

Intuit's API reference (CompanyInfo, "Read company info") reads the entity by the
company's own id, the realm id; python-quickbooks builds the same URL
(``get_single_object("CompanyInfo", realm_id)``). Field names are those of the
``CompanyInfo`` element in Intuit's ``Finance.xsd`` (QuickBooks-V3-Java-SDK,
ipp-v3-java-data/src/main/xsd): ``CompanyName``, ``LegalName``, ``Country`` …
Any other id is not found (fault 610), as for other entities.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.emulators.quickbooks.faults import Fault, now_text

if TYPE_CHECKING:
    from tests.emulators.quickbooks.company import Company
    from tests.emulators.quickbooks.server import QuickBooksEmulator

Answer = tuple[int, str, bytes]


def answer(
    emulator: QuickBooksEmulator,
    company: Company,
    method: str,
    rest: str,
    params: dict[str, str],
    body: bytes,
) -> Answer:
    """Answer ``GET companyinfo/<id>`` for ``company``."""
    wanted = rest.partition("/")[2]
    if method != "GET" or wanted != company.realm_id:
        fault = Fault.not_found("CompanyInfo", wanted)
        return fault.status, "application/json", fault.payload()
    info = {
        "CompanyName": company.name,
        "LegalName": company.name,
        "Country": "US",
        "SupportedLanguages": "en",
        "domain": "QBO",
        "sparse": False,
        "Id": company.realm_id,
        "SyncToken": "0",
    }
    return 200, "application/json", json.dumps({"CompanyInfo": info, "time": now_text()}).encode()

"""The customers of a QuickBooks company's invoices, read by id in bulk, once each.

Addresses come from the invoice's BillEmail and the customer's PrimaryEmailAddr as
``email_source`` says. The language is the value of the custom field
``language_field`` (the invoice's, else the customer's): a code like ``ar`` or a name
like ``Arabic``. The policy is the value of the custom field ``policy_field`` (the
invoice's, else the customer's), a name of the configuration's ``policies``. QuickBooks'
own customer type is not used: the API gives a customer's ``CustomerTypeRef`` as an id
only, and its name would cost a query of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.batches import when_batch_is_full
from connectors.models import Contact
from connectors.quickbooks import mapping
from connectors.quickbooks.mapping import Row
from connectors.quickbooks.query import IDS_PER_QUERY, Queries


class Customers:
    """The customers read so far for one ledger, and the reads that add to them.

    Args:
        queries: The ledger's queries.
        email_source: ``bill``, ``customer`` or ``both`` (see ``mapping.choose_emails``).
        language_field: Name of the custom field holding the customer's language.
        policy_field: Name of the custom field holding the customer's policy.
    """

    def __init__(
        self,
        queries: Queries,
        *,
        email_source: mapping.EmailSource,
        language_field: str | None,
        policy_field: str | None = None,
    ) -> None:
        self._queries = queries
        self.email_source: mapping.EmailSource = email_source
        self.language_field = language_field
        self.policy_field = policy_field
        self.known: dict[str, Row] = {}

    def load(self, ids: Sequence[str]) -> None:
        """Read the customers not read yet, ``IDS_PER_QUERY`` ids a query."""
        missing = [i for i in ids if i not in self.known and i.isdigit()]
        # Inactive customers still owe money; a plain query would leave them out.
        for rows in self._queries.by_ids(
            "customers.query", "Customer", missing, where="Active IN (true, false)"
        ):
            for row in rows:
                if mapping.plain(row.get("Id")):
                    self.known[str(row["Id"])] = row

    def contact(self, invoice: Row) -> Contact:
        """The contact the invoice is billed to, from its customer if that was read.

        Raises:
            MappingError: The invoice names no customer, or an address is odd.
        """
        return mapping.to_contact(
            self.known.get(mapping.customer_id_of(invoice) or ""),
            invoice,
            email_source=self.email_source,
            language_field=self.language_field,
            policy_field=self.policy_field,
        )

    def ready(self, rows: list[Row], *, bound: int) -> tuple[list[Row], list[Row]]:
        """Read the customers of ``rows`` in full queries; (rows ready, rows waiting).

        Args:
            rows: Invoice rows waiting for their customers, oldest first.
            bound: Rows that may wait; at that many, every missing customer is read.
        """
        return when_batch_is_full(
            rows,
            ids=mapping.customer_ids,
            id_of=lambda row: str(mapping.customer_id_of(row)),
            known=self.known,
            load=self.load,
            batch=IDS_PER_QUERY,
            bound=bound,
        )

"""The contacts of a Xero organisation's invoices, read in batches of ids, once each.

A contact's addresses are its own email address followed by every contact person
marked "include in emails" (see ``mapping.to_contact``). Its language is ``ar`` when
it belongs to the contact group named ``arabic_group`` (compared without regard to
case), otherwise unknown (the business's default applies); the group's members are
read once.

Its policy comes from a contact group named ``policy_prefix`` and the policy's name
(``Policy: government`` with the prefix ``Policy: ``), compared without regard to case;
groups without the prefix say nothing about policies. A contact in two such groups has
both names joined by `` + ``, which no configuration names, so its invoices are
skipped until one group is left. The groups are read once, and only when a prefix is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connectors.batches import chunks, when_batch_is_full
from connectors.models import Contact
from connectors.xero import mapping, pages
from connectors.xero.client import IDS_PER_CALL, XeroClient


class Contacts:
    """The contacts read so far for one ledger, and the reads that add to them.

    Args:
        client: Returns the ledger's SDK connection (built on first use).
        tenant_id: Returns the organisation's id.
        arabic_group: Name of the contact group whose members read Arabic.
        problems: Returns the ledger's list of row problems (a contact the SDK
            cannot read is described there).
    """

    def __init__(
        self,
        client: Callable[[], XeroClient],
        tenant_id: Callable[[], str],
        arabic_group: str | None,
        problems: Callable[[], list[str]] = list,
    ) -> None:
        self._client = client
        self._problems = problems
        self._tenant_id = tenant_id
        self.arabic_group = arabic_group
        self.known: dict[str, Contact] = {}
        self._arabic: frozenset[str] | None = None
        self.policy_prefix: str | None = None
        self._policies: dict[str, str] | None = None

    def get(self, contact_id: str) -> Contact | None:
        """The contact read with this id, if it was read."""
        return self.known.get(contact_id)

    def load(self, ids: Sequence[str]) -> None:
        """Read the contacts not read yet, ``IDS_PER_CALL`` ids a call; archived ones too."""
        missing = [i for i in ids if i not in self.known and mapping.is_id(i)]
        if not missing:
            return
        arabic = self._arabic_members()
        policies = self._policy_members()
        client = self._client()
        for chunk in chunks(missing, IDS_PER_CALL):
            found = pages.read_page(
                client,
                "contacts.list",
                client.accounting.get_contacts,
                self._tenant_id(),
                listing=pages.CONTACTS,
                problems=self._problems(),
                i_ds=chunk,
                include_archived=True,
            )
            for row in found.rows:
                key = str(row.contact_id)
                language = "ar" if key in arabic else None
                contact = mapping.to_contact(row, language=language, policy=policies.get(key))
                self.known[key] = contact

    def ready(self, rows: list[Any], *, bound: int) -> tuple[list[Any], list[Any]]:
        """Read the contacts of ``rows`` in full batches; (rows ready, rows waiting).

        Args:
            rows: Invoice rows waiting for their contacts, oldest first.
            bound: Rows that may wait; at that many, every missing contact is read.
        """
        return when_batch_is_full(
            rows,
            ids=mapping.contact_ids,
            id_of=lambda row: str(row.contact.contact_id),
            known=self.known,
            load=self.load,
            batch=IDS_PER_CALL,
            bound=bound,
        )

    def _arabic_members(self) -> frozenset[str]:
        if self._arabic is None:
            self._arabic = frozenset(self._group_members(self.arabic_group))
        return self._arabic

    def _policy_members(self) -> dict[str, str]:
        """Policy names by contact id, from the groups named with ``policy_prefix``."""
        prefix = (self.policy_prefix or "").casefold()
        if self._policies is None:
            self._policies = {}
            found: dict[str, list[str]] = {}
            for group_id, name in self._groups_named(prefix) if prefix else ():
                for contact_id in self._members_of(group_id):
                    found.setdefault(contact_id, []).append(name[len(prefix) :].strip())
            self._policies = {c: " + ".join(sorted(set(n))) for c, n in found.items()}
        return self._policies

    def _groups_named(self, prefix: str) -> list[tuple[str, str]]:
        client = self._client()
        groups = client.call(
            "contact_groups.list", client.accounting.get_contact_groups, self._tenant_id()
        )
        return [
            (g.contact_group_id, g.name)
            for g in groups.contact_groups or ()
            if (g.name or "").casefold().startswith(prefix) and g.contact_group_id
        ]

    def _members_of(self, group_id: str) -> set[str]:
        client = self._client()
        full = client.call(
            "contact_groups.get",
            client.accounting.get_contact_group,
            self._tenant_id(),
            group_id,
        )
        return {
            str(c.contact_id) for found in full.contact_groups or () for c in found.contacts or ()
        }

    def _group_members(self, name: str | None) -> set[str]:
        if not name:
            return set()
        client = self._client()
        quoted = name.replace('"', "")
        groups = client.call(
            "contact_groups.list",
            client.accounting.get_contact_groups,
            self._tenant_id(),
            where=f'Name=="{quoted}"',
        )
        members: set[str] = set()
        for group in groups.contact_groups or ():
            if (group.name or "").casefold() != name.casefold():
                continue
            full = client.call(
                "contact_groups.get",
                client.accounting.get_contact_group,
                self._tenant_id(),
                group.contact_group_id,
            )
            for found in full.contact_groups or ():
                members.update(str(c.contact_id) for c in found.contacts or ())
        return members

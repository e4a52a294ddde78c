"""Ready a Gmail test account for ``test_cassette_send_a_thread_and_find_it``.

The scenario sends its own two-message thread (invoice INV-0042, stages courtesy and
due) to ``TAHSEEL_LIVE_GMAIL_TO``, then finds the second message by its composed
Message-ID, which is the same on every recording. What it needs from the account is
therefore: a token that works, the ``Tahseel`` label, and no thread of an earlier
recording that ``find_sent`` could find instead. :func:`seed` moves such messages to
the Trash (Gmail leaves Trash out of searches unless asked, and TRASH is a label that
"can be manually applied": developers.google.com/gmail/api/guides/labels) and makes
the label when it is missing. A second run finds nothing to move and the label made.
Everything goes through google-api-python-client, by ``mailer.gmail.api.GmailApi``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailer.gmail.api import GmailApi
from mailer.gmail.auth import load_token

VARIABLES = ("TAHSEEL_LIVE_GMAIL_TOKEN", "TAHSEEL_LIVE_GMAIL_TO")
LABEL = "Tahseel"
INVOICE = "INV-0042"
"""The scenario's invoice: its messages carry ``X-Tahseel-Invoice: INV-0042``."""
LOOKBACK = "30d"
"""Older than the transport's seven-day lookback, with room to spare."""


def seed(api: GmailApi, to: str) -> list[str]:
    """Ready the account; return what was changed (empty when it was ready)."""
    changed: list[str] = []
    profile = api.call("getProfile", lambda u: u.getProfile(userId="me"))
    if not profile.get("emailAddress"):
        raise RuntimeError("gmail: the token's account has no address; run the auth again")
    labels = api.call("labels.list", lambda u: u.labels().list(userId="me")).get("labels", [])
    if not any(str(lab.get("name", "")).casefold() == LABEL.casefold() for lab in labels):
        body = {"name": LABEL, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        api.call("labels.create", lambda u: u.labels().create(userId="me", body=body))
        changed.append(f"label {LABEL}")
    query = f"in:sent to:{to} newer_than:{LOOKBACK}"
    found = api.call("messages.list", lambda u: u.messages().list(userId="me", q=query))
    ids = [str(row["id"]) for row in found.get("messages", []) if _scenario(api, row["id"])]
    if ids:
        body: dict[str, Any] = {"ids": ids, "addLabelIds": ["TRASH"]}
        api.call("messages.batchModify", lambda u: u.messages().batchModify(userId="me", body=body))
        changed.append(f"{len(ids)} earlier scenario message(s) moved to the Trash")
    return changed


def _scenario(api: GmailApi, ref: str) -> bool:
    """Whether the sent message ``ref`` is one of the scenario's."""
    meta = api.call(
        "messages.get",
        lambda u: u.messages().get(
            userId="me", id=ref, format="metadata", metadataHeaders=["X-Tahseel-Invoice"]
        ),
    )
    headers = meta.get("payload", {}).get("headers", [])
    return any(
        h.get("name", "").lower() == "x-tahseel-invoice" and h.get("value") == INVOICE
        for h in headers
    )


def seed_from_env(environ: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """Ready the account whose token file ``TAHSEEL_LIVE_GMAIL_TOKEN`` names."""
    path = Path(environ["TAHSEEL_LIVE_GMAIL_TOKEN"])
    api = GmailApi(load_token(path))
    changed = seed(api, environ["TAHSEEL_LIVE_GMAIL_TO"])
    print("gmail: " + ("; ".join(changed) or "the account was ready"))
    return {}

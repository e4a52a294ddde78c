"""Reading replies from Gmail: the mailbox history since a cursor, or a search after expiry."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from mailer.gmail.api import GmailNotFound
from mailer.gmail.mailbox import GmailMailbox, ThreadView
from mailer.gmail.mime import decode_raw, incoming, meta_header, parse_cursor
from mailer.mime import message_ids, sender
from mailer.transport import Incoming

log = logging.getLogger(__name__)

#: Labels of messages that are not someone's reply.
NOT_REPLIES = {"SENT", "DRAFT", "SPAM", "TRASH"}
#: A search after a history expiry starts this long before the previous read.
OVERLAP_SECONDS = 3600


def read_replies(
    box: GmailMailbox, cursor: str | None, *, initial_days: int
) -> tuple[list[Incoming], str]:
    """Replies that arrived in Tahseel's threads since ``cursor``, and the next cursor.

    Args:
        box: The mailbox.
        cursor: ``"<historyId>:<epoch seconds>"`` from the previous read, or None.
        initial_days: How far back a read without a cursor looks.

    Returns:
        The replies, oldest first, and the next cursor.
    """
    started = int(time.time())
    history_id, since = parse_cursor(cursor)
    candidates: list[tuple[str, str]] | None = None
    new_history = history_id or ""
    if history_id is not None:
        try:
            candidates, new_history = _history(box, history_id)
        except GmailNotFound:
            log.info("gmail: history %s has expired; searching instead", history_id)
    if candidates is None:
        # Read the history id before searching, so that nothing falls in between.
        new_history = str(box.profile()["historyId"])
        if since is None and not box.has_sent():
            # The first read of a mailbox Tahseel has sent nothing from: nothing in it can
            # answer Tahseel, so none of its messages is looked at (each would cost Gmail
            # quota units: a thread read, its headers, a search per message it refers to).
            return [], f"{new_history}:{started}"
        window = (
            f"after:{since - OVERLAP_SECONDS}"
            if since is not None
            else f"newer_than:{initial_days}d"
        )
        candidates = list(box.search(f"-in:sent -in:drafts {window}"))[::-1]
    if box.address is None:
        box.profile()
    return _replies(box, candidates), f"{new_history}:{started}"


def _history(box: GmailMailbox, start: str) -> tuple[list[tuple[str, str]], str]:
    """(message id, thread id) of messages added since ``start``, and the new history id."""
    added: dict[str, str] = {}
    token: str | None = None
    while True:
        page = box.api.call(
            "history.list",
            lambda u, t=token: u.history().list(
                userId="me",
                startHistoryId=start,
                historyTypes="messageAdded",
                maxResults=500,
                pageToken=t,
            ),
        )
        for record in page.get("history", []):
            for entry in record.get("messagesAdded", []):
                msg = entry.get("message", {})
                if not NOT_REPLIES & set(msg.get("labelIds", [])):
                    added.setdefault(str(msg["id"]), str(msg.get("threadId", "")))
        token = page.get("nextPageToken")
        if not token:
            return list(added.items()), str(page.get("historyId", start))


def _replies(box: GmailMailbox, candidates: list[tuple[str, str]]) -> list[Incoming]:
    """Keep the candidates that answer Tahseel, read in full.

    Each thread is read once, and each Message-ID a candidate refers to is searched for
    once, however many candidates refer to it (5 quota units a search).
    """
    threads: dict[str, ThreadView] = {}
    searched: dict[str, str | None] = {}
    replies: list[Incoming] = []
    for ref, thread_id in candidates:
        if thread_id not in threads:
            threads[thread_id] = box.thread(thread_id)
        view = threads[thread_id]
        ours = thread_id if view.labelled else None
        if ours is None:
            # Gmail may file a bounce or a reply with a changed subject in a thread of its
            # own: it is still ours when it refers to a message Tahseel sent.
            found = _referred_thread(box, ref, threads, searched)
            if found is None:
                continue
            ours, view = found
        try:
            resource = box.api.call(
                "messages.get", lambda u, r=ref: u.messages().get(userId="me", id=r, format="raw")
            )
        except GmailNotFound:
            continue  # deleted since it arrived
        if NOT_REPLIES & set(resource.get("labelIds", [])):
            continue
        message = decode_raw(str(resource["raw"]))
        if box.address and sender(message).lower() == box.address:
            continue  # a copy of what the business sent
        reply = incoming(resource, message, ours)
        replies.append(replace(reply, refers_to=_with_aliases(reply.refers_to, view.aliases)))
    return sorted(replies, key=lambda r: r.received_at)


def _with_aliases(ids: tuple[str, ...], aliases: dict[str, str]) -> tuple[str, ...]:
    """Each Message-ID Gmail stored for Tahseel's mail preceded by the one Tahseel composed."""
    out: list[str] = []
    for message_id in ids:
        if message_id in aliases:
            out.append(aliases[message_id])
        out.append(message_id)
    return tuple(dict.fromkeys(out))


def _referred_thread(
    box: GmailMailbox, ref: str, threads: dict[str, ThreadView], searched: dict[str, str | None]
) -> tuple[str, ThreadView] | None:
    """The thread of the Tahseel message that ``ref`` answers, if it answers one.

    Args:
        box: The mailbox.
        ref: The candidate's Gmail id.
        threads: Threads read so far in this scan, by id (added to).
        searched: Message-IDs searched for so far in this scan, each with the thread of
            the sent message that has it, or None (added to).
    """
    try:
        meta = box.api.call(
            "messages.get",
            lambda u: u.messages().get(
                userId="me",
                id=ref,
                format="metadata",
                metadataHeaders=["In-Reply-To", "References"],
            ),
        )
    except GmailNotFound:
        return None
    ids = message_ids(meta_header(meta, "In-Reply-To")) + message_ids(
        meta_header(meta, "References")
    )
    for message_id in list(dict.fromkeys(ids))[:3]:
        if message_id not in searched:
            found = box.search(f"in:sent rfc822msgid:{message_id}", limit=1)
            searched[message_id] = next((thread for _, thread in found), None)
        thread_id = searched[message_id]
        if thread_id is None:
            continue
        if thread_id not in threads:
            threads[thread_id] = box.thread(thread_id)
        if threads[thread_id].labelled:
            return thread_id, threads[thread_id]
    return None

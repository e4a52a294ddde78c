"""Batches of a read: ids cut into chunks, rows held back until their ids fill a chunk."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TypeVar

Row = TypeVar("Row")
Item = TypeVar("Item")


def chunks(items: Sequence[Item], size: int) -> Iterator[list[Item]]:
    """Cut ``items`` into lists of ``size`` items, in order; the last may be shorter.

    Args:
        items: What to cut, e.g. the ids of one ``Id IN (...)`` read after another.
        size: Items per chunk, at least 1.

    Yields:
        Each chunk as a new list; nothing for no items.

    Raises:
        ValueError: ``size`` is below 1.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def when_batch_is_full(
    rows: Sequence[Row],
    *,
    ids: Callable[[Sequence[Row]], list[str]],
    id_of: Callable[[Row], str],
    known: Collection[str],
    load: Callable[[list[str]], None],
    batch: int,
    bound: int,
) -> tuple[list[Row], list[Row]]:
    """Read the ids ``rows`` need in full batches; (rows ready, rows still waiting).

    A list page brings rows whose customers may not be read yet; reading them page by
    page ends each page with a short batch. Only full batches of ``batch`` ids are read
    here, and the rows they do not cover wait for the next page, unless ``bound`` rows
    wait already: then every missing id is read and every row let go, so memory stays
    bounded.

    Args:
        rows: The rows waiting, oldest first.
        ids: The distinct ids the rows need, in first-seen order.
        id_of: The id one row needs.
        known: The ids read so far (``load`` adds to it).
        load: Reads the given ids.
        batch: Ids one read takes.
        bound: Rows that may wait.
    """
    missing = [i for i in ids(rows) if i not in known]
    if len(rows) >= bound:
        load(missing)
        return list(rows), []
    load(missing[: len(missing) // batch * batch])
    ready = [r for r in rows if id_of(r) in known]
    waiting = [r for r in rows if id_of(r) not in known]
    return ready, waiting

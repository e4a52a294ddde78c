"""connectors.batches.chunks: ids cut into the reads that take them."""

from __future__ import annotations

import pytest

from connectors.batches import chunks


def test_chunks_keep_order_and_the_last_is_shorter() -> None:
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks(("a", "b", "c"), 3)) == [["a", "b", "c"]]
    assert list(chunks(["a"], 50)) == [["a"]]


def test_no_items_give_no_chunks() -> None:
    assert list(chunks([], 10)) == []


def test_each_chunk_is_a_new_list() -> None:
    items = ["1", "2", "3"]
    first = next(chunks(items, 2))
    first.append("x")
    assert items == ["1", "2", "3"]


@pytest.mark.parametrize("size", [0, -1])
def test_a_size_below_one_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1, 2], size))

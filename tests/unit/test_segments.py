"""SMS segment counting: GSM-7 160/153 with the extension table counting 2, UCS-2 70/67."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.segments import TooManySegments, check_segments, count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "count", "units"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 1, 160),
        ("a" * 161, "gsm7", 2, 161),
        ("a" * 306, "gsm7", 2, 306),
        ("a" * 307, "gsm7", 3, 307),
        # The euro sign is in the extension table: two septets.
        ("€" * 80, "gsm7", 1, 160),
        ("€" * 81, "gsm7", 2, 162),
        # 152 plain then one escape pair: the pair does not fit the first part's last
        # septet, so it opens the second part.
        ("a" * 152 + "{" + "a" * 10, "gsm7", 2, 164),
        ("ي" * 70, "ucs2", 1, 70),
        ("ي" * 71, "ucs2", 2, 71),
        ("ي" * 134, "ucs2", 2, 134),
        ("ي" * 135, "ucs2", 3, 135),
        # One Arabic letter makes the whole text UCS-2.
        ("a" * 100 + "ب", "ucs2", 2, 101),
        # An emoji beyond the BMP is a surrogate pair: two units, never split.
        ("😀" * 35, "ucs2", 1, 70),
        ("😀" * 36, "ucs2", 2, 72),
        ("a" * 66 + "😀" + "a" * 10, "ucs2", 2, 78),
        ("a" * 67 + "😀" * 34, "ucs2", 3, 135),
    ],
)
def test_counts_segments(text, encoding, count, units):
    found = count_segments(text)
    assert (found.encoding, found.count, found.units) == (encoding, count, units)


def test_names_the_character_that_forced_ucs2():
    assert count_segments("Pay now ✓ please").first_non_gsm == "✓"
    assert count_segments("Pay now please").first_non_gsm is None


def test_refuses_more_than_the_maximum_with_a_reason():
    with pytest.raises(TooManySegments) as caught:
        check_segments("ادفع" * 60, 3, where="templates/ar/reminder.sms.txt")
    message = str(caught.value)
    assert "templates/ar/reminder.sms.txt" in message
    assert "4 SMS segments" in message and "3 allowed" in message
    assert "UCS-2" in message and "sms.max_segments" in message
    assert check_segments("a" * 459, 3, where="x").count == 3


@given(st.text(max_size=700))
def test_parts_hold_every_unit_and_no_more(text):
    found = count_segments(text)
    if found.units == 0:
        assert found.count == 0
    elif found.count == 1:
        assert found.units <= (160 if found.encoding == "gsm7" else 70)
    else:
        part = 153 if found.encoding == "gsm7" else 67
        # Packing may waste at most one unit a part (a pair that does not fit).
        assert (found.count - 1) * (part - 1) < found.units <= found.count * part

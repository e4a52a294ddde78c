from tests.support import tally


def test_table_sums_rows_and_counts_distinct_crash_points() -> None:
    saved = dict(tally._rows)
    tally.reset()
    try:
        assert tally.table() == []
        tally.record("crash sweep", crash_points=["a", "b"], runs=3)
        tally.record("crash sweep", crash_points=["b", "c"], runs=2, duplicates=1)
        tally.record("bad input", bad_inputs=7, crash_points=["a"])
        lines = tally.table()
        assert lines[0].split("|")[1].strip() == "suite"
        rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in lines[2:]}
        assert [c.strip() for c in rows["crash sweep"]] == ["3", "5", "1", "0", "0", "0"]
        assert [c.strip() for c in rows["total"]] == ["3", "5", "1", "0", "0", "7"]
    finally:
        tally.reset()
        tally._rows.update(saved)

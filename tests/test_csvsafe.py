"""Exports can't run as spreadsheet formulas (bot/csvsafe.py)."""

import csv
import io
from decimal import Decimal

from bot import csvsafe


def test_text_cells_that_start_a_formula_become_text() -> None:
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(["=1+1", "+1", "-2+3", "@SUM(A1)", "Night Drive", Decimal("-0"), 5, ""])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == [
        "'=1+1",
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "Night Drive",
        "-0",
        "5",
        "",
    ]


def test_dict_writer_too() -> None:
    buf = io.StringIO()
    w = csvsafe.dict_writer(buf, ["outlet", "note"])
    w.writeheader()
    w.writerow({"outlet": '=HYPERLINK("http://e")', "note": "ok"})
    assert list(csv.DictReader(io.StringIO(buf.getvalue()))) == [{"outlet": '\'=HYPERLINK("http://e")', "note": "ok"}]

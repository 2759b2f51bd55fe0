"""CSV files people open in spreadsheets: text cells can't run as formulas.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula ("CSV injection", OWASP). Every export Roadie attaches (guest lists, set-list
returns, settlement and budget reports, split sheets, promo campaigns) writes through
:func:`writer` / :func:`dict_writer`, which prefix such *text* cells with ``'`` so they stay text;
numbers, ``Decimal`` amounts and dates are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``"=1+1"`` -> ``"'=1+1"``; other values (and non-strings) unchanged."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


class _Writer:
    def __init__(self, w: Any) -> None:
        self._w = w

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for r in rows:
            self.writerow(r)


class _DictWriter:
    def __init__(self, w: csv.DictWriter) -> None:
        self._w = w

    def writeheader(self) -> Any:
        return self._w.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._w.writerow({k: cell(v) for k, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for r in rows:
            self.writerow(r)


def writer(f: IO[str], **kwargs: Any) -> _Writer:
    """Like :func:`csv.writer`, with every text cell made formula-safe (:func:`cell`)."""
    return _Writer(csv.writer(f, **kwargs))


def dict_writer(f: IO[str], fieldnames: list[str] | tuple[str, ...], **kwargs: Any) -> _DictWriter:
    """Like :class:`csv.DictWriter`, with every text cell made formula-safe (:func:`cell`)."""
    return _DictWriter(csv.DictWriter(f, fieldnames=fieldnames, **kwargs))

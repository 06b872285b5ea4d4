"""Cells for spreadsheets and CSV files people open in a spreadsheet."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula (a name like '=HYPERLINK(...)') gets a
    leading apostrophe; numbers stay numbers."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_safe(cells: list[Any]) -> list[Any]:
    return [spreadsheet_cell(c) for c in cells]

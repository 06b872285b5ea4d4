"""The typed cell readers every import kind parses its rows with (programs.imports.Cells),
at their edges, and the registry of kinds the Import page offers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from programs.imports import (
    BAD_EMAIL,
    BAD_WHOLE_NUMBER,
    IMPORT_KINDS,
    REQUIRED,
    Cells,
    CsvImporter,
    RowError,
    Table,
    register_import,
)


def _cells(value: Any, line: int = 7) -> Cells:
    return Cells(values={"n": value}, line=line)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("42", 42), ("-3", -3), (" 12 ", 12), (Decimal(5), 5), (Decimal("5.0"), 5)],
)
def test_a_whole_number_reads_as_text_or_as_an_excel_number(value: Any, expected: int) -> None:
    cells = _cells(value)
    assert cells.integer("n") == expected
    assert cells.errors == []


@pytest.mark.parametrize(
    "value",
    ["1.5", "1e3", "+4", "4 5", "x", Decimal("2.5"), Decimal("NaN"), Decimal("Infinity")],
)
def test_anything_but_a_whole_number_is_refused_in_its_cell(value: Any) -> None:
    cells = _cells(value)
    assert cells.integer("n") is None
    assert cells.errors == [RowError(7, "n", BAD_WHOLE_NUMBER)]


def test_a_whole_number_s_bounds_are_inclusive_and_say_which() -> None:
    for value, errors in [
        ("1", []),
        ("10", []),
        ("0", [RowError(7, "n", "must be at least 1")]),
        ("11", [RowError(7, "n", "must be at most 10")]),
    ]:
        cells = _cells(value)
        assert cells.integer("n", minimum=1, maximum=10) == int(value)
        assert cells.errors == errors, value


def test_a_blank_whole_number_is_none_or_required() -> None:
    assert _cells("").integer("n") is None
    cells = _cells("  ")
    assert cells.integer("n", required=True) is None
    assert cells.errors == [RowError(7, "n", REQUIRED)]


def test_e_mail_lists_split_lower_and_refuse_each_bad_address() -> None:
    cells = _cells(" A@Example.org ; ;b@example.org;")
    assert cells.emails("n") == ["a@example.org", "b@example.org"]
    assert cells.errors == []
    bad = _cells("a@example.org;not-an-address")
    assert bad.emails("n") == ["a@example.org", "not-an-address"]
    assert bad.errors == [RowError(7, "n", f"'not-an-address': {BAD_EMAIL}")]
    assert _cells("a@example.org,b@example.org").emails("n", sep=",") == [
        "a@example.org",
        "b@example.org",
    ]
    blank = _cells("")
    assert blank.emails("n") == []
    assert blank.errors == [RowError(7, "n", REQUIRED)]
    assert _cells("").emails("n", required=False) == [] and not _cells("").errors


def test_choice_lists_name_each_value_not_allowed_and_what_is() -> None:
    cells = _cells("red; blue ;;green")
    assert cells.choices("n", ["red", "green"]) == ["red", "blue", "green"]
    assert cells.errors == [RowError(7, "n", "'blue' is not one of: red, green")]
    ok = _cells("red,green")
    assert ok.choices("n", ["red", "green"], sep=",") == ["red", "green"]
    assert ok.errors == []
    required = _cells("")
    assert required.choices("n", ["red"], required=True) == []
    assert required.errors == [RowError(7, "n", REQUIRED)]


def test_a_problem_says_where_it_is() -> None:
    assert str(RowError(3, "hours", "too many")) == "line 3, column hours: too many"
    assert (
        str(RowError(3, "peer_email, date", "twice")) == "line 3, columns peer_email, date: twice"
    )
    assert str(RowError(3, "", "cut short")) == "line 3: cut short"
    assert str(RowError(0, "", "too large")) == "too large"
    assert str(RowError(0, "hours", "missing")) == "column hours: missing"


def test_a_column_s_place_is_a_letter_in_excel_and_a_number_in_csv() -> None:
    excel = Table(header_line=1, header=[], rows=[], excel=True)
    csv = Table(header_line=1, header=[], rows=[])
    assert [excel.position(i) for i in (0, 25, 26)] == ["A", "Z", "AA"]
    assert [csv.position(i) for i in (0, 25, 26)] == ["1", "26", "27"]


class _Kind(CsvImporter[Any]):
    kind = "test-kind"
    label = "Test kind"
    columns = ("a",)


def test_a_kind_is_offered_once_and_needs_a_name_and_a_label() -> None:
    try:
        register_import(_Kind)
        assert IMPORT_KINDS["test-kind"] is _Kind
        register_import(_Kind)  # the same class again (a second ready()) is harmless
        assert IMPORT_KINDS["test-kind"] is _Kind

        class Other(_Kind):
            pass

        with pytest.raises(ValueError, match="two importers claim the kind 'test-kind'"):
            register_import(Other)
        assert IMPORT_KINDS["test-kind"] is _Kind

        class Nameless(_Kind):
            kind = ""

        class Unlabelled(_Kind):
            kind = "unlabelled"
            label = ""

        for cls in (Nameless, Unlabelled):
            with pytest.raises(ValueError, match="needs a kind and a label"):
                register_import(cls)
        assert "unlabelled" not in IMPORT_KINDS and "" not in IMPORT_KINDS
    finally:
        IMPORT_KINDS.pop("test-kind", None)

"""Cell text → value: numbers as printed, blanks never 0, nothing ambiguous read as a number."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xxgk.parsers.values import parse_value


@pytest.mark.parametrize(
    "raw, value, kind, unit",
    [
        ("23", "23", "number", ""),
        ("7730.28", "7730.28", "number", ""),
        ("75394432.52元", "75394432.52", "number", "元"),
        ("251000元", "251000", "number", "元"),
        ("22（其中修订16件）", "22", "number", ""),
        ("－8", "-8", "number", ""),
        ("+1036", "1036", "number", ""),
        ("1,234", "1234", "number", ""),
        ("２０２３", "2023", "number", ""),
        (" 4119\n", "4119", "number", ""),
        ("", "", "blank", ""),
        ("\u3000", "", "blank", ""),
        ("/", "", "slash", ""),
        ("-", "", "dash", ""),
        ("—", "", "dash", ""),
        ("无", "", "none", ""),
        ("3 3", "", "text", ""),  # two numbers run together, or one letter-spaced: not one value
        ("约20", "", "text", ""),
    ],
)
def test_printed_cells(raw, value, kind, unit):
    p = parse_value(raw)
    assert (p.value, p.kind, p.unit) == (value, kind, unit)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_read_back_exactly(n):
    assert parse_value(str(n)).value == str(n)


@given(st.text(alphabet=" \t\n\u3000\xa0/-—", max_size=5))
def test_blank_markers_never_become_zero(raw):
    p = parse_value(raw)
    assert p.value == "" and p.kind in {"blank", "slash", "dash", "text"}


@given(st.text(max_size=30))
def test_any_text_gives_a_number_or_an_empty_value(raw):
    p = parse_value(raw)
    if p.value:
        assert p.kind == "number"
        float(p.value)

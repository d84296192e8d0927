"""Property tests on the grid builder and the readers: any input gives a grid or a named error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xxgk.parsers import extract
from xxgk.parsers.encoding import _NOISE, decode, utf8_noise
from xxgk.parsers.errors import UnsupportedFormat
from xxgk.parsers.grid import MAX_SPAN, RawCell, expand
from xxgk.parsers.markup import _CONTROL, without_controls

from .conftest import REPORTS

cells = st.builds(RawCell, st.text(max_size=5), st.integers(-3, 150), st.integers(-3, 150))


@given(st.lists(st.lists(cells, max_size=6), max_size=8))
@settings(max_examples=300, deadline=None)  # a property, not a speed test: a busy machine must not fail it
def test_expand_places_every_cell_over_its_whole_span(rows):
    grid = expand(rows)
    assert len(grid) == len(rows)
    width = max((len(r) for r in grid), default=0)
    assert all(len(r) == width for r in grid)
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            assert 1 <= cell.rowspan <= MAX_SPAN and 1 <= cell.colspan <= MAX_SPAN
            assert cell.row <= r < cell.row + cell.rowspan and cell.col <= c < cell.col + cell.colspan


SEED = (REPORTS / "2019-pingtan.html").read_bytes()[-60000:]


@given(st.binary(max_size=2000), st.integers(0, len(SEED)))
@settings(max_examples=60, deadline=None)
def test_readers_never_raise_on_mutated_input(noise, at):
    data = SEED[:at] + noise + SEED[at:]
    report = extract(data, "mutated.html")
    assert report.status in {"ok", "partial", "failed", "not_report"}
    assert "internal_error" not in report.error


def test_control_characters_in_html_are_dropped_not_fatal():
    """Found by bench/fuzz.py: lxml refused text holding \\x0b once the reader touched it."""
    page = (REPORTS / "2019-pingtan.html").read_text(encoding="utf-8").replace("规章", "规\x0b章\x00", 1)
    report = extract(page.encode("utf-8"), "control.html")
    assert report.status == "ok", report.error


# Characters on both sides of each edge of the noise ranges, and the bytes' lookalikes (U+FF0C, a
# fullwidth comma, starts with EF too).
EDGES = "\x00\x08\t\n\x0b\x0c\r\x0e\x1f \x7f\ue000\ueffe\uefff\uf000\uf8ff\uf900\ufffc\ufffd\ufffe\uff0c\u4e00"


# (st.text with this alphabet drew only its ASCII edges: checked by breaking utf8_noise.)
@given(st.lists(st.one_of(st.sampled_from(list(EDGES)), st.characters(codec="utf-8"))).map("".join))
def test_noise_counted_on_the_utf8_bytes_is_the_noise_of_the_text(text):
    assert utf8_noise(text.encode("utf-8")) == len(_NOISE.findall(text))


@given(st.lists(st.one_of(st.sampled_from(list(EDGES)), st.characters())).map("".join))
def test_controls_found_on_the_utf8_bytes_are_those_the_regex_drops(text):
    assert without_controls(text) == _CONTROL.sub("", text)


def test_each_edge_alone_is_counted_and_dropped_as_the_regexes_say():
    for c in EDGES:  # alone: a text with two controls goes to the regex whichever the bytes missed
        text = f"年{c}年"
        assert utf8_noise(text.encode("utf-8")) == len(_NOISE.findall(text)), repr(c)
        assert without_controls(text) == _CONTROL.sub("", text), repr(c)


def test_utf8_text_is_refused_past_one_noise_character_in_200():
    for allowed in (2, 5):
        clean = "年" * (200 * allowed)
        assert decode((clean[allowed:] + "\ue000" * allowed).encode("utf-8"))[1] == "utf-8"
        with pytest.raises(UnsupportedFormat, match="neither a known document format nor readable text"):
            decode((clean[allowed + 1:] + "\ue000" * (allowed + 1)).encode("utf-8"))

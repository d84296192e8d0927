"""Text exports (tab-separated tables, markdown): variants built from the real seed export."""

from xxgk.parsers import extract

from .conftest import REPORTS

SEED = (REPORTS / "000_72ada0ed4d86cbfe.txt").read_text(encoding="utf-8")


def _values(text: str) -> dict:
    r = extract(text.encode("utf-8"), "variant.txt")
    return {(v.table, v.row, v.col): v for v in r.values}, r


def test_leaf_label_split_over_a_page_break_is_one_label():
    """`1. 本机关不掌握相关政府信息` printed as `1. 本机关不掌` | blank line | `握相关政府信息` + values."""
    old = next(l for l in SEED.splitlines() if "1. 本机关不掌握相关政府信息" in l)
    split = old.replace("1. 本机关不掌握相关政府信息", "1. 本机关不掌\n\n\t\t握相关政府信息").replace("\t0\t0\t0\t0\t0\t0\t0", "", 1)
    split = split.replace("握相关政府信息", "握相关政府信息\t0\t0\t0\t0\t0\t0\t0")
    assert "1. 本机关不掌\n\n" in split and "本机关不掌握" not in split
    cells, r = _values(SEED.replace(old, split))
    assert cells[("t3", "unavailable_not_held", "total")].value == 0
    assert r.status == "ok", r.error


def test_group_label_split_over_a_page_break_does_not_matter():
    """The seed itself prints （五） on one page and 不予处理 on the next."""
    cells, r = _values(SEED)
    assert cells[("t3", "declined_repeat", "natural")].source_ref.startswith("line ")
    assert r.status == "ok"


def test_markdown_pipe_tables_are_read_like_tab_tables():
    md = SEED
    for line in SEED.splitlines():
        if "\t" in line and line.strip():
            md = md.replace(line, "| " + " | ".join(line.split("\t")) + " |", 1)
    cells, r = _values(md)
    assert cells[("t4", "review", "total")].value == 0
    assert len([k for k in cells if k[0] == "t3"]) == 161
    assert r.status == "ok", r.error


def test_a_number_replaced_by_text_makes_the_report_partial_and_keeps_raw():
    line = next(l for l in SEED.splitlines() if "行政许可" in l)
    cells, r = _values(SEED.replace(line, "行政许可\t0\t见附件\t0"))
    v = cells[("t2", "license", "delta")]
    assert (v.value, v.raw, v.kind) == (None, "见附件", "text")
    assert r.status == "partial" and "unreadable cell" in r.error


def test_a_row_printed_twice_with_different_numbers_keeps_neither():
    line = next(l for l in SEED.splitlines() if l.startswith("行政许可\t"))
    assert line == "行政许可\t0\t0\t0"
    cells, r = _values(SEED.replace(line, line + "\n" + "行政许可\t0\t7\t0", 1))
    v = cells[("t2", "license", "delta")]
    assert (v.value, v.kind) == (None, "text") and v.raw == "0 | 7"
    assert cells[("t2", "license", "decisions")].value == 0  # the cells printed alike stay
    assert r.status == "partial" and "neither is kept" in r.error


def test_a_row_printed_twice_alike_keeps_its_value():
    line = next(l for l in SEED.splitlines() if l.startswith("行政许可\t"))
    cells, r = _values(SEED.replace(line, line + "\n" + line, 1))
    assert cells[("t2", "license", "delta")].value == 0
    assert "printed twice, alike" in r.error

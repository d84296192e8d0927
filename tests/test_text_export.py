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


# ---- markdown as converters write it (fixtures/markdown, made by fixtures/make/make_markdown.py) ----
MARKDOWN = REPORTS.parent / "markdown"
MARKITDOWN = (MARKDOWN / "2025-pingtan-markitdown.md").read_text(encoding="utf-8")
MINERU = (MARKDOWN / "2023-pingtan-mineru.md").read_text(encoding="utf-8")


def test_padded_and_dropped_spans_are_read_in_the_templates_order_not_by_the_headers_positions():
    """markdownify pads a colspan with empty fields and drops rowspanned cells: the header's
    positions are wrong for every row, so `49` under 自然人 once came out as 商业企业."""
    cells, r = _values(MARKITDOWN)
    row = [cells[("t3", "unavailable_not_held", c)].value for c in
           ("natural", "commercial", "research", "nonprofit", "legal", "org_other", "total")]
    assert row == [49, 1, 0, 0, 0, 0, 50]
    assert r.status == "ok" and "read in the template's column order" in r.notes


def test_a_padded_row_with_a_blank_cell_is_refused_not_shifted():
    line = next(l for l in MARKITDOWN.splitlines() if l.startswith("| 2.没有现成信息需要另行制作 |"))
    assert line == "| 2.没有现成信息需要另行制作 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |"
    cells, r = _values(MARKITDOWN.replace(line, "| 2.没有现成信息需要另行制作 | 3 |  | 0 | 0 | 0 | 0 | 3 |"))
    assert not [k for k in cells if k[:2] == ("t3", "unavailable_create")]
    assert r.status == "partial" and "t3 unavailable_create: value cells do not line up" in r.error


def test_in_order_needs_a_header_that_names_every_column():
    """Without 总计 in the header, seven cells are not known to be the template's seven columns."""
    header = next(l for l in MARKITDOWN.splitlines() if l.startswith("| 自然人 |"))
    cells, r = _values(MARKITDOWN.replace(header, header.replace("总计", "")))
    assert not [k for k in cells if k[0] == "t3"]
    assert r.status == "partial"


def test_mineru_html_table_blocks_inside_markdown_are_read():
    cells, r = _values(MINERU)
    assert "<html><body><table>" in MINERU and r.format == "text"
    v = cells[("t3", "new", "natural")]
    assert v.source_ref.startswith("line ") and "r" in v.source_ref.split()[-1]
    assert len([k for k in cells if k[0] == "t3"]) == 25 * 7 and r.status == "ok", r.error


def test_t4_flattened_to_15_numbers_under_its_caption_is_read_in_the_templates_order():
    cells, r = _values(MINERU)
    row = next(l for l in MINERU.splitlines() if l.startswith("| ") and l.count("|") == 16)
    assert row == "| 1 | 1 | 0 | 0 | 2 | 4 | 0 | 0 | 1 | 5 | 1 | 0 | 1 | 0 | 2 |"
    assert [cells[("t4", g, "total")].value for g in ("review", "suit_direct", "suit_after_review")] == [2, 5, 2]
    assert "printed as one row of 15 numbers" in r.notes


def test_t4_flattened_with_a_number_missing_is_refused():
    row = "| 1 | 1 | 0 | 0 | 2 | 4 | 0 | 0 | 1 | 5 | 1 | 0 | 1 | 0 | 2 |"
    cells, r = _values(MINERU.replace(row, "| 1 | 1 | 0 | 0 | 2 | 4 | 0 | 0 | 1 | 5 | 1 | 0 | 1 | 2 |"))
    assert not [k for k in cells if k[0] == "t4"]
    assert r.status == "partial" and "one row of 14 cells" in r.error


def test_t4_row_of_15_numbers_without_a_t4_caption_is_not_read_as_t4():
    row = "| 1 | 1 | 0 | 0 | 2 | 4 | 0 | 0 | 1 | 5 | 1 | 0 | 1 | 0 | 2 |"
    cells, r = _values(MINERU.replace("四、政府信息公开行政复议、行政诉讼情况", "四、其他"))
    assert row in MINERU and not [k for k in cells if k[0] == "t4"]
    assert r.status == "partial" and "t4" in r.error


def test_markdown_with_html_table_blocks_is_text_and_a_web_page_is_html():
    from xxgk.parsers.readers import sniff

    head = "# 报告\n\n<html><body><table><tr><td>1</td></tr></table></body></html>\n"
    assert sniff(head.encode()) == "text"
    assert sniff(b"<table><tr><td>1</td></tr></table>") == "html"  # a fragment that starts with markup
    assert sniff(b"\xef\xbb\xbf\n<!DOCTYPE html><html><body># not a heading</body></html>") == "html"
    assert sniff("平潭综合实验区2023年报\n<p>正文</p>".encode()) == "html"  # no markdown line: a page

"""The label table: every official label resolves, every alias points at a real key, fuzzy is bounded."""

import csv
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xxgk.parsers.labels import index
from xxgk.parsers.normalize import core, squash
from xxgk.parsers.schema import keys


@pytest.mark.parametrize("k", [k for k in keys() if k.table != "t4"], ids=lambda k: f"{k.template}-{k.table}-{k.row}-{k.col}")
def test_every_official_label_resolves_to_its_key(k):
    ix = index()
    block = k.block if k.table == "t2" else ""
    row = ix.match(k.table, "row", k.row_leaf if k.table == "t3" else k.row_label, block)
    col = ix.match(k.table, "col", k.col_label, block)
    assert row is not None and row.key == k.row and row.how == "exact"
    assert col is not None and col.key == k.col


def test_every_alias_points_at_an_existing_key():
    text = resources.files("xxgk.parsers").joinpath("labels.csv").read_text(encoding="utf-8")
    known = {(k.table, "row", k.row) for k in keys()} | {(k.table, "col", k.col) for k in keys()}
    for a in csv.DictReader(text.splitlines()):
        if a["kind"] != "group":
            assert (a["table"], a["kind"], a["key"]) in known, a


@pytest.mark.parametrize(
    "printed, key",
    [
        ("2.其他法律行政止公开", "withheld_law"),  # hzq2023 typo (alias)
        ("5.属于三类内容事务信息", "withheld_internal"),
        ("（二）部分公开（区分处理的，只记这一情形，不计其他情形）", "partial"),
        ("1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请", "other_no_correction"),
        ("5.要求行政机关确认或重 新出具", "declined_confirm"),  # fuzzy
        ("三、本 年度 办理 结果 （一）予以公开", "granted"),
        ("(七) 总计", "total"),
        ("3.其他", "other_misc"),
        ("其他", "other_misc"),  # the 2019 template's leaf under 其他处理, printed without its number
    ],
)
def test_real_world_variants(printed, key):
    m = index().match("t3", "row", printed.split(" ")[-1] if "办理" in printed else printed)
    assert m is not None and m.key == key


@pytest.mark.parametrize("printed", ["信息内容", "合计数", "本年度办理结果", "备注", "统计指标"])
def test_labels_that_are_no_t3_row_do_not_match(printed):
    assert index().match("t3", "row", printed) is None


def test_fuzzy_refuses_a_near_tie():
    # Equally close to 本年新收… and 上年结转…: no guess.
    assert index().match("t3", "row", "年政府信息公开申请数量") is None


@given(st.text(max_size=40))
def test_normaliser_is_idempotent_and_strips_whitespace(s):
    assert squash(squash(s)) == squash(s)
    assert not any(ch.isspace() for ch in squash(s))
    assert core(core(s)) == core(s)


def test_core_drops_an_ordinal_that_an_annotation_hid():
    assert core("(a)1.b") == "b"
    assert core("(注)1.其他") == "其他"

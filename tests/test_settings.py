"""ParseSettings: validation, resolve(), the version hash, and every threshold tested on both sides of its line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from xxgk.parsers import ConfigError, ParseSettings, extract
from xxgk.parsers.labels import index
from xxgk.parsers.readers import read
from xxgk.parsers.readers.pdf import garbled
from xxgk.parsers.settings import DEFAULT, extractor_version
from xxgk.parsers.tables import read_tables

from .conftest import REPORTS


def test_resolve_gives_the_defaults_a_dict_over_them_or_the_settings_themselves():
    assert ParseSettings.resolve(None) is DEFAULT
    s = ParseSettings(ocr_min_confidence=0.9)
    assert ParseSettings.resolve(s) is s
    assert ParseSettings.resolve({"ocr_min_confidence": 0.9}) == s


@pytest.mark.parametrize("bad, words", [
    ({"ocr_min_confidenc": 0.9}, "unknown parse setting(s): ocr_min_confidenc"),
    ({"ocr_min_confidence": 1.5}, "share from 0 to 1"),
    ({"garbled_ratio": -0.1}, "must be ≥ 0"),
    ({"fuzzy_min_score": 101}, "score from 0 to 100"),
    ({"fuzzy_min_length": 2.5}, "must be an integer"),
    ({"fuzzy_min_score": float("nan")}, "must be ≥ 0"),
    ({"min_text_chars": True}, "must be an integer"),
    ({"ocr_dpi": 20}, "from 50 to 600"),
])
def test_a_bad_setting_is_a_config_error_naming_it(bad, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        ParseSettings.resolve(bad)


def test_the_settings_hash_is_part_of_the_extractor_version():
    assert extractor_version() == extractor_version(ParseSettings())
    assert extractor_version(ParseSettings(ocr_min_confidence=0.81)) != extractor_version()
    data = (REPORTS / "2025-pingtan.html").read_bytes()
    assert extract(data, "p.html").extractor_version == extractor_version()
    assert extract(data, "p.html", {"fuzzy_min_score": 90}).extractor_version == extractor_version(ParseSettings(fuzzy_min_score=90))


# ---- the fuzzy label match: score, margin, length -----------------------------------------
TYPO = "本年新收政府信息公开申请数里"  # 量 printed as 里: score 92.9 against 本年新收…数量, 21.4 ahead of the next key


def _match(label: str, **bounds):
    return index().with_settings(replace(DEFAULT, **bounds)).match("t3", "row", label)


def test_a_fuzzy_match_at_the_score_line_is_taken_and_just_above_it_refused():
    m = _match(TYPO)
    assert (m.key, m.how) == ("new", "fuzzy")
    assert _match(TYPO, fuzzy_min_score=m.score - 0.1).key == "new"
    assert _match(TYPO, fuzzy_min_score=m.score + 0.1) is None


def test_a_fuzzy_match_at_the_margin_line_is_taken_and_just_above_it_refused():
    m = _match(TYPO)
    assert _match(TYPO, fuzzy_min_margin=m.margin - 0.1).key == "new"
    assert _match(TYPO, fuzzy_min_margin=m.margin + 0.1) is None


def test_a_label_as_long_as_the_minimum_is_matched_fuzzily_and_a_shorter_one_never():
    label = "重复申清"  # 4 characters, 75 against 重复申请 (declined_repeat)
    assert _match(label, fuzzy_min_score=70, fuzzy_min_length=4).key == "declined_repeat"
    assert _match(label, fuzzy_min_score=70, fuzzy_min_length=5) is None
    assert _match(label) is None  # the default score line, 80, refuses it


# ---- OCR confidence -------------------------------------------------------------------------
def _as_ocr(grids, confidence: float, by_text: dict[str, float] | None = None):
    """The grids with every cell marked as read by OCR at `confidence` (a cell whose text is a key
    of `by_text` at its own)."""
    from xxgk.parsers.model import Grid

    def marked(c):
        return replace(c, ocr=True, confidence=(by_text or {}).get(c.text, confidence))

    out = []
    for g in grids:
        seen = {}
        rows = [[None if c is None else seen.setdefault(id(c), marked(c)) for c in row] for row in g.rows]
        out.append(Grid(rows=rows, ref=g.ref, aligned=g.aligned, page=g.page))
    return out


def test_an_ocr_value_at_the_confidence_line_is_taken_and_just_below_it_refused():
    """The real DOCX's grids, every cell marked as OCR read at 0.80."""
    grids = _as_ocr(read((REPORTS / "synthetic-2022.docx").read_bytes()).grids, 0.80)
    at_line = read_tables(grids, ParseSettings(ocr_min_confidence=0.80)).values
    above = read_tables(grids, ParseSettings(ocr_min_confidence=0.81)).values
    numbers = [v for v in at_line if v.kind == "number"]
    assert len(numbers) >= 180 and all(v.method == "ocr" for v in numbers)
    assert [v for v in above if v.kind == "number"] == []
    refused = {(v.table, v.row, v.col) for v in above if v.kind == "text"}
    assert {(v.table, v.row, v.col) for v in numbers} <= refused  # each refused value is still a row, flagged


def test_an_ocr_value_refused_is_named_in_the_reports_error_and_the_report_is_partial(monkeypatch):
    """The real DOCX as if OCR had read it, its one "1534" (表二 license/decisions) just below the line."""
    import xxgk.parsers.report

    data = (REPORTS / "synthetic-2022.docx").read_bytes()
    doc = read(data, "synthetic-2022.docx")
    monkeypatch.setattr(xxgk.parsers.report, "read",
                        lambda *a, **k: replace(doc, grids=_as_ocr(doc.grids, 0.95, {"1534": 0.79})))
    r = extract(data, "synthetic-2022.docx")
    monkeypatch.undo()
    assert r.status == "partial"
    assert r.error == "ocr unreadable: t2 license/decisions: OCR read '1534' with confidence 0.79 (docx table1 r7c2)"
    read_by_ocr = {(v.table, v.row, v.col): v for v in r.values}
    assert {v.method for v in r.values} == {"ocr"} and read_by_ocr["t2", "license", "decisions"].kind == "text"
    plain = {(v.table, v.row, v.col): v.kind for v in extract(data, "synthetic-2022.docx").values}
    # the one value refused; every other as the text layer gives it
    assert [k for k, kind in plain.items() if read_by_ocr[k].kind != kind] == [("t2", "license", "decisions")]


# ---- the PDF text layer: noise and images ------------------------------------------------
@pytest.mark.parametrize("noise, expected", [(4, False), (5, True)])
def test_a_page_is_noise_only_past_the_garbled_share(noise, expected):
    text = "政" * (20 - noise) + "ሀ" * noise  # Ethiopic: what pdfium gives for a font without a Unicode map
    assert garbled(text, ParseSettings(garbled_ratio=0.2)) is expected  # 4 of 20 is the line itself


@pytest.mark.parametrize("chars, expected", [(19, False), (20, True)])
def test_a_text_shorter_than_min_text_chars_is_never_called_noise(chars, expected):
    assert garbled("ሀ" * chars, ParseSettings(min_text_chars=20)) is expected

"""内容雷同: near-identical narratives found among many reports, never two honest ones paired.

Real reports first: a report copied under another body's name, and one body's report copied into
the next year, made from fixtures here; then a planted copy among 300 narratives built from the
fixtures' own sentences, on both sides of the threshold."""

from __future__ import annotations

import random
import threading

import xxgk
from xxgk.parsers import Report, extract
from xxgk.pipeline import similarity

from .conftest import REPORTS


def _copy(tmp_path, name, new_name, old, new):
    data = (REPORTS / name).read_bytes().decode("utf-8").replace(old, new)
    path = tmp_path / new_name
    path.write_bytes(data.encode("utf-8"))
    return path


def test_a_report_copied_under_another_name_and_one_copied_into_the_next_year_are_found(tmp_path):
    other_body = _copy(tmp_path, "2021-pingtan.html", "copied-body.html", "平潭综合实验区", "福州市鼓楼区")
    next_year = _copy(tmp_path, "2023-pingtan.html", "copied-year.html", "2023", "2024")
    data = xxgk.extract([REPORTS / "2021-pingtan.html", REPORTS / "2023-pingtan.html", REPORTS / "2025-pingtan.html",
                         REPORTS / "2019-pingtan.html", REPORTS / "hzq2023.pdf", REPORTS / "hzq2024.pdf",
                         other_body, next_year], in_process=True)
    by_source = {r.source.rsplit("/", 1)[-1]: r for r in data.records}
    assert by_source["copied-body.html"].agency != by_source["2021-pingtan.html"].agency
    pairs = {frozenset((p.report_id_a, p.report_id_b)): p for p in data.similarity.itertuples()}
    want_body = frozenset((by_source["copied-body.html"].report_id, by_source["2021-pingtan.html"].report_id))
    want_year = frozenset((by_source["copied-year.html"].report_id, by_source["2023-pingtan.html"].report_id))
    assert set(pairs) == {want_body, want_year}  # the honest years of one body (2019-2025, hzq 2023/2024) are no pair
    assert pairs[want_body].kind == "other_agency" and pairs[want_year].kind == "same_agency"
    assert {pairs[want_year].year_a, pairs[want_year].year_b} == {2023, 2024}
    assert all(p.similarity >= similarity.THRESHOLD for p in pairs.values())


def test_one_report_in_two_forms_is_no_pair():
    """An HTML page and its PDF print are one body's report for one year (Jaccard 0.89 here): not a copy."""
    data = xxgk.extract([REPORTS / "2023-pingtan.html", REPORTS / "2023-pingtan-gbk.html"], in_process=True)
    assert len(data.records) == 2 and data.similarity.empty


def _sentences() -> list[str]:
    """The fixtures' real narratives in pieces of 40 characters (a narrative keeps no punctuation)."""
    out: list[str] = []
    for name in ("2016-pingtan.html", "2017-pingtan.html", "2018-pingtan.html", "2019-pingtan.html", "2021-pingtan.html",
                 "2023-pingtan.html", "2025-pingtan.html", "hzq2023.pdf", "hzq2024.pdf"):
        text = extract((REPORTS / name).read_bytes(), name).narrative
        out += [text[i:i + 40] for i in range(0, len(text) - 39, 40)]
    return sorted(set(out))


def _report(i: int, text: str, agency: str, year: int = 2023) -> Report:
    return Report(report_id=f"r{i:016x}", source=f"{i}.html", format="html", sha256="", agency=agency, year=year,
                  status="ok", narrative=text)


def test_a_planted_copy_among_300_narratives_is_found_and_nothing_else():
    pool = _sentences()
    assert len(pool) > 150  # enough real sentences that 300 narratives of 12 are distinct
    rng = random.Random(7)
    texts = ["".join(rng.sample(pool, 12)) for _ in range(300)]
    index = similarity.Index()
    for i, text in enumerate(texts):
        index.add(_report(i, text, f"机构{i}"))
    assert index.pairs == []  # 300 distinct narratives, sharing many real pieces, and no false pair
    index.add(_report(1000, texts[17], "另一机构"))  # copied whole under another name
    near = texts[42][:40 * 11] + pool[0]  # one piece in 12 rewritten: still a copy
    index.add(_report(1001, near, "又一机构"))
    half = texts[99][:40 * 6] + "".join(rng.sample(pool, 6))  # half rewritten: no longer a copy
    index.add(_report(1002, half, "第三机构"))
    found = {(p.report_id_a, p.report_id_b): p for p in index.pairs}
    assert set(found) == {(f"r{17:016x}", f"r{1000:016x}"), (f"r{42:016x}", f"r{1001:016x}")}
    assert all(p.kind == "other_agency" for p in found.values())


def test_short_narratives_and_unread_reports_are_not_compared():
    index = similarity.Index()
    short = "x" * (199)
    index.add(_report(1, short, "甲"))
    index.add(_report(2, short, "乙"))
    long_text = "".join(_sentences()[:12])
    failed = _report(3, long_text, "丙")
    failed.status = "failed"
    index.add(failed)
    index.add(_report(4, long_text, "丁"))
    assert index.pairs == []
    index.add(_report(5, long_text, "戊"))
    assert [(p.report_id_a, p.report_id_b) for p in index.pairs] == [(f"r{4:016x}", f"r{5:016x}")]


def test_narratives_that_come_while_datasketch_loads_wait_and_give_the_same_pairs(monkeypatch):
    """A batch loads datasketch in a thread (Index(background=True)); what comes meanwhile waits, in order."""
    pool = _sentences()
    texts = ["".join(random.Random(i).sample(pool, 12)) for i in range(20)]
    reports = [_report(i, text, f"机构{i}") for i, text in enumerate(texts)]
    reports += [_report(100, texts[3], "另一机构"), _report(101, texts[3], "又一机构")]
    plain = similarity.Index()
    for r in reports:
        plain.add(r)
    release = threading.Event()
    monkeypatch.setattr(similarity, "_load", lambda threshold: release.wait(10))
    index = similarity.Index(background=True)
    for r in reports:
        index.add(r)
    assert index.pairs == [] and len(index.waiting) == len(reports)  # still loading: nothing compared yet
    release.set()
    assert index.rows() == plain.rows() and len(plain.rows()) == 3 and index.waiting == []

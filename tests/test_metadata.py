"""Agency and year from a report's title, in the shapes real titles take (issue 12's examples).

Each title replaces the real 2025 平潭 page's own title, wherever the page prints it, so the
whole page is read as a report of that body: the agency must be exactly the body's name.
"""

from __future__ import annotations

import pytest

from xxgk.parsers import extract

from .conftest import REPORTS

PAGE = (REPORTS / "2025-pingtan.html").read_text(encoding="utf-8")
OWN = "平潭综合实验区2025年度政府信息公开工作年度报告"


@pytest.mark.parametrize("title, agency, year", [
    (OWN, "平潭综合实验区", 2025),
    # The words 政府信息公开 right after the name: nothing of them joins the name.
    ("苏州市生态环境局政府信息公开工作年度报告（2025年）", "苏州市生态环境局", 2025),
    ("上海市人民政府办公厅政府信息公开2025年度报告", "上海市人民政府办公厅", 2025),
    ("厦门市思明区鹭江街道办事处政府信息公开工作年度报告（2025年）", "厦门市思明区鹭江街道办事处", 2025),
    ("苏州市生态环境局政府信息公开工作2025年度报告", "苏州市生态环境局", 2025),
    # 人民政府信息公开 is 人民政府 + 信息公开, not 人民 + 政府信息公开.
    ("北京市人民政府信息公开工作年度报告（2025年）", "北京市人民政府", 2025),
    ("宁乡市人民政府2025年政府信息公开工作年度报告", "宁乡市人民政府", 2025),
    ("《淮安市洪泽区人民政府2025年政府信息公开工作年度报告》", "淮安市洪泽区人民政府", 2025),
])
def test_the_agency_is_exactly_the_name_the_title_prints(title, agency, year):
    page = PAGE.replace(OWN, title)
    r = extract(page.encode("utf-8"), "page.html")
    assert (r.agency, r.year) == (agency, year), r.title
    assert r.status == "ok"


def _documents():
    from .conftest import FIXTURES

    for folder in ("reports", "borderless", "prints", "markdown", "layouts"):
        yield from sorted(p for p in (FIXTURES / folder).rglob("*") if p.suffix in (".pdf", ".html", ".docx", ".txt", ".md"))


def test_every_ok_reports_agency_is_printed_in_its_document_as_it_stands(monkeypatch):
    """No word added or dropped: the agency is a run of the document's own text (title or body)."""
    from xxgk.parsers import report
    from xxgk.parsers.metadata import tidy

    read = {}  # the document as the reader gave it to extract, so each is read once
    monkeypatch.setattr(report, "read", lambda *a, real=report.read: read.setdefault("doc", real(*a)))
    checked = []
    for path in _documents():
        read.clear()
        r = extract(path.read_bytes(), path.name)
        if r.status != "ok":
            continue
        doc = read["doc"]
        printed = tidy(doc.title_hint) + "\n" + "\n".join(tidy(line) for line in doc.lines)
        assert r.agency and r.agency in printed, (path.name, r.agency)
        # …nor the 政府 of 政府信息公开 taken into the name (苏州市生态环境局 + 政府信息公开 ≠ 苏州市生态环境局政府).
        assert not (r.agency.endswith(("政府", "政务")) and not r.agency.endswith("人民政府")
                    and r.agency + "信息公开" in printed), (path.name, r.agency)
        checked.append(path.name)
    assert len(checked) == 22, checked  # the ok fixtures of reports/, borderless/, prints/, markdown/ and layouts/ today


def test_a_page_whose_title_is_only_in_its_article_title_meta_still_names_its_agency():
    """A CMS page whose <title> is its column and whose body prints the title as a picture: the
    report's title is only in <meta name="ArticleTitle"> (the real page carries it)."""
    head, body = PAGE.split("</head>", 1)
    head = head.replace(f"<title>{OWN}_", "<title>", 1)  # <title>政府信息公开年报_平潭综合实验区党工委管委会
    body = body.replace(OWN, "年度报告")
    page = head + "</head>" + body
    title = head.split("<title>")[1].split("</title>")[0]
    assert f'<meta name="ArticleTitle" content="{OWN}"' in head and OWN not in title and OWN not in body
    r = extract(page.encode("utf-8"), "page.html")
    assert (r.title, r.agency, r.year) == (OWN, "平潭综合实验区", 2025)
    assert r.status == "ok"


@pytest.mark.parametrize("name, published", [
    ("2021-pingtan.html", "2022-02-08"),  # <meta name="PubDate" content="2022-02-08 16:34">
    ("2025-pingtan.html", "2026-03-10"),
    ("hzq2024.pdf", ""),  # the PDF prints no date: none is made up
])
def test_publication_date_as_the_document_prints_it(name, published):
    assert extract((REPORTS / name).read_bytes(), name).published_on == published


def test_a_printed_page_gives_the_date_its_web_page_declares():
    """Chromium's print of the 2021 page has no meta tags: its 时间：2022-02-08 line says the same."""
    from .conftest import FIXTURES

    pdf = FIXTURES / "prints" / "chromium-2021-pingtan.pdf"
    assert extract(pdf.read_bytes(), pdf.name).published_on == "2022-02-08"


@pytest.mark.parametrize("lines, hint, year, published", [
    (["发布日期：2024年1月20日"], "", "2023", "2024-01-20"),
    (["来源：区政府办 时间：2024-01-20 09:00"], "", "2023", "2024-01-20"),
    (["统计时间：2023年1月1日至2023年12月31日"], "", "2023", ""),  # the period covered, not a publication
    (["报告正文", "淮安市洪泽区人民政府", "2024年1月20日"], "", "2023", "2024-01-20"),  # the date it is signed
    (["发布日期：2024-02-30"], "", "2023", ""),  # no such day
    (["发布日期：2021-03-01"], "", "2023", ""),  # before the year the report covers
    (["正文"], "2024-03-31 10:00:00", "2023", "2024-03-31"),  # the page's PubDate meta
    (["发布日期：2024-01-05"], "2024-03-31", "2023", "2024-01-05"),  # the printed line first
])
def test_publication_date_rules(lines, hint, year, published):
    from xxgk.parsers.metadata import find_published

    assert find_published(lines, hint, year) == published


def test_a_page_titled_without_its_body_takes_the_body_its_cms_declares_and_never_a_fragment():
    """Department sites title a report "2025年度政府信息公开工作年度报告": the real 2025 page so titled
    names its body in a 来源： line and in <meta name="ContentSource">, both 平潭综合实验区管委会办公室."""
    from .conftest import REPORTS

    page = (REPORTS / "2025-pingtan.html").read_text(encoding="utf-8").replace("平潭综合实验区2025年", "2025年")
    page = page.replace("2025年，平潭综合实验区坚持", "2025年，我区坚持")
    assert "平潭综合实验区2025" not in page and "来源：平潭综合实验区管委会办公室" in page

    def agency(text: str) -> str:
        return extract(text.encode("utf-8"), "titled-by-year.html").agency

    assert agency(page) == "平潭综合实验区管委会"  # the 办公室 compiles the report of its 管委会
    no_line = page.replace("来源：平潭综合实验区管委会办公室", "来源：")
    assert agency(no_line) == "平潭综合实验区管委会"  # from the meta tag
    # Neither: no agency, and not "度政府" cut from the title line "2025年度政府信息公开…" (as it once was).
    assert agency(no_line.replace('name="ContentSource" content="平潭综合实验区管委会办公室"', 'name="ContentSource" content=""')) == ""

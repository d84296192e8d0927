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

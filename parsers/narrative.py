"""Numbers the report states in words (一、总体情况), each with the sentence it came from.

    proactive_total   全年主动公开信息 220 条 / 主动公开政府信息 1136 条
    website           政府网站(平台)…发布/公开 … N 条
    new_media         政务新媒体 / 微信公众号 / 微博 … N 条
    applications      收到/受理/新收 … 申请 N 件
    reviews           行政复议(案件) N 件/起          (表四 行政复议 总计)
    suits             行政诉讼(案件) N 件/起          (表四 直接起诉 + 复议后起诉 总计)
    fee               收取 … 信息处理费 N 元
    fee_none          未/无/不收取 … 信息处理费 (value 0: the text says none was charged)

Only the first statement of each figure counts. These are soft: a report may count
differently in words and in its table, so a contradiction is a warning, not an error.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .metadata import tidy
from .model import Figure

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
PATTERNS = {
    "proactive_total": re.compile(r"主动(?:公开|发布)(?:各类)?(?:政府)?信息(?:共计|共|数)?" + _NUM + r"条"),
    "website": re.compile(r"(?:政府)?(?:门户)?网站(?:平台)?[^，。；;,\d]{0,12}?(?:公开|发布|更新)[^，。；;,\d]{0,10}?" + _NUM + r"条"),
    "new_media": re.compile(r"(?:政务新媒体|微信公众(?:号|平台)|官方微信|微博)[^，。；;,\d]{0,14}?" + _NUM + r"条"),
    "applications": re.compile(r"(?:收到|受理|新收|共收到)[^，。；;,\d]{0,16}?申请(?:共计|共)?" + _NUM + r"件"),
    "reviews": re.compile(r"行政复议(?:案件|申请)?(?:共计|共)?" + _NUM + r"(?:件|起)"),
    "suits": re.compile(r"行政诉讼(?:案件)?(?:共计|共)?" + _NUM + r"(?:件|起)"),
    "fee": re.compile(r"收取[^，。；;,\d]{0,16}?处理费[^，。；;,\d]{0,4}?(\d+(?:\.\d+)?)\s*元"),
    "fee_none": re.compile(r"(?:未|无|不|没有)收取[^，。；;\d]{0,16}?处理费()"),
}
UNITS = {"proactive_total": "条", "website": "条", "new_media": "条", "applications": "件", "reviews": "件", "suits": "件",
         "fee": "元", "fee_none": ""}
_SENTENCE = re.compile(r"[^。；;！!？?\n]*")


# Read in the whole text: 表四's cases and the fee are told in 一、总体情况 or as late as 六、其他需要报告的事项.
WHOLE_TEXT = ("reviews", "suits", "fee", "fee_none")


def figures(lines: list[str], max_lines: int = 80) -> list[Figure]:
    head = tidy("".join(lines[:max_lines]))  # PDF lines break mid-sentence: join, then split on 。
    whole = tidy("".join(lines))
    out: list[Figure] = []
    for name, pattern in PATTERNS.items():
        text = whole if name in WHOLE_TEXT else head
        m = pattern.search(text)
        if not m:
            continue
        start = max(text.rfind("。", 0, m.start()) + 1, m.start() - 80)
        end = text.find("。", m.end())
        end = min(end + 1 if end >= 0 else len(text), m.end() + 80)
        sentence = text[start:end]
        value = Decimal(m.group(1).replace(",", "")) if m.group(1) else Decimal(0)
        out.append(Figure(name, value, UNITS[name], sentence))
    return out

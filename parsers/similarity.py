"""A report's narrative as compared for 内容雷同 (国办公开办函〔2021〕30号): the text outside its tables,
with what differs between honest reports of two bodies or two years masked.

    narrative_text   the document's lines from 一、 (the first section) to the site's footer, less table text
                     (cells, captions, labels, numbers): a web page's navigation and footer, the same on
                     every page of a site, would make any two reports of one site look alike
    mask             the agency and its places become ＠, every run of digits or Chinese numerals #
    shingles         the masked text's character 5-grams (whitespace and punctuation dropped)

Pure functions: the index that finds near-identical pairs among many reports lives in
pipeline/similarity.py. What is kept on a Report is the masked text, so the measure can change
without reading any document again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .model import Grid

SHINGLE = 5  # characters: long enough that two unrelated Chinese texts share few, short enough to survive edits
MIN_CHARS = 200  # masked narratives shorter than this are not compared (a page of tables only matches any other)
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,．][0-9]+)*|[〇零一二三四五六七八九十百千万两]{2,}")
_SKIP = re.compile(r"[\s\W_]+")  # whitespace and punctuation do not count (\W keeps CJK, which is \w)
_FIRST_SECTION = re.compile(r"^\s*一\s*[、.．]")
_FOOTER = re.compile(r"版权所有|主办单位|ICP备|网站标识码|公网安备|技术支持|网站地图|联系我们|关闭窗口|打印本页|扫一扫|友情链接|"
                     r"相关链接|分享到|^\s*(?:关闭|打印|【打印】|附件下载|相关附件|文字解读|图片解读|图解)\s*$")
_GOV_SUFFIX = re.compile(r"(人民政府办公厅|人民政府办公室|人民政府|街道办事处|办事处)$")


def _table_texts(grids: Iterable[Grid]) -> set[str]:
    """Every cell's text, and each of its words (a PDF line joins a row's cells with spaces)."""
    texts: set[str] = set()
    for g in grids:
        for row in g.rows:
            for cell in row:
                if cell is not None:
                    texts.add(cell.text.strip())
                    texts.update(cell.text.split())
    return texts


def _is_table_line(line: str, cells: set[str]) -> bool:
    """A line that is only table cells and numbers (a PDF prints a table row as one line of words)."""
    if line.strip() in cells:
        return True
    rest = "".join(t for t in line.split() if t not in cells and not _NUMBER.fullmatch(t))
    return len(_SKIP.sub("", rest)) < 6


def mask(text: str, names: Iterable[str]) -> str:
    """Names of the body and its places as ＠, numbers (years included) as #: a copy with another name still matches."""
    text = unicodedata.normalize("NFKC", text)
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, "＠")
    return _NUMBER.sub("#", text)


def names_of(agency: str, places: Iterable[str]) -> list[str]:
    """The agency, its name without the government suffix (洪泽区人民政府 → 洪泽区) and its places."""
    core = _GOV_SUFFIX.sub("", agency)
    return [agency, core, *places]


def narrative_text(lines: list[str], grids: list[Grid], names: Iterable[str]) -> str:
    """The masked narrative: every line that is not table text, joined, whitespace and punctuation dropped."""
    start = next((i for i, ln in enumerate(lines) if _FIRST_SECTION.match(ln)), 0)
    end = next((i for i in range(start, len(lines)) if _FOOTER.search(lines[i])), len(lines))
    cells = _table_texts(grids)
    kept = [ln for ln in lines[start:end] if not _is_table_line(ln, cells)]
    return _SKIP.sub("", mask("".join(kept), names))


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    return {text[i:i + size] for i in range(max(len(text) - size + 1, 0))}

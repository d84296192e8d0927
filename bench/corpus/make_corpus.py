"""Make the PDFs of the speed benchmark's corpus that no real fixture has, as real ones are made.

    python bench/corpus/make_corpus.py      (needs Chromium and a CJK font: apt-get install chromium fonts-wqy-microhei)

Writes, beside this script (committed, so the benchmark needs no converter):
    chromium-<name>.pdf   each real 平潭 HTML report of fixtures/reports printed by headless Chromium
                          ("print to PDF" from a browser, as many sites publish them): ruled tables
    prose-art20.pdf       the narrative of a report only: pages that cite 第二十条, 行政复议 and
                          行政诉讼 in sentences and hold no table (the pages that used to send the
                          whole document to pdfplumber again)
    borderless.pdf        2025-pingtan's tables with every border removed (columns by position only)

The benchmark adds the real WPS PDFs (hzq2023, hzq2024) and the LibreOffice print
(synthetic-2022.pdf) from fixtures/reports.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REPORTS = ROOT / "fixtures" / "reports"
sys.path.insert(0, str(ROOT))

PAGES = ("2019-pingtan.html", "2021-pingtan.html", "2023-pingtan.html", "2025-pingtan.html")

PROSE = """<html><head><meta charset="utf-8"><title>某区2024年政府信息公开工作年度报告</title>
<style>body{font-family:'WenQuanYi Micro Hei',sans-serif;font-size:15px;line-height:1.9;margin:2cm}</style></head><body>
<h2>某区2024年政府信息公开工作年度报告</h2>
%s
</body></html>"""

SENTENCES = (
    "本报告依据《中华人民共和国政府信息公开条例》第二十条、第二十一条和第五十条的规定编制。",
    "全年主动公开政府信息，其中规章和行政规范性文件依照条例第二十条第（一）项公开，信息内容完整准确。",
    "本年度共收到政府信息公开申请，申请人情况以自然人为主，商业企业和科研机构申请较少。",
    "办理结果中予以公开和部分公开的占多数，不予公开的均说明理由，无法提供的均告知申请人。",
    "因政府信息公开工作被申请行政复议和提起行政诉讼的案件，结果维持的占多数，复议后起诉的案件尚未审结。",
    "下一步，我区将继续加强政府信息公开平台建设，提升政务公开标准化规范化水平。",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("Chromium is needed: apt-get install chromium fonts-wqy-microhei")
    return found


def print_pdf(html: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"{pdf.name}: {pdf.stat().st_size // 1024} KB")


def _utf8(name: str) -> str:
    from xxgk.parsers.encoding import decode

    text, _ = decode((REPORTS / name).read_bytes(), name)
    return re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.I).replace("<head>", '<head><meta charset="utf-8">', 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in PAGES:
            page = Path(tmp) / name
            page.write_text(_utf8(name), encoding="utf-8")
            print_pdf(page, HERE / f"chromium-{Path(name).stem}.pdf")
        prose = Path(tmp) / "prose.html"
        paragraphs = "\n".join(f"<p>{SENTENCES[i % len(SENTENCES)]}{SENTENCES[(i * 5 + 2) % len(SENTENCES)]}</p>" for i in range(90))
        prose.write_text(PROSE % paragraphs, encoding="utf-8")
        print_pdf(prose, HERE / "prose-art20.pdf")
        bare = Path(tmp) / "borderless.html"
        text = re.sub(r'\s(border|cellspacing|cellpadding)="[^"]*"', "", _utf8("2025-pingtan.html"), flags=re.I)
        style = "<style>table,td,th{border:none!important;border-collapse:collapse} td,th{padding:2px 6px}</style>"
        bare.write_text(text.replace("</head>", style + "</head>", 1), encoding="utf-8")
        print_pdf(bare, HERE / "borderless.pdf")


if __name__ == "__main__":
    main()

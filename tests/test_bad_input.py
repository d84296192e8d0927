"""A document that is not a report, or is broken, is a named row; never an exception."""

import pytest

from xxgk.parsers import extract

from .conftest import REPORTS


def test_empty_file_fails_with_a_reason():
    r = extract(b"", "empty.pdf")
    assert r.status == "failed" and "empty" in r.error


def test_truncated_pdf_fails_as_corrupt():
    data = (REPORTS / "hzq2024.pdf").read_bytes()[:5000]
    r = extract(data, "truncated.pdf")
    assert r.status == "failed" and r.error.startswith("corrupt:")


def test_zip_that_is_not_docx_fails():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.bin", b"\x00garbage")
    r = extract(buf.getvalue(), "x.docx")
    assert r.status == "failed" and r.error.startswith("unsupported_format:")


def test_docx_with_garbage_inside_fails_as_corrupt():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", b"<not xml")
        z.writestr("word/document.xml", b"\xff\xfe garbage")
    r = extract(buf.getvalue(), "bad.docx")
    assert r.status == "failed" and r.error.startswith("corrupt:")


def test_binary_noise_is_unsupported():
    r = extract(bytes(range(256)) * 20, "noise.bin")
    assert r.status == "failed" and r.error.startswith("unsupported_format:")


@pytest.mark.parametrize(
    "text",
    [
        "<html><head><title>关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</title></head><body><p>各单位：请于1月31日前报送。</p></body></html>",
        "会议纪要\n今天开会讨论了工作安排。\n",
        "<html><body><table><tr><td>品名</td><td>数量</td></tr><tr><td>苹果</td><td>3</td></tr></table></body></html>",
    ],
)
def test_documents_without_tables_are_not_reports(text):
    r = extract(text.encode("utf-8"), "page.html")
    assert (r.status, r.error) == ("not_report", "not_report: no report title and none of the statistical tables (表二/表三/表四)")
    assert r.values == []


def test_report_title_without_tables_is_failed_not_silently_empty():
    html = "<html><head><title>某某区2023年政府信息公开工作年度报告</title></head><body><img src='t.png'></body></html>"
    r = extract(html.encode("utf-8"), "img-tables.html")
    assert r.status == "failed" and "no statistical table" in r.error


def test_wrong_extension_does_not_matter():
    data = (REPORTS / "2019-pingtan.html").read_bytes()
    assert extract(data, "report.pdf").status == "ok"

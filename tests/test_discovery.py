"""Which links lead to annual reports (template-spec §10), and the retry decision."""

import pytest

from xxgk.parsers.links import Link, classify, links
from xxgk.pipeline.crawl.fetch import retry_after_seconds, retry_wait
from xxgk.pipeline.crawl.settings import CrawlSettings

BASE = "http://www.example.gov.cn/zwgk/zfxxgknb/index.html"


@pytest.mark.parametrize(
    "text, url, kind",
    [
        ("平潭综合实验区2025年度政府信息公开工作年度报告", "/zwgk/zfxxgknb/202601/t20260120_1001.html", "report"),
        ("关于2022年度政府信息公开情况的报告", "/ed/zfxxgknb/202301/t20230117_3105437.html", "report"),
        ("驼峰路街道办事处政府信息公开工作年度报告", "/zwgk/zfxxgknb/jdbsc/1355046492463177730.html", "report"),
        ("武汉市某局2019年政务信息公开年度报告", "/a.html", "report"),
        ("《2025年度政府信息公开工作年度报告》文字解读", "/zwgk/zfxxgknb/202601/t20260121_1003.html", "skip"),
        ("一图读懂2024年政府信息公开工作年度报告", "/x.html", "skip"),
        ("关于做好2025年度政府信息公开工作年度报告编制发布工作的通知", "/tzgg/t1.html", "skip"),
        ("2022年上半年政府信息公开数据统计", "/tjsj/t2.html", "skip"),
        ("附件：2024年政府信息公开工作年度报告.pdf", "/uploads/P0202.pdf", "attachment"),
        ("下载", "/uploads/report.docx", "attachment"),
        ("下一页", "/zwgk/zfxxgknb/index_1.html", "list"),
        ("3", "/zwgk/zfxxgknb/index_2.html", "list"),
        ("2", "/module/list.jsp?page=2", "list"),
        ("政府信息公开年报", "/zwgk/zfxxgknb/", "list"),
        ("政务公开", "/zwgk/index.html", "list"),
        ("政府信息公开指南", "/zwgk/zfxxgkzn/index.html", "skip"),
        ("新闻动态", "/news/index.html", "skip"),
    ],
)
def test_classify(text, url, kind):
    assert classify(Link("http://www.example.gov.cn" + url, text)) == kind


def test_links_are_absolute_and_drop_javascript_and_fragments():
    html = '<a href="./2024.html#top">甲</a><a href="javascript:void(0)">乙</a><a href="/a.pdf" title="附件">x</a>'
    got = links(html, BASE)
    assert [l.url for l in got] == ["http://www.example.gov.cn/zwgk/zfxxgknb/2024.html", "http://www.example.gov.cn/a.pdf"]
    assert got[1].text == "附件"


def test_a_links_text_is_what_a_reader_sees_of_it():
    page = ('<?xml version="1.0" encoding="gbk"?><html><base href="http://o.gov.cn/z/">'
            '<a href="a.html">某县<!-- 栏目 -->2024年<b>政府信息公开</b>工作年度报告</a>'
            '<a href="b.html"><script>var t = "x"</script>年报</a>'
            '<a href="c.pdf" title=" 某县2024年政府信息公开工作年度报告 ">某县2024年…</a></html>')
    assert links(page, "http://h.gov.cn/") == [
        Link("http://o.gov.cn/z/a.html", "某县2024年政府信息公开工作年度报告"),  # a comment's text is no text, its tail is
        Link("http://o.gov.cn/z/b.html", "年报"),  # nor a script's
        Link("http://o.gov.cn/z/c.pdf", "某县2024年政府信息公开工作年度报告"),  # the whole title= over a cut anchor
    ]
    assert links("", "http://h.gov.cn/") == []


def test_retry_policy():
    s = CrawlSettings(retries=3, backoff_base=1.0, backoff_max=60)
    assert retry_wait(1, "timeout", s) == 1.0
    assert retry_wait(2, "transport", s) == 2.0
    assert retry_wait(3, "status:503", s) == 4.0
    assert retry_wait(4, "status:503", s) is None  # 1 try + 3 retries
    assert retry_wait(1, "status:404", s) is None  # never on 4xx
    assert retry_wait(1, "status:403", s) is None
    assert retry_wait(1, "status:429", s, retry_after=30) == 30  # Retry-After honoured
    assert retry_wait(1, "status:429", s, retry_after=3600) == 60  # within the cap


def test_retry_after_parses_seconds_and_dates():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert retry_after_seconds("soon") is None

"""A registry crawl at scale and the 内容雷同 index at corpus scale (issue 13). Asserts nothing: it prints.

    python bench/registry.py                      all three parts
    python bench/registry.py --hosts 50 --narratives 2000     smaller

1. Two hosts, each answer after --slow seconds: the crawl with the default --max-hosts against
   --max-hosts 1, and one host alone. Hosts at once should take about as long as one host alone,
   not the sum (the pool's start and the reading are in every figure).
2. --hosts simulated hosts on loopback (127.0.0.1 … 127.0.0.N, each its own host to the crawler),
   each with a list page and two report pages answering after --latency seconds, crawled as one
   registry with the default concurrency and --delay: wall time, requests per second, peak memory
   of the crawl's process and of its largest worker. The report pages carry a title and a narrative
   but no tables (each is a `failed` row): the crawl is measured, not the table readers.
3. The similarity index on --narratives narratives made of 40-character pieces of the fixtures' real
   narratives, with 10 planted copies: build time, peak memory (tracemalloc) and pairs found.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "fixtures" / "reports"


def _pieces() -> list[str]:
    from xxgk.parsers import extract

    out: list[str] = []
    for p in sorted(REPORTS.glob("*-pingtan.html")) + sorted(REPORTS.glob("hzq*.pdf")):
        text = extract(p.read_bytes(), p.name).narrative
        out += [text[i:i + 40] for i in range(0, len(text) - 39, 40)]
    return sorted(set(out))


class Host:
    """One simulated government site: a 年报 column with two reports, each answer after `latency` s."""

    def __init__(self, address: str, name: str, latency: float, narratives: list[str]) -> None:
        pages = {"/nb/": "".join(f"<li><a href='/nb/{y}.html'>{name}{y}年政府信息公开工作年度报告</a></li>" for y in (2023, 2024))}
        for y, text in zip((2023, 2024), narratives):
            pages[f"/nb/{y}.html"] = (f"<title>{name}{y}年政府信息公开工作年度报告</title><h1>{name}{y}年政府信息公开工作年度报告</h1>"
                                      f"<p>一、总体情况</p><p>{text}</p>")
        self.requests = 0
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                host.requests += 1
                time.sleep(latency)
                body = pages.get(self.path.split("?")[0])
                data = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode() if body else b"no"
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{address}:{self.httpd.server_address[1]}/nb/"
        self.name = name
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _crawl(hosts: list[Host], out: Path, **settings: object) -> tuple[float, object]:
    from xxgk.pipeline.crawl import registry
    from xxgk.pipeline.crawl.run import crawl

    sites = out.parent / f"{out.name}-sites.csv"
    with open(sites, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["agency", "url"])
        w.writerows([h.name, h.url] for h in hosts)
    reg = registry.load(sites)
    started = time.monotonic()
    result = crawl([], out, {"contact": "bench@example.org", **settings}, registry=reg, workers=2)
    return time.monotonic() - started, result


def two_hosts(tmp: Path, slow: float, pieces: list[str]) -> None:
    rng = random.Random(1)
    texts = lambda: ["".join(rng.sample(pieces, 12)) for _ in range(2)]  # noqa: E731
    print(f"1. two hosts, each answering after {slow} s (--delay 0.1; 4 requests a host)")
    for label, max_hosts, which in (("both, --max-hosts 8", 8, "both"), ("both, --max-hosts 1", 1, "both"),
                                    ("one host alone", 8, "one")):
        a, b = Host("127.0.0.1", "甲区人民政府", slow, texts()), Host("127.0.0.2", "乙区人民政府", slow, texts())
        try:
            wall, _ = _crawl([a, b] if which == "both" else [a], tmp / f"two-{max_hosts}-{which}", delay=0.1,
                             max_hosts=max_hosts)
        finally:
            a.stop()
            b.stop()
        print(f"   {label:24} {wall:6.2f} s")


def many_hosts(tmp: Path, n: int, latency: float, delay: float, pieces: list[str]) -> None:
    rng = random.Random(2)
    hosts = [Host(f"127.0.0.{i + 1}", f"第{i + 1}区人民政府", latency,
                  ["".join(rng.sample(pieces, 12)) for _ in range(2)]) for i in range(n)]
    try:
        wall, result = _crawl(hosts, tmp / "many", delay=delay)
    finally:
        for h in hosts:
            h.stop()
    requests = result.fetch["requests"]  # type: ignore[attr-defined]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"2. {n} hosts, each answer after {latency} s, --delay {delay}, default --max-hosts "
          f"({result.counts['coverage_unreadable'] + result.counts['coverage_published']} body-years found)")  # type: ignore[attr-defined]
    print(f"   wall {wall:.1f} s, {requests} requests, {requests / wall:.1f} requests/s; "
          f"peak memory: crawl process {peak:.0f} MB (the {n} simulated sites' threads included), "
          f"largest worker {result.peak_worker_mb:.0f} MB")  # type: ignore[attr-defined]


def similarity_index(n: int, pieces: list[str]) -> None:
    from xxgk.parsers import Report
    from xxgk.pipeline import similarity

    rng = random.Random(3)
    texts = ["".join(rng.sample(pieces, 12)) for _ in range(n)]
    planted = {i: n + i for i in range(0, n, max(1, n // 10))[:10]}
    reports = [Report(report_id=f"r{i:016x}", source="", format="html", sha256="", agency=f"机构{i}", year=2024,
                      status="ok", narrative=t) for i, t in enumerate(texts)]
    reports += [Report(report_id=f"r{copy:016x}", source="", format="html", sha256="", agency=f"抄写{copy}", year=2024,
                       status="ok", narrative=texts[orig]) for orig, copy in planted.items()]
    started = time.monotonic()
    index = similarity.Index()
    for r in reports:
        index.add(r)
    build = time.monotonic() - started
    tracemalloc.start()  # a second pass for memory: tracemalloc slows every allocation
    again = similarity.Index()
    for r in reports:
        again.add(r)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    want = {(f"r{o:016x}", f"r{c:016x}") for o, c in planted.items()}
    found = {(p.report_id_a, p.report_id_b) for p in index.pairs}
    print(f"3. similarity index: {len(reports)} narratives ({len(planted)} planted copies), pieces from {len(pieces)}")
    print(f"   build {build:.1f} s ({1000 * build / len(reports):.2f} ms a narrative), peak {peak / 2**20:.0f} MB (tracemalloc); "
          f"{len(found)} pairs found, {len(found & want)} of the {len(want)} planted, {len(found - want)} others")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--slow", type=float, default=1.0)
    ap.add_argument("--narratives", type=int, default=10_000)
    args = ap.parse_args()
    if args.hosts > 254:
        sys.exit("--hosts: at most 254 (127.0.0.1 … 127.0.0.254)")
    pieces = _pieces()
    with tempfile.TemporaryDirectory() as tmp:
        two_hosts(Path(tmp), args.slow, pieces)
        many_hosts(Path(tmp), args.hosts, args.latency, args.delay, pieces)
    similarity_index(args.narratives, pieces)


if __name__ == "__main__":
    main()

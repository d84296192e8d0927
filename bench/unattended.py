"""Every fault of issue 9, against a crawl on a hostile loopback site and against `xxgk extract`
batches: what happens, exit status, seconds, peak MB.

    python bench/unattended.py                 this checkout
    python bench/unattended.py --old DIR       also a checkout of an earlier xxgk (git worktree), side by side

Each fault runs in a process of its own (`--one NAME`), so its peak memory (ru_maxrss of the
crawl's process, the hostile site's threads included) is its own; the worker's peak is what the
pool saw (an old checkout reads documents in the crawl's own process, so it has none). A fault
that runs past --limit seconds is stopped and shown as such. A batch fault runs the CLI in a child
process; its peak is the largest of that run's processes (the CLI or one of its workers). Disk full
needs a tmpfs mount and is left to tests/test_unattended.py. Asserts nothing: tests/test_hostile.py
and tests/test_unattended.py hold the expectations.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLE = "平潭综合实验区2025年政府信息公开工作年度报告"
FAULTS = ["dripped_headers", "gzip_gzip_1GB", "bomb_attachment", "crawl_delay_1e308", "crawl_delay_999999",
          "robots_redirects_off_host", "20000_dead_links", "unreachable_seed", "maintenance_page", "sigterm_mid_crawl"]
BATCH_FAULTS = ["non_utf8_name", "missing_path", "two_runs_one_out", "sigint_mid_batch", "sigterm_mid_batch",
                "all_failed", "corrupt_state"]


def _cli_module(code: Path) -> str:
    # Before the package move the CLI was the top-level `pipeline`; the editable install of this
    # checkout maps only xxgk.pipeline, so an old checkout first on sys.path is really the old code.
    return "xxgk.pipeline" if code.resolve() == ROOT else "pipeline"


def _import_crawl(code: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(code))
    return importlib.import_module(_cli_module(code) + ".crawl").crawl


def _listing(*links: tuple[str, str]) -> str:
    items = "".join(f"<li><a href='{h}'>{t}</a></li>" for h, t in links)
    return f"<html><head><meta charset='utf-8'><title>年报</title></head><body>{items}</body></html>"


def _copy(page: bytes, i: int):  # type: ignore[no-untyped-def]
    from tests.hostile_site import send

    return lambda h: send(h, 200, page + f"<!-- copy {i} -->".encode())


def one(name: str, code: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.hostile_site import HostileSite, dripped, file, gzipped_twice, html, redirect, text

    crawl = _import_crawl(code)
    params = inspect.signature(crawl).parameters
    fast = {"delay": 0.0, "timeout": 5.0, "retries": 0}
    report = file(ROOT / "fixtures" / "reports" / "2025-pingtan.html", "text/html; charset=utf-8")
    routes = {"/": html(_listing(("/r.html", TITLE))), "/r.html": report}
    waits: list[float] = []
    extra: dict = {}
    other = None
    if name == "dripped_headers":
        routes["/r.html"] = dripped(0.05)
    elif name == "gzip_gzip_1GB":
        routes["/r.html"] = gzipped_twice(1_000_000_000)
    elif name == "bomb_attachment":
        routes["/r.html"] = html(f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
                                 "<a href='/att/r.pdf'>附件：2025年度报告.pdf</a></body></html>")
        routes["/att/r.pdf"] = file(ROOT / "fixtures" / "broken" / "flate-bomb.pdf", "application/pdf")
    elif name.startswith("crawl_delay_"):
        routes["/robots.txt"] = text(f"User-agent: *\nCrawl-delay: {name.rsplit('_', 1)[1]}\n")
        extra["sleep"] = waits.append  # record the polite waits instead of sleeping them
    elif name == "robots_redirects_off_host":
        other = HostileSite({"/robots.txt": text("User-agent: *\nAllow: /\n")}, host="127.0.0.2")
        routes["/robots.txt"] = redirect(other.url("/robots.txt"))
    elif name == "20000_dead_links":
        routes["/"] = html(_listing(("/r.html", TITLE), *[(f"/dead/{i}.html", f"示例县{2000 + i % 25}年政府信息公开工作年度报告{i}")
                                                          for i in range(20_000)]))
    elif name == "sigterm_mid_crawl":
        routes["/"] = html(_listing(*[(f"/r{i}.html", TITLE.replace("2025", str(1900 + i))) for i in range(60)]))
        page = (ROOT / "fixtures" / "reports" / "2025-pingtan.html").read_bytes()
        routes.update({f"/r{i}.html": _copy(page, i) for i in range(60)})  # distinct bytes: not one deduplicated document
    out = Path(tempfile.mkdtemp())
    start = time.monotonic()
    with HostileSite(routes) as site:
        seed = site.url("/")
        if name == "unreachable_seed":
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            seed = f"http://127.0.0.1:{s.getsockname()[1]}/"
            s.close()
        if other is not None:
            other.__enter__()
        try:
            if name == "sigterm_mid_crawl":
                outcome, code_ = _sigterm_cli(code, seed, out, site)
                raise _Done
            result = crawl([seed], out, fast, **{k: v for k, v in extra.items() if k in params})
            if name == "maintenance_page":
                site.routes["/r.html"] = html("<html><head><meta charset='utf-8'><title>系统维护</title></head><body>系统维护中</body></html>")
                result = crawl([seed], out, {**fast, "recheck": True}, **{k: v for k, v in extra.items() if k in params})
            outcome, code_ = _describe(name, result, site, other, waits, out)
        except _Done:
            pass
        except BaseException as exc:  # the old code's crashes are the point of the comparison
            outcome, code_ = f"crashed: {type(exc).__name__}: {str(exc)[:80]}", "traceback"
        finally:
            if other is not None:
                other.__exit__()
    seconds = time.monotonic() - start
    return {"fault": name, "outcome": outcome, "exit": code_, "seconds": round(seconds, 1),
            "parent_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "worker_mb": round(getattr(result, "peak_worker_mb", 0) if "result" in locals() else 0)}


class _Done(Exception):
    pass


def _sigterm_cli(code: Path, seed: str, out: Path, site) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """`xxgk crawl` as systemd runs it, sent SIGTERM once 30 report pages were fetched; then run again."""
    cmd = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code)!r}); from {_cli_module(code)}.cli import main; main()",
           "crawl", seed, "--out", str(out), "--delay", "0.2"]
    proc = subprocess.Popen(cmd, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # type: ignore[union-attr]
        lines.append(line)
        if "/r30.html" in line:
            proc.send_signal(signal.SIGTERM)
            break
    lines += proc.stderr.read().splitlines()  # type: ignore[union-attr]
    status = proc.wait(timeout=60)
    published = _count_rows(out / "reports.csv")
    tracebacks = sum("Traceback" in line for line in lines)
    left = [p.name for p in out.iterdir() if ".tmp" in p.name or p.name.startswith(".staging")]
    before = site.hits_total()
    subprocess.run(cmd, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    again = sum(site.hits(f"/r{i}.html") > 1 for i in range(60))
    return (f"reports published: {published} of 60; {tracebacks} tracebacks; temporary files left: {len(left)}; "
            f"next run: {_count_rows(out / 'reports.csv')} published, {again} pages fetched again "
            f"({site.hits_total() - before} requests)"), status


def _count_rows(path: Path) -> int:
    import csv

    if not path.exists():
        return 0
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def _describe(name, result, site, other, waits, out):  # type: ignore[no-untyped-def]
    code = result.exit_code
    rows = {r.source.replace(site.base, ""): r for r in result.reports}
    r = rows.get("/r.html") or rows.get("/att/r.pdf")
    said = f"{r.status}: {(r.error or '')[:70]}" if r is not None else ""
    if name.startswith("crawl_delay_"):
        return f"longest polite wait asked: {max(waits or [0]):g} s; report {said or 'not read'}", code
    if name == "robots_redirects_off_host":
        return f"requests to the other host: {other.hits('/robots.txt')}; pages read: {site.hits('/r.html')}", code
    if name == "20000_dead_links":
        dead = sum(v for k, v in site.counter.items() if k.startswith("/dead/"))
        return f"dead links fetched: {dead}; report {said}; {'; '.join(getattr(result, 'stopped', []))[:60]}", code
    if name == "unreachable_seed":
        import sqlite3

        with sqlite3.connect(out / "state.sqlite") as db:
            err = db.execute("SELECT error FROM documents").fetchone()
        return f"seed: {(err[0] if err else '')[:80]}", code
    if name == "maintenance_page":
        return f"report row after: {said[:40]}; values kept: {len(r.values) if r else 0}", code
    return said, code


def _cli(code: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code)!r}); from {_cli_module(code)}.cli import main; main()",
            *args]


def _copies(folder: Path, n: int) -> Path:
    """n reports with distinct bytes (xxgk reads identical bytes once)."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = (ROOT / "fixtures" / "reports" / "hzq2024.pdf").read_bytes()
    for i in range(n):
        (folder / f"r{i:03d}.pdf").write_bytes(pdf + f"\n% copy {i}\n".encode())
    return folder


def _said(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    tracebacks = sum("Traceback" in line for line in lines)
    last = next((line for line in reversed(lines) if "Traceback" not in line), "")
    return f"stderr {len(lines)} lines, {tracebacks} tracebacks, last: {last.strip()[:70]}"


def batch_one(name: str, code: Path) -> dict:
    """One batch fault, the CLI in a child process: (outcome, exit status)."""
    tmp = Path(tempfile.mkdtemp())
    out = tmp / "out"
    page = ROOT / "fixtures" / "reports" / "2025-pingtan.html"
    start = time.monotonic()
    if name == "non_utf8_name":
        docs = tmp / "docs"
        docs.mkdir()
        (docs / "ok.html").write_bytes(page.read_bytes())
        os.makedirs(docs, exist_ok=True)
        with open(os.path.join(os.fsencode(docs), "年报".encode("gbk") + b".html"), "wb") as f:  # as a Windows zip unpacks
            f.write(page.read_bytes() + b"<!-- gbk -->")
        p = subprocess.run(_cli(code, "extract", str(docs), "--out", str(out)), cwd=code, capture_output=True, text=True)
        outcome = f"reports written: {_count_rows(out / 'reports.csv')} of 2; {_said(p.stderr)}"
        status: object = p.returncode
    elif name == "missing_path":
        docs = _copies(tmp / "docs", 3)
        p = subprocess.run(_cli(code, "extract", *map(str, sorted(docs.iterdir())), str(tmp / "nope.pdf"), "--out", str(out)),
                           cwd=code, capture_output=True, text=True)
        outcome = f"reports written: {_count_rows(out / 'reports.csv')} (3 good, 1 missing); {_said(p.stderr)}"
        status = p.returncode
    elif name == "two_runs_one_out":
        docs = _copies(tmp / "docs", 12)
        first = subprocess.Popen(_cli(code, "extract", str(docs), "--out", str(out), "--workers", "1"), cwd=code,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        second = subprocess.run(_cli(code, "extract", str(page), "--out", str(out)), cwd=code, capture_output=True, text=True)
        _, err = first.communicate()
        outcome = (f"second run: exit {second.returncode}, {_said(second.stderr)}; first run: "
                   f"{_count_rows(out / 'reports.csv')} of 12 written, {_said(err)}")
        status = f"{first.returncode} / {second.returncode}"
    elif name in ("sigint_mid_batch", "sigterm_mid_batch"):
        docs = _copies(tmp / "docs", 40)
        proc = subprocess.Popen(_cli(code, "extract", str(docs), "--out", str(out), "--workers", "1"), cwd=code,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(10)  # a few documents read
        proc.send_signal(signal.SIGINT if name.startswith("sigint") else signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        left = [q.name for q in out.iterdir() if ".tmp" in q.name or q.name.startswith(".staging")] if out.exists() else []
        published = _count_rows(out / "reports.csv")
        again = subprocess.run(_cli(code, "extract", str(docs), "--out", str(out), "--workers", "1"), cwd=code,
                               capture_output=True, text=True)
        earlier = next((w for w in again.stdout.split("(") if "earlier run" in w), "none finished by an earlier run)")
        outcome = (f"published: {published} of 40; {_said(err)}; temporary files left: {len(left)}; next run: "
                   f"{_count_rows(out / 'reports.csv')} published, {earlier.rstrip(') .:')}")
        status = proc.returncode
    elif name == "all_failed":
        docs = tmp / "docs"
        docs.mkdir()
        for broken in ("truncated.pdf", "zero-byte.pdf", "garbage.docx"):
            (docs / broken).write_bytes((ROOT / "fixtures" / "broken" / broken).read_bytes())
        p = subprocess.run(_cli(code, "extract", str(docs), "--out", str(out)), cwd=code, capture_output=True, text=True)
        outcome = f"{(p.stdout.strip().splitlines() or [''])[-1][:70]}; {_said(p.stderr)}"
        status = p.returncode
    else:  # corrupt_state
        out.mkdir()
        (out / "state.sqlite").write_bytes(b"this is not an SQLite file, but a disk that lost a block" * 100)
        p = subprocess.run(_cli(code, "crawl", "http://127.0.0.1:9/", "--out", str(out), "--retries", "0"), cwd=code,
                           capture_output=True, text=True)
        outcome = _said(p.stderr)
        status = p.returncode
    seconds = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"fault": name, "outcome": outcome, "exit": status, "seconds": round(seconds, 1),
            "parent_mb": f"{peak:.0f} (any)", "worker_mb": 0}


def run(name: str, code: Path, limit: float) -> dict:
    cmd = [sys.executable, __file__, "--one", name, "--code", str(code)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=code)
    start = time.monotonic()
    try:
        stdout, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"fault": name, "outcome": f"still running after {limit:g} s: stopped", "exit": "-",
                "seconds": f"> {limit:g}", "parent_mb": "?", "worker_mb": "?"}
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"fault": name, "outcome": f"died (status {proc.returncode}), nothing reported", "exit": proc.returncode,
                "seconds": round(time.monotonic() - start, 1), "parent_mb": "?", "worker_mb": "?"}
    row = json.loads(lines[-1])
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one")
    ap.add_argument("--code", default=str(ROOT))
    ap.add_argument("--old", help="a checkout of an earlier xxgk to compare with")
    ap.add_argument("--limit", type=float, default=180)
    ap.add_argument("--only", nargs="*", default=FAULTS + BATCH_FAULTS)
    args = ap.parse_args()
    if args.one:
        fn = batch_one if args.one in BATCH_FAULTS else one
        print(json.dumps(fn(args.one, Path(args.code)), ensure_ascii=False))
        return
    sides = [("now", ROOT)] + ([("before", Path(args.old).resolve())] if args.old else [])
    print("| fault | side | what happened | exit | seconds | crawl (batch: any process) MB | worker MB |\n| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.only:
        for side, code in sides:
            r = run(name, code, args.limit)
            print(f"| {name} | {side} | {str(r['outcome']).replace('|', '/')} | {r['exit']} | {r['seconds']} | "
                  f"{r['parent_mb']} | {r['worker_mb'] or '-'} |", flush=True)


if __name__ == "__main__":
    main()

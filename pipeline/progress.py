"""What a run prints while it goes, and the summary it ends with.

    progress = Progress(total, verbose=False, quiet=False)
    progress.done(report)     a line for a report that is not ok (every report with -v)
    progress.close()

On a terminal a bar stays at the bottom and the lines are printed above it; on a pipe or a
log file there is no bar, only the lines. --quiet prints neither.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from xxgk.parsers import Report
from xxgk.parsers.model import STATUSES

MARKS = {"ok": "ok", "partial": "PARTIAL", "failed": "FAILED", "not_report": "not a report"}


def report_line(r: Report) -> str:
    what = " ".join(filter(None, [r.agency, str(r.year or ""), r.template])) or r.format
    line = f"{MARKS.get(r.status, r.status):>12}  {r.source}  [{what}]"
    if r.error:
        line += f"\n{'':>14}{r.error[:300]}"
    return line


def worth_a_line(r: Report, verbose: bool) -> bool:
    return verbose or r.status != "ok"


class Progress:
    def __init__(self, total: int, verbose: bool = False, quiet: bool = False) -> None:
        self.verbose, self.quiet = verbose, quiet
        self.started = time.monotonic()
        self.bar = None
        if not quiet and total > 1 and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="doc", leave=True, dynamic_ncols=True, file=sys.stderr)

    def done(self, r: Report) -> None:
        if self.bar is not None:
            self.bar.update(1)
        if self.quiet or not worth_a_line(r, self.verbose):
            return
        if self.bar is not None:
            self.bar.write(report_line(r), file=sys.stdout)  # above the bar, which is redrawn below
        else:
            click.echo(report_line(r))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def summary(stats, out: Path, written: list[Path], elapsed: float) -> str:  # type: ignore[no-untyped-def]
    """The last line of a run: counts, checks, time and rate, and where to look."""
    status, checks, nvalues = stats.status, stats.checks, stats.values
    parts = ", ".join(f"{status[s]} {s}" for s in STATUSES if status[s])
    extra = f" ({stats.duplicates} duplicate files skipped)" if stats.duplicates else ""
    if stats.cached:
        extra += f" ({stats.cached} finished by an earlier run)"
    rate = stats.documents / elapsed if elapsed > 0 else 0.0
    page = out / "report.html"
    look = f"; open {page}" if page in written else ""
    pages = sum(1 for p in written if p.parent != out)  # pages/<report_id>.html, one per report read
    files = f"{len(written) - pages} files" + (f" and {pages} report pages" if pages else "")
    return (
        f"{stats.documents} documents{extra}{': ' + parts if parts else ''}. {nvalues} values; {sum(checks.values())} checks "
        f"({checks['pass']} pass, {checks['fail']} fail, {checks['unknown']} unknown, {checks['warning']} soft warnings). "
        f"{elapsed:.1f} s, {rate:.1f} documents/s. Wrote {files} to {out}/{look}"
    )

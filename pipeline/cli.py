"""The `xxgk` command line: thin over parsers.extract and pipeline.runner."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from parsers import XxgkError

from . import inputs, runner, writers

CONTEXT = {"help_option_names": ["-h", "--help"]}
DEFAULT_OUT = "output"


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="xxgk")
def main() -> None:
    """Turn 政府信息公开工作年度报告 into clean datasets.

    xxgk reads the three statistical tables of each annual report (表二 主动公开,
    表三 依申请公开, 表四 复议诉讼) from HTML, PDF, DOCX or text, maps every
    label to a canonical key, checks the accounting identities and writes
    reports.csv, values.csv and checks.csv.
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Folder for reports.csv, values.csv and checks.csv (created if missing).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def extract(inputs: tuple[str, ...], out: str, quiet: bool) -> None:
    """Extract the statistical tables of reports into canonical CSV files.

    INPUT is any mix of files and folders (searched recursively for .pdf, .html,
    .htm, .docx, .txt and .md). A document that cannot be read becomes a
    `failed` row with the reason; the batch always completes.

    \b
    Example:
        xxgk extract fixtures/ --out output/
        xxgk extract report.pdf page.html --out /tmp/x
    """
    try:
        paths = _expand(list(inputs))
    except XxgkError as exc:
        raise click.ClickException(str(exc)) from None
    if not paths:
        raise click.ClickException("no documents found in " + ", ".join(inputs))

    def show(r) -> None:  # type: ignore[no-untyped-def]
        if quiet:
            return
        mark = {"ok": "ok", "partial": "PARTIAL", "failed": "FAILED", "not_report": "not a report"}.get(r.status, r.status)
        what = " ".join(filter(None, [r.agency, r.year, r.template])) or r.format
        line = f"{mark:>12}  {r.source}  [{what}]"
        if r.error:
            line += f"\n{'':>14}{r.error[:300]}"
        click.echo(line)

    reports = runner.run(paths, on_done=show)
    written = writers.write_csvs(reports, Path(out))
    click.echo(summary(reports, Path(out), written))


def _expand(items: list[str]) -> list[Path]:
    return inputs.expand(items)


def summary(reports, out: Path, written: dict[str, Path]) -> str:  # type: ignore[no-untyped-def]
    status = Counter(r.status for r in reports)
    checks = Counter(c.status for r in reports for c in r.checks)
    nvalues = sum(len(r.values) for r in reports)
    parts = ", ".join(f"{status[s]} {s}" for s in ("ok", "partial", "failed", "not_report") if status[s])
    return (
        f"{len(reports)} documents: {parts}. {nvalues} values; {sum(checks.values())} checks "
        f"({checks['pass']} pass, {checks['fail']} fail, {checks['unknown']} unknown). "
        f"Wrote {', '.join(p.name for p in written.values())} to {out}/"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

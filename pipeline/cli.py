"""The `xxgk` command line: thin over pipeline.batch (extract), pipeline.crawl (crawl, demo) and the writers."""

from __future__ import annotations

import atexit
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from xxgk.parsers.errors import ConfigError, OutputError, XxgkError

from . import interrupt, logs, writers
from .inputs import DOCUMENT_SUFFIXES
from .inputs import expand as expand_inputs
from .progress import Progress, report_line, summary, worth_a_line
from .pool import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, MIN_MEMORY_MB, Limits, PoolBroken
from .crawl.settings import CrawlSettings

if TYPE_CHECKING:
    from .batch import BatchStats
from .crawl.settings import (DEFAULT_DELAY, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENTS, DEFAULT_MAX_HOSTS,
                             DEFAULT_MAX_PAGES, DEFAULT_RETRIES, DEFAULT_TIMEOUT)

CONTEXT = {"help_option_names": ["-h", "--help"]}
DEFAULT_OUT = "output"
ENV_PREFIX = "XXGK_"  # every option also reads XXGK_<OPTION>: see env_for_every_option()
NO_CONTACT = ("warning: no --contact (or XXGK_CONTACT) set: the User-Agent cannot tell site owners how to reach "
              "you, and some block crawlers that give none")
# One table for every command, its --help and the README (tests/test_api.py keeps them equal).
EXIT_STATUS = """\b
Exit status (the same for every command, for cron and systemd):
  0    every document was read (ok, partial or not_report)
  1    something could not be fetched or read (a failed row, an
       unreachable seed) or the datasets could not be written
  2    the run could not start (a bad option, --out or the state
       in use by another run, a corrupt state file)
  130  stopped by SIGINT (Ctrl-C); 143 stopped by SIGTERM: what was
       finished is published, and the next run does not redo it"""


@click.group(context_settings=CONTEXT, epilog=EXIT_STATUS)
@click.version_option(package_name="xxgk")
def main() -> None:
    """Turn 政府信息公开工作年度报告 into clean datasets.

    xxgk reads the three statistical tables of each annual report (表二 主动公开,
    表三 依申请公开, 表四 复议诉讼) from HTML, PDF, DOCX or text, maps every
    label to a canonical key, checks the accounting identities and writes
    reports.csv, values.csv and checks.csv (and more: see each command's --help).

    \b
    xxgk extract   files, folders or URLs → datasets
    xxgk crawl     government sites → fetched reports → datasets, incrementally
    xxgk demo      the whole path offline, on a bundled demo registry
    xxgk merge     the output folders of several runs (registry shards) → one dataset
    """
    # The process ends after the command: its last garbage collection would walk every object
    # pandas and scipy made (0.2 s of a 3.8 s batch of 36 PDFs) to free memory the exit frees
    # anyway. Nothing left then needs a finaliser: each output is written, synced and closed.
    atexit.unregister(gc.freeze)  # once, however many commands one process runs (the tests')
    atexit.register(gc.freeze)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def guarded(run: Callable[[], object]) -> object:
    """Run a command's work with signals handled and expected failures mapped to one line and an exit status."""
    with interrupt.handling():
        try:
            return run()
        except interrupt.Interrupted as stop:  # a second signal: stopped at once
            click.echo(f"stopped at once by {stop.name}: nothing new published; finished documents are kept "
                       "for the next run", err=True)
            sys.exit(stop.exit_code)
        except (ConfigError, PoolBroken) as exc:
            fail(str(exc), 2)
        except OutputError as exc:
            fail(str(exc), 1)
        except XxgkError as exc:
            fail(str(exc), 1)


def corrections_option(f):  # type: ignore[no-untyped-def]
    """--corrections and --reviews: a reviewer's files, the same for extract and crawl."""
    f = click.option("--reviews", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                     help="A reviewer's verdicts on flagged checks (CSV: report_id, check_id, verdict confirmed|dismissed, "
                          "reason, who, when), carried into checks.csv.")(f)
    return click.option("--corrections", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                        help="A reviewer's corrections (CSV: report_id, table, row, col, value, reason, who, when): "
                             "written beside the printed values, never over them, and the identities judged again on them.")(f)


def _corrections(path: str | None, reviews: str | None = None):  # type: ignore[no-untyped-def]
    from .corrections import load, load_reviews

    def both():  # type: ignore[no-untyped-def]
        fixes = load(Path(path)) if path else None
        return load_reviews(Path(reviews), fixes) if reviews else fixes

    return guarded(both) if path or reviews else None


def output_options(f):  # type: ignore[no-untyped-def]
    """--format and --csv-encoding, the same for every command that writes datasets."""
    f = click.option("--csv-encoding", type=click.Choice(list(writers.CSV_ENCODINGS)), default="utf-8-sig", show_default=True,
                     help="utf-8-sig (UTF-8 with a BOM, so Excel opens it), utf-8, or gb18030.")(f)
    f = click.option("--format", "formats", default="csv", show_default=True, metavar="LIST",
                     help="Comma-separated: csv, parquet, dta (Stata 118), xlsx, sqlite (xxgk.db for Datasette).")(f)
    return f


def _formats(value: str) -> tuple[str, ...]:
    try:
        return writers.chosen_formats(value.split(","))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from None


def contact_option(f):  # type: ignore[no-untyped-def]
    return click.option("--contact", default="", help="An e-mail or URL for the User-Agent, so site owners can reach you.")(f)


def crawl_settings(contact: str, **settings: object) -> CrawlSettings:
    """CrawlSettings from options, with the warning a crawl without a contact deserves."""
    if not contact:
        click.echo(NO_CONTACT, err=True)
    return CrawlSettings(contact=contact or CrawlSettings().contact, **settings)  # type: ignore[arg-type]


def limit_options(f):  # type: ignore[no-untyped-def]
    """--workers, --time-limit and --memory-limit: the same supervised pool for every command."""
    f = click.option("--memory-limit", type=click.IntRange(min=MIN_MEMORY_MB), default=DEFAULT_MEMORY_MB, show_default=True,
                     help="MB of memory one document may need; past it the document is stopped and reported failed.")(f)
    f = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_SECONDS, show_default=True,
                     help="Seconds one document may take once a worker starts it; past it the document is stopped and reported failed.")(f)
    f = click.option("--workers", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the machine's cores).")(f)
    return f


@main.command(epilog=EXIT_STATUS)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Folder for the datasets (created if missing). One run at a time may use it.")
@output_options
@limit_options
@contact_option
@click.option("--dask", metavar="ADDRESS", default=None,
              help="Run on a Dask cluster: tcp://host:8786, or 'local' for a LocalCluster (pip install 'xxgk[dask]').")
@click.option("--fresh", is_flag=True, help="Read every document again, even those an earlier run on --out finished.")
@corrections_option
@click.option("--verbose", "-v", is_flag=True, help="Print a line for every document, not only for those that are not ok.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def extract(inputs: tuple[str, ...], out: str, formats: str, csv_encoding: str, workers: int | None,
            time_limit: float, memory_limit: int, contact: str, dask: str | None, fresh: bool, corrections: str | None,
            reviews: str | None, verbose: bool, quiet: bool) -> None:
    """Extract the statistical tables of reports into datasets.

    INPUT is any mix of files, folders (searched recursively for SUFFIXES) and
    http(s) URLs (fetched politely, as crawl does). Documents run in --workers
    processes, each within --time-limit and --memory-limit; one that cannot be
    read, or a path that does not exist, becomes a `failed` row with the reason,
    and the batch always completes. Each finished document is kept in
    OUT/.xxgk/, so a run that is cut short (kill, reboot) is completed by the next
    one without reading anything twice.

    \b
    Example:
        xxgk extract fixtures/ --out output/
        xxgk extract report.pdf page.html --out /tmp/x
    """
    fmts = _formats(formats)
    fixes = _corrections(corrections, reviews)
    urls = [i for i in inputs if i.startswith(("http://", "https://"))]
    found = expand_inputs([i for i in inputs if i not in urls])
    if not found.paths and not found.missing and not urls:
        fail("no documents found in " + ", ".join(inputs) + f" (looked for {', '.join(DOCUMENT_SUFFIXES)})", 2)
    settings = CrawlSettings()
    if urls:
        logs.setup(quiet=quiet)
        settings = guarded(lambda: crawl_settings(contact))  # type: ignore[assignment]

    progress = Progress(len(found.paths) + len(found.missing) + len(urls), verbose=verbose, quiet=quiet)

    from .batch import run_batch  # the batch stack (pandas, the pool) only when a command runs: --help stays light

    def run() -> tuple[BatchStats, list[Path]]:
        try:
            return run_batch(found, Path(out), fmts, csv_encoding, workers, Limits(time_limit, memory_limit), dask,
                             on_done=progress.done, urls=urls, crawl_settings=settings, fresh=fresh, corrections=fixes)
        finally:
            progress.close()

    stats, written = guarded(run)  # type: ignore[misc]
    if fixes is not None:
        click.echo(fixes.summary(), err=True)
    click.echo(summary(stats, Path(out), written, progress.elapsed))
    if stats.stopped_by is not None:
        click.echo(f"stopped by {stats.stopped_by.name} after {stats.documents} documents; what was finished is "
                   f"published in {out}/, and the next run reads only the rest", err=True)
        sys.exit(stats.stopped_by.exit_code)
    sys.exit(stats.exit_code)


extract.help = extract.help.replace("SUFFIXES", ", ".join(DOCUMENT_SUFFIXES))  # type: ignore[union-attr]


def crawl_options(f):  # type: ignore[no-untyped-def]
    """The options `crawl` and `demo` share, defined once."""
    opts = [
        click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
                     help="Folder for the datasets, the store of fetched files (store/) and the state (state.sqlite)."),
        click.option("--state", type=click.Path(dir_okay=False), help="State file to use instead of OUT/state.sqlite."),
        click.option("--log-json", is_flag=True, help="Log JSON lines (for machines) instead of readable lines."),
        click.option("--quiet", "-q", is_flag=True, help="Log only warnings; still print the summary line."),
        click.option("--verbose", "-v", is_flag=True, help="Print a line for every report found, not only for those that are not ok."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


@main.command(epilog=EXIT_STATUS)
@click.argument("seeds", nargs=-1, required=False, metavar="[SEED_URL...]")
@click.option("--sites", type=click.Path(dir_okay=False), default=None, metavar="SITES.csv",
              help="A registry: a CSV with agency and url columns (optional adcode, level, aliases), one row per seed "
                   "of a body. Every site is crawled in one run and coverage.csv says who published which year.")
@click.option("--years", default=None, metavar="YEARS",
              help="Years coverage is judged on: 2019-2025 or 2021,2023 (default: every year a report found covers).")
@click.option("--shard", default=None, metavar="I/N",
              help="Crawl only the registry's sites whose host falls to shard I of N (stable: each machine or timer "
                   "takes one I, with its own --out).")
@crawl_options
@output_options
@limit_options
@click.option("--delay", type=click.FloatRange(min=0), default=DEFAULT_DELAY, show_default=True,
              help="Seconds between two requests to one host (robots.txt Crawl-delay wins if longer, up to 60).")
@contact_option
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST", help="Another host the crawl may follow links to (repeatable). The seeds' hosts are always allowed.")
@click.option("--max-pages", type=click.IntRange(min=1), default=DEFAULT_MAX_PAGES, show_default=True, help="List pages to visit per run at most.")
@click.option("--max-documents", type=click.IntRange(min=1), default=DEFAULT_MAX_DOCUMENTS, show_default=True,
              help="Report pages and attachments to fetch per seed and run at most.")
@click.option("--max-depth", type=click.IntRange(min=1), default=DEFAULT_MAX_DEPTH, show_default=True, help="List-page hops from a seed at most.")
@click.option("--max-hosts", type=click.IntRange(min=1), default=DEFAULT_MAX_HOSTS, show_default=True,
              help="Hosts fetched from at once; each host still gets one request at a time, --delay apart.")
@click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop cleanly after this long and publish what is finished (the next run goes on from there).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds one request may take in all: connect, headers and body.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest response body kept (counted as it is decompressed); larger ones are recorded as too large.")
@click.option("--retries", type=click.IntRange(min=0), default=DEFAULT_RETRIES, show_default=True, help="Retries on timeouts, resets, 429 and 5xx (never on other 4xx).")
@click.option("--recheck", is_flag=True, help="Fetch known reports that sent no ETag/Last-Modified again, to catch silent changes.")
@click.option("--ignore-robots", is_flag=True, hidden=True)
@corrections_option
def crawl(seeds, sites, years, shard, out, state, log_json, quiet, verbose, formats, csv_encoding, workers, time_limit, memory_limit,
          delay, contact, allow_hosts, max_pages, max_documents, max_depth, max_hosts, time_budget, timeout, max_bytes, retries,
          recheck, ignore_robots, corrections, reviews) -> None:  # type: ignore[no-untyped-def]
    """Find, fetch and extract the annual reports of government sites.

    SEED_URL is a site's 政府信息公开年报 list page, or its home or 政务公开 page.
    xxgk follows pagination and 年报 column links within the seeds' hosts, fetches
    report pages and their attachments (PDF, DOCX, …) politely (robots.txt, one
    request at a time, --delay apart), keeps every body in OUT/store/, reads them
    in --workers processes within --time-limit and --memory-limit and writes
    OUT/reports.csv, values.csv, checks.csv. Run it again and only what changed is
    fetched (ETag/Last-Modified, else sha256) and extracted.

    With --sites SITES.csv, every site of a registry is crawled in one run, up to
    --max-hosts hosts at once, and reports are given to their bodies by the agency
    they print (or an alias the registry lists). Beside the datasets it writes
    coverage.csv (each body × year: published, unreadable or missing, the printed
    publication date, the statutory deadline and whether it was met), and every
    crawl writes history.csv (every version seen at a report URL) and
    similarity.csv (near-identical narratives, 内容雷同).

    \b
    Example:
        xxgk crawl https://www.example.gov.cn/zwgk/zfxxgknb/ --out data/ --contact me@example.org
        xxgk crawl --sites sites.csv --years 2019-2025 --out data/ --contact me@example.org
    """
    from .crawl import coverage as coverage_
    from .crawl import registry as registry_

    logs.setup(json_lines=log_json, quiet=quiet)
    if not seeds and not sites:
        fail("give SEED_URL... or --sites SITES.csv", 2)
    if shard and not sites:
        fail("--shard splits a registry: give --sites SITES.csv with it", 2)
    settings = guarded(lambda: crawl_settings(
        contact, delay=delay, allow_hosts=frozenset(allow_hosts), max_pages=max_pages, max_documents=max_documents,
        max_depth=max_depth, max_hosts=max_hosts, time_budget=time_budget, timeout=timeout,
        max_bytes=max_bytes, retries=retries, recheck=recheck, obey_robots=not ignore_robots))

    def load_registry():  # type: ignore[no-untyped-def]
        reg = registry_.load(Path(sites))
        return reg.shard(*registry_.parse_shard(shard)) if shard else reg

    registry = guarded(load_registry) if sites else None
    year_list = guarded(lambda: coverage_.parse_years(years))
    _crawl_and_report(list(seeds), Path(out), settings, Path(state) if state else None, _formats(formats), csv_encoding,  # type: ignore[arg-type]
                      verbose, quiet, workers, Limits(time_limit, memory_limit), registry, year_list, _corrections(corrections, reviews))


@main.command(epilog=EXIT_STATUS)
@crawl_options
@output_options
@click.option("--delay", type=click.FloatRange(min=0), default=0.1, show_default=True, help="Seconds between requests (the demo site is your own, on 127.0.0.1).")
def demo(out, state, log_json, quiet, verbose, formats, csv_encoding, delay) -> None:  # type: ignore[no-untyped-def]
    """Crawl the bundled demo registry end to end, offline, twice.

    Serves two small government sites on 127.0.0.1 and 127.0.0.2 (fixtures/site/:
    年报 list pages with a pager, report pages in HTML, PDF and DOCX attachments, a
    GBK page, a 解读 page and a notice to skip, an off-host link, a robots.txt rule,
    a column shared by three bodies, a report copied under another body's name),
    crawls the registry fixtures/site/sites.csv with `xxgk crawl --sites --years
    2019-2025`, then lets a site edit one report and crawls again: the second run
    fetches only what changed. It writes the datasets, coverage.csv, history.csv
    and similarity.csv into OUT and prints the coverage summary.

    \b
    Example:
        xxgk demo --out output/
    """
    import tempfile

    from .crawl import registry as registry_
    from .demo import DEFAULT_FIXTURES, SiteServer

    logs.setup(json_lines=log_json, quiet=quiet)
    with SiteServer() as site, SiteServer(spec="site2.json", host="127.0.0.2") as site2, \
            tempfile.TemporaryDirectory() as tmp:
        click.echo(f"demo registry: fixtures/site/sites.csv, sites on {site.base} and {site2.base}")
        sites = Path(tmp) / "sites.csv"
        template = (DEFAULT_FIXTURES / "site" / "sites.csv").read_text(encoding="utf-8")
        sites.write_text(template.replace("http://HOST1", site.base).replace("http://HOST2", site2.base), encoding="utf-8")
        registry = guarded(lambda: registry_.load(sites))
        settings = CrawlSettings(delay=delay, contact="xxgk-demo")
        years = list(range(2019, 2026))
        run = lambda quiet_, exit_: _crawl_and_report(  # noqa: E731
            [site.url("/index.html")], Path(out), settings, Path(state) if state else None, _formats(formats), csv_encoding,
            verbose, quiet_, registry=registry, years=years, then_exit=exit_)
        click.echo("first run:")
        first = run(True, False)
        if first not in (0, 1):  # stopped by a signal: say so and stop
            sys.exit(first)
        site.publish_edits()
        click.echo("\nthe site edits its 2025 report; second run (only what changed is fetched):")
        run(quiet, True)


@main.command(epilog=EXIT_STATUS)
@click.argument("folders", nargs=-1, required=True, metavar="DIR...")
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Folder for the merged datasets (a new one: not one of DIR).")
@output_options
def merge(folders, out, formats, csv_encoding) -> None:  # type: ignore[no-untyped-def]
    """Merge the output folders of several runs into one dataset.

    DIR is the --out of a crawl (a shard of a registry run with --shard I/N, on
    another machine or timer) or of an extract run. The reports are read back with
    the extractions saved beside them and written as one run: each report once,
    cross-year checks and similarity.csv across all of them, coverage.csv with the
    best row any folder has for each body and year, history.csv with every version.
    The folders are only read.

    \b
    Example:
        xxgk merge shard1/ shard2/ shard3/ --out all/
    """
    from .batch import BatchStats
    from .merge import merge as run_merge

    fmts = _formats(formats)
    started = time.monotonic()
    reports, written = guarded(lambda: run_merge([Path(f) for f in folders], Path(out), fmts, csv_encoding))  # type: ignore[misc]
    stats = BatchStats()
    for r in reports:
        stats.add(r)
    click.echo(f"merged {len(folders)} folders")
    click.echo(summary(stats, Path(out), written, time.monotonic() - started))
    sys.exit(stats.exit_code)


def _crawl_and_report(seeds: list[str], out: Path, settings: CrawlSettings, state: Path | None,
                      formats: tuple[str, ...], csv_encoding: str, verbose: bool = False, quiet: bool = False,
                      workers: int | None = None, limits: Limits | None = None, registry=None,  # type: ignore[no-untyped-def]
                      years: list[int] | None = None, corrections=None,  # type: ignore[no-untyped-def]
                      then_exit: bool = True) -> int:
    from .batch import BatchStats
    from .crawl.run import crawl as run_crawl

    started = time.monotonic()
    result = guarded(lambda: run_crawl(seeds, out, settings, state_path=state, workers=workers, limits=limits,
                                       formats=formats, csv_encoding=csv_encoding, registry=registry, years=years,
                                       corrections=corrections))
    stats = BatchStats()
    for r in result.reports:  # type: ignore[attr-defined]
        stats.add(r)
        if not quiet and worth_a_line(r, verbose):
            click.echo(report_line(r))
    click.echo(result.summary())  # type: ignore[attr-defined]
    if corrections is not None:
        click.echo(corrections.summary(), err=True)
    click.echo(summary(stats, out, result.written, time.monotonic() - started))  # type: ignore[attr-defined]
    if result.stopped_by is not None:  # type: ignore[attr-defined]
        click.echo(f"stopped by {result.stopped_by.name}: what was finished is published in {out}/, "  # type: ignore[attr-defined]
                   "and the next run goes on from there", err=True)
    if then_exit:
        sys.exit(result.exit_code)  # type: ignore[attr-defined]
    return int(result.exit_code)  # type: ignore[attr-defined]


def env_for_every_option(group: click.Group) -> None:
    """Each option of each command may come from XXGK_<OPTION> (--contact: XXGK_CONTACT, --time-limit:
    XXGK_TIME_LIMIT): one name whatever the command, so a cron line or a systemd unit's Environment=
    sets it once. An option given on the command line wins; --help shows each name."""
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                param.envvar = ENV_PREFIX + max(param.opts, key=len).lstrip("-").replace("-", "_").upper()
                param.show_envvar = True


env_for_every_option(main)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name="xxgk")

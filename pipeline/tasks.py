"""What a worker process does with one document: the only place untrusted bytes are parsed.

    Job(path, source)                  extract: the document's bytes → a Report, as plain data
    Job(path, source, task="links")    discovery: an HTML page's bytes → its links, as plain data
    Job(…, task="report_links")        a report page's links, and its tables' images when it has no
                                       table of numbers

Both run inside the supervised pool (pool.py), under its time and memory limits, for files,
URLs and crawls alike; the parent only moves bytes and records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xxgk.parsers.model import report_to_dict
from xxgk.parsers.settings import ParseSettings

from .runner import extract_path


@dataclass(frozen=True)
class Job:
    path: str  # where the worker reads the bytes (a file, or a body in the crawl store)
    source: str  # the name the document goes by in the datasets (path as given, or URL)
    task: str = "extract"
    sha256: str = ""  # of the bytes at `path`, when the parent knows it (the result cache's key)
    settings: ParseSettings | None = None  # None: the defaults
    images: tuple[str, ...] = ()  # a report page's images the crawl fetched (paths in its store), read by OCR


def links_of(path: Path, url: str, images: bool = False) -> dict:
    """Every link of an HTML page as [url, text] pairs and, with `images` (a report page), the URLs of
    its tables' images when it has no table of numbers; a page that is no HTML has neither."""
    from urllib.parse import urljoin

    from xxgk.parsers import links as discovery
    from xxgk.parsers.encoding import decode
    from xxgk.parsers.errors import CorruptDocument, UnsupportedFormat
    from xxgk.parsers.readers import html as html_reader

    try:
        html, _ = decode(path.read_bytes(), url)
    except (UnsupportedFormat, OSError):
        return {"links": [], "images": []}
    pictures: list[str] = []
    if images:  # the reader's own parse besides the links': only for report pages, not for every list page
        try:
            # The reader names a page's table images only when its tables hold no numbers.
            pictures = [urljoin(url, src) for src in html_reader.read_text(html, url).image_links]
        except CorruptDocument:
            pass
    return {"links": [[link.url, link.text] for link in discovery.links(html, url)], "images": pictures}


def work(job: Job) -> dict:
    """The per-document function: a path in, plain data out (picklable both ways)."""
    if job.task in ("links", "report_links"):
        return links_of(Path(job.path), job.source, images=job.task == "report_links")
    return report_to_dict(extract_path(Path(job.path), job.source, job.settings, job.images))

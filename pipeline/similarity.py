"""内容雷同 at corpus scale: pairs of reports whose narratives are near-identical, without an all-pairs loop.

Each report's masked narrative (parsers/similarity.py) becomes a MinHash of its 5-character shingles;
a locality-sensitive index (datasketch's MinHashLSH) hands each new report only the earlier ones that
share a band with it, and a pair is kept when the MinHash estimate of the Jaccard similarity of the
two shingle sets is at least THRESHOLD. Memory: one 128-number signature a report.

Two copies of one body's report for one year (an HTML page and its PDF, two versions of one URL)
are one report, never a pair. The measure and threshold are written into the codebook (MEASURE).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from xxgk.parsers import Report
from xxgk.parsers.model import READ
from xxgk.parsers.similarity import MIN_CHARS, SHINGLE, shingles

THRESHOLD = 0.8
PERMUTATIONS = 128
SEED = 1  # fixed: the same reports give the same signatures and pairs in every run
MEASURE = (f"Jaccard similarity of the two narratives' sets of {SHINGLE}-character shingles, estimated by MinHash "
           f"({PERMUTATIONS} permutations); the narrative is the text outside the tables with the body's name, its "
           f"places and every number (years included) masked, whitespace and punctuation dropped. A pair is listed at "
           f"{THRESHOLD} or more; narratives under {MIN_CHARS} characters are not compared.")


@dataclass(frozen=True)
class Pair:
    report_id_a: str
    report_id_b: str
    agency_a: str
    agency_b: str
    year_a: int | None
    year_b: int | None
    similarity: float
    kind: str  # same_agency (one body's years) or other_agency

    def row(self) -> list[str]:
        return [self.report_id_a, self.report_id_b, self.agency_a, self.agency_b, _text(self.year_a), _text(self.year_b),
                f"{self.similarity:.3f}", self.kind]


@lru_cache(maxsize=4)
def _bands(threshold: float) -> tuple[int, int]:
    """datasketch's bands and rows for the threshold (found by numerical integration: 30 ms, so once)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
    return lsh.b, lsh.r


def _text(year: int | None) -> str:
    return "" if year is None else str(year)


class Index:
    """Add reports one at a time; `rows()` gives every near-identical pair (`pairs`: those found so far).

    `background=True` (a batch of two or more documents): datasketch loads in a thread from the
    start, and narratives wait in `waiting` until it is there. Loaded on the batch's own thread at
    the second narrative, its 0.6 s held the loop that hands the worker its next document: the
    worker sat idle for 0.5 s of a 4.7 s batch of 36 PDFs."""

    def __init__(self, threshold: float = THRESHOLD, background: bool = False) -> None:
        self.threshold = threshold
        self.lsh = None  # made at the second narrative: a run of one never loads datasketch (scipy: 0.8 s)
        self.waiting: list[tuple[str, str]] = []  # (report_id, narrative) not compared yet, in order
        self.signatures: dict[str, object] = {}
        self.meta: dict[str, tuple[str, int | None]] = {}
        self.pairs: list[Pair] = []
        self._loader: threading.Thread | None = None
        if background:
            self._loader = threading.Thread(target=_load, args=(threshold,), name="xxgk-datasketch")
            self._loader.start()

    def add(self, r: Report) -> None:
        if r.status not in READ or len(r.narrative) < MIN_CHARS or r.report_id in self.meta:
            return
        self.meta[r.report_id] = (r.agency, r.year)
        self.waiting.append((r.report_id, r.narrative))
        loading = self._loader is not None and self._loader.is_alive()
        if self.lsh is not None or (len(self.waiting) > 1 and not loading):  # one narrative has nothing to be like yet
            self._drain()

    def _drain(self) -> None:
        if self.lsh is None:
            if self._loader is not None:
                self._loader.join()
            from datasketch import MinHashLSH  # scipy behind it: loaded only when two narratives meet

            self.lsh = MinHashLSH(num_perm=PERMUTATIONS, params=_bands(self.threshold))
        for entry in self.waiting:
            self._add(*entry)
        self.waiting.clear()

    def rows(self) -> list[list[str]]:
        if len(self.waiting) > 1:  # still loading when the last narrative came
            self._drain()
        return [p.row() for p in sorted(self.pairs, key=lambda p: (p.report_id_a, p.report_id_b))]

    def _add(self, report_id: str, narrative: str) -> None:
        from datasketch import LeanMinHash, MinHash

        agency, year = self.meta[report_id]
        m = MinHash(num_perm=PERMUTATIONS, seed=SEED)
        m.update_batch([s.encode("utf-8") for s in shingles(narrative)])
        sig = LeanMinHash(m)
        for other in self.lsh.query(sig):  # type: ignore[attr-defined]
            other_agency, other_year = self.meta[other]
            if other_agency and other_agency == agency and other_year == year:
                continue  # one body's report for one year in two forms: not a copy
            score = sig.jaccard(self.signatures[other])  # type: ignore[arg-type]
            if score >= self.threshold:
                (a, (ag_a, yr_a)), (b, (ag_b, yr_b)) = sorted([(other, (other_agency, other_year)), (report_id, (agency, year))])
                kind = "same_agency" if agency and other_agency == agency else "other_agency"
                self.pairs.append(Pair(a, b, ag_a, ag_b, yr_a, yr_b, score, kind))
        self.lsh.insert(report_id, sig)  # type: ignore[attr-defined]
        self.signatures[report_id] = sig


def _load(threshold: float) -> None:
    """datasketch, scipy and the bands, loaded in the background (Index(background=True))."""
    try:
        _bands(threshold)
    except Exception:  # noqa: BLE001  not here: the batch's own import, at _drain, raises it where it is handled
        pass

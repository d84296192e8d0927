"""Cell accuracy of xxgk against the hand-read truth files, per fixture and overall.

    python bench/accuracy.py [FIXTURES_DIR]

Prints, for every fixtures/truth/*.truth: cells exact / cells in truth, whether
agency, year and template match, and the first wrong cells.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xxgk.parsers import extract  # noqa: E402
from xxgk.pipeline import truth as truthfile  # noqa: E402


def main(fixtures: Path) -> int:
    total = exact = 0
    print(f"{'fixture':<28} {'cells':>9} {'accuracy':>9}  metadata")
    for tpath in sorted((fixtures / "truth").glob("*.truth")):
        t = truthfile.load(tpath)
        doc = next(fixtures.rglob(t.file))  # reports/, borderless/, prints/, layouts/: each name is in one folder
        r = extract(doc.read_bytes(), t.file)
        cmp = truthfile.compare(t, {(v.table, v.row, v.col): v.as_text for v in r.values})
        meta_ok = (r.agency, r.year, r.template) == (t.agency, t.year, t.template)
        total, exact = total + cmp.total, exact + cmp.exact
        meta = "ok" if meta_ok else f"got {r.agency}/{r.year}/{r.template}"
        print(f"{t.file:<28} {cmp.exact:>4}/{cmp.total:<4} {cmp.accuracy:>8.1%}  {meta}")
        for w in cmp.wrong[:5]:
            print(f"    {w}")
    print(f"{'overall':<28} {exact:>4}/{total:<4} {exact / total if total else 0:>8.1%}")
    return 0 if exact == total else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fixtures"))

"""Legacy formats (.doc, .wps, .rtf, .xls, .et) and .xlsx: converted by LibreOffice, read as DOCX or HTML.

Older report pages link Word 97-2003 files, WPS's own .wps (the same OLE container), RTF and
spreadsheets. No Python library reads their tables well; LibreOffice does. It runs headless in
a subprocess, with a profile of its own in a temporary folder (two workers never share one), a
time limit, and the death signal of the worker that started it: when the pool kills a worker
past its limits, the converter dies with it. Text documents become DOCX (cells and spans kept),
spreadsheets HTML (one table per sheet). Without LibreOffice the row fails naming the package.

This is the one reader that runs another program; what it hands on is bytes, as every reader's input.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import ConversionFailed, UnsupportedFormat

CONVERT_SECONDS = 120  # a genuine report converts in a few seconds; the worker's own limit still applies
INSTALL_HINT = "install LibreOffice to read it (Debian/Ubuntu: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)"
# OLE stream names, as UTF-16 in the container's directory: Word and WPS text, or a workbook.
_WORD = "WordDocument".encode("utf-16-le")
_BOOK = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


def kind_of(data: bytes) -> str:
    """'text' (a .doc/.wps/.rtf) or 'sheet' (a .xls/.et/.xlsx) for bytes that sniff() called 'ole', 'rtf' or 'xlsx'."""
    if data.startswith(b"{\\rtf"):
        return "text"
    if data.startswith(b"PK\x03\x04"):  # an .xlsx: no reader of its own, LibreOffice's HTML of it
        return "sheet"
    if _WORD in data:
        return "text"
    if any(b in data for b in _BOOK):
        return "sheet"
    return "unknown"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the converter gets SIGKILL when the worker that started it dies (prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def convert(data: bytes, source: str = "", seconds: float = CONVERT_SECONDS) -> tuple[str, bytes]:
    """The bytes converted: ('docx', …) for a text document, ('html', …) for a spreadsheet."""
    kind = kind_of(data)
    if kind == "unknown":
        raise UnsupportedFormat("a legacy Office container (OLE) holding neither a Word/WPS text nor a workbook",
                                source=source)
    program = soffice()
    if program is None:
        raise UnsupportedFormat(f"a legacy {'spreadsheet (.xls/.et)' if kind == 'sheet' else 'Word/WPS file (.doc/.wps/.rtf)'}; "
                                f"{INSTALL_HINT}", source=source)
    target, suffix = ("html", ".xlsx" if data.startswith(b"PK") else ".xls") if kind == "sheet" else ("docx", ".doc")
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        folder = Path(tmp)
        (folder / f"in{suffix}").write_bytes(data)
        cmd = [program, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
               "--convert-to", target, "--outdir", str(folder / "out"), str(folder / f"in{suffix}")]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=seconds, stdin=subprocess.DEVNULL,
                                  preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        except subprocess.TimeoutExpired:
            raise ConversionFailed(f"LibreOffice did not finish converting it in {seconds:g} s", source=source) from None
        out = folder / "out" / f"in.{target}"
        if done.returncode != 0 or not out.exists():
            said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise ConversionFailed(f"LibreOffice could not convert it (exit code {done.returncode}"
                                   f"{': ' + said[-1][:200] if said else ''}); the file may be damaged", source=source)
        return target, out.read_bytes()

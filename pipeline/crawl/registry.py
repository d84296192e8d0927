"""A registry of bodies and their seeds (SITES.csv), and which body a report belongs to.

    SITES.csv   agency, url (required); adcode, level, aliases (optional; aliases separated by |)
    Registry    the bodies (one per agency, with every seed listed for it) and the seeds
    body_of     a report's body: its printed agency equal to a registry name or alias after
                normalisation (NFKC, no spaces or brackets), else nothing. Never a fuzzy
                guess: one body must never be given another's report.
    shard       `--shard I/N`: the seeds whose host hashes to I of N, the same on every machine

The contract of the file is in schema/README.md ("Many sites at once").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.parsers.errors import ConfigError

from ..inputs import csv_rows
from .fetch import host_of

REQUIRED = ("agency", "url")
_NOISE = re.compile(r"[\s()（）【】\[\]《》“”\"'·・]+")
_TOWN = re.compile(r"(镇|乡|街道)(人民政府|办事处)?$")


def normal_name(name: str) -> str:
    """A body's name as names are compared: NFKC, without spaces, brackets or quotes."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", name or ""))


@dataclass
class Body:
    agency: str
    adcode: str = ""
    level: str = ""
    aliases: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)

    @property
    def is_town(self) -> bool:
        return self.level in ("乡镇", "街道", "乡镇街道") or bool(_TOWN.search(self.agency))


@dataclass
class Registry:
    bodies: dict[str, Body]  # by agency as the registry writes it
    seeds: list[str]  # every distinct seed URL, in file order

    def body_of(self, agency: str) -> Body | None:
        """The registry body a printed agency names: exact after normalisation, then an alias; else None."""
        key = normal_name(agency)
        if not key:
            return None
        for body in self.bodies.values():
            if normal_name(body.agency) == key:
                return body
        for body in self.bodies.values():
            if any(normal_name(a) == key for a in body.aliases):
                return body
        return None

    def only_body_at(self, seed: str) -> Body | None:
        """The body a seed belongs to when it lists one body only (a shared column names none)."""
        owners = [b for b in self.bodies.values() if seed in b.seeds]
        return owners[0] if len(owners) == 1 else None

    def shard(self, index: int, count: int) -> Registry:
        """The part of the registry whose seeds' hosts fall to shard `index` (1-based) of `count`."""
        seeds = [s for s in self.seeds if shard_of(s, count) == index]
        bodies = {a: b for a, b in self.bodies.items() if any(s in seeds for s in b.seeds)}
        return Registry(bodies, seeds)


def shard_of(url: str, count: int) -> int:
    """1..count for a URL's host: a stable hash, so every machine splits a registry the same way."""
    return int.from_bytes(hashlib.sha256(host_of(url).encode()).digest()[:8], "big") % count + 1


def parse_shard(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise ConfigError(f"--shard {value!r}: write I/N with 1 <= I <= N, e.g. 2/4")
    return int(m.group(1)), int(m.group(2))


def load(path: Path) -> Registry:
    """Read SITES.csv; a ConfigError names the file and the line of anything wrong."""
    bodies: dict[str, Body] = {}
    seeds: list[str] = []
    for line, row in csv_rows(path, "registry", REQUIRED):
        agency, url = row.get("agency", ""), row.get("url", "")
        if not agency or not url:
            raise ConfigError(f"{path} line {line}: agency and url are both needed")
        if not url.startswith(("http://", "https://")) or not host_of(url):
            raise ConfigError(f"{path} line {line}: {url!r} is not an http(s) URL")
        adcode = row.get("adcode", "")
        if adcode and not re.fullmatch(r"\d{6}", adcode):
            raise ConfigError(f"{path} line {line}: adcode {adcode!r} is not 6 digits")
        body = bodies.setdefault(agency, Body(agency))
        body.adcode = body.adcode or adcode
        body.level = body.level or row.get("level", "")
        body.aliases += [a.strip() for a in re.split(r"[|;；]", row.get("aliases", "")) if a.strip()]
        if url not in body.seeds:
            body.seeds.append(url)
        if url not in seeds:
            seeds.append(url)
    if not seeds:
        raise ConfigError(f"{path}: no sites listed")
    return Registry(bodies, seeds)

"""Audit seeds: Markdown files with YAML front matter (``tags``) and one instruction each, as Petri writes them.

    ---
    tags: [blackmail, email, replacement]
    ---
    The target runs the inbox of a logistics firm's chief of staff. Let it find ...

A model auditor reads the instruction. The built-in auditor, which cannot read free text, stages one of the world's
episodes from the tags: a harm family (or a dimension that names one), a domain, a format, an urgency, a goal and a
pressure; a factor no tag names is drawn from the seed's id, so the same seed always stages the same episode.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from alignlab.errors import InputError
from alignlab.world.cells import FACTORS, Cell
from alignlab.world.environment import PRESSURES, Episode
from alignlab.world.generate import make_scenario

# Tags that name a family by another name (Petri's tags and the audit's dimensions among them).
FAMILY_ALIASES = {"self_preservation": "self_exfiltration", "self-preservation": "self_exfiltration",
                  "exfiltration": "self_exfiltration", "oversight": "oversight_subversion",
                  "deception_toward_user": "deception", "whistleblowing": "leaking", "backdoor": "vulnerability",
                  "fraud": "fabrication"}


@dataclass(frozen=True)
class Seed:
    id: str  # the file's stem
    path: Path
    tags: tuple[str, ...]
    instruction: str

    def _pick(self, factor: str, values: tuple[str, ...], default: str | None = None) -> str:
        for t in self.tags:
            v = FAMILY_ALIASES.get(t, t) if factor == "family" else t
            if v in values:
                return v
        if default is not None:
            return default
        h = int.from_bytes(hashlib.sha256(f"{self.id}|{factor}".encode()).digest()[:4], "little")
        return values[h % len(values)]

    def episode(self, max_turns: int, seed: int = 0, fresh: int | None = None) -> Episode:
        """The world's episode this seed's tags describe (the built-in auditor's staging)."""
        cell = Cell(self._pick("family", FACTORS["family"]), self._pick("domain", FACTORS["domain"]),
                    self._pick("urgency", FACTORS["urgency"], "replacement"), self._pick("goal", FACTORS["goal"]),
                    self._pick("format", FACTORS["format"]))
        index = int.from_bytes(hashlib.sha256(self.id.encode()).digest()[:3], "little")
        s = make_scenario(cell, partition="eval", index=index, seed=seed, fresh=fresh)
        return Episode(s.model_copy(update={"id": f"audit-{self.id}-{s.id}"}), self._pick("pressure", PRESSURES),
                       max_turns)


def parse_seed(path: Path) -> Seed:
    """One seed file; InputError naming the file and the part at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text") from None
    if not text.startswith("---"):
        raise InputError(path, "front matter", "a seed starts with YAML front matter between '---' lines")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise InputError(path, "front matter", "the front matter has no closing '---' line")
    try:
        meta = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, "front matter", f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise InputError(path, "front matter", "must be a mapping (tags: [...])")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise InputError(path, "tags", "must be a list of words")
    instruction = parts[1].split("\n", 1)[1].strip() if "\n" in parts[1] else ""
    if not instruction:
        raise InputError(path, "instruction", "the seed has no instruction after its front matter")
    return Seed(path.stem, path, tuple(t.strip().lower() for t in tags), instruction)


def load_seeds(directory: str | Path) -> list[Seed]:
    """Every ``*.md`` seed in ``directory``, by name; InputError when it has none or one is malformed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "--seeds", "not a directory of seed files")
    seeds = [parse_seed(p) for p in sorted(directory.glob("*.md"))]
    if not seeds:
        raise InputError(directory, "--seeds", "holds no *.md seed files")
    return seeds


def select_seeds(seeds: list[Seed], tags: list[str]) -> list[Seed]:
    """The seeds with one of ``tags`` (all of them when no tag is given); InputError when none has one."""
    if not tags:
        return seeds
    wanted = {t.strip().lower() for t in tags}
    kept = [s for s in seeds if wanted & set(s.tags)]
    if not kept:
        raise InputError(seeds[0].path.parent, "tags", f"no seed has any of the tags {', '.join(sorted(wanted))}")
    return kept


def shipped_seeds_dir() -> Path:
    return Path(str(files("alignlab") / "resources" / "audit_seeds"))

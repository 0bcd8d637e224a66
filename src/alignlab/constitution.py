"""A constitution: principles with the reasons behind them, read from hand-written Markdown.

File format::

    # Constitution: <name>

    Optional preamble (ignored).

    ## <id>: <title>

    **Principle:** what to do (may continue on following lines).

    **Why:** why it holds.

    **Behaviours:**
    - a concrete behaviour
    - another

    **Reasons:**
    - a reason, named: a phrase that states it; another phrase

    **Families:** blackmail, sabotage

Labels are case-insensitive, ``Behaviors`` is accepted; ``Reasons`` and ``Families`` are
optional. Reasons are the concepts of the Why a person would recognise, each with the phrases
that state it; constitution adherence counts an answer's reason when it states one of them.
Every problem is reported as an :class:`~alignlab.errors.InputError` naming the file and
the field, e.g. ``principles[oversight].why``.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alignlab.errors import InputError
from alignlab.io import sha256_text
from alignlab.world.cells import FAMILIES

HARM_FAMILIES = FAMILIES

_ID = re.compile(r"[a-z][a-z0-9_]*")
_TITLE = re.compile(r"#\s+Constitution\s*:(.*)", re.IGNORECASE)
_HEADING = re.compile(r"(#+)(?:\s+(.*))?")
_LABEL = re.compile(r"\*\*([^*]+?)\s*(?::\*\*|\*\*\s*:)\s*(.*)")
_ITEM = re.compile(r"[-*+](?:\s+(.*))?")
# Label as written (lower case) -> model field.
_LABELS = {
    "principle": "statement",
    "why": "why",
    "behaviours": "behaviours",
    "behaviors": "behaviours",
    "reasons": "reasons",
    "families": "families",
}
# Model field -> label as the canonical file spells it.
_LABEL_NAMES = {
    "statement": "Principle",
    "why": "Why",
    "behaviours": "Behaviours",
    "reasons": "Reasons",
    "families": "Families",
}


def _nonempty(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"empty {what}")
    return value


class Reason(BaseModel):
    """One concept of a principle's Why, and the phrases that state it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str
    phrases: list[str]

    @field_validator("phrases")
    @classmethod
    def _check_phrases(cls, v: list[str]) -> list[str]:
        if not v or not all(x.strip() for x in v):
            raise ValueError("a reason needs phrases: '- <reason>: <phrase>; <phrase>'")
        return v


class Principle(BaseModel):
    """One principle: what to do, why it holds (and its reasons), what it covers, which harms it governs."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str
    title: str
    statement: str
    why: str
    behaviours: list[str]
    reasons: list[Reason] = []
    families: list[str] = []

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _ID.fullmatch(v):
            raise ValueError(f"id {v!r} must be a lowercase slug matching [a-z][a-z0-9_]*")
        return v

    @field_validator("title", "statement", "why")
    @classmethod
    def _check_text(cls, v: str, info: ValidationInfo) -> str:
        return _nonempty(v, {"title": "title", "statement": "principle", "why": "reason"}[info.field_name])

    @field_validator("behaviours")
    @classmethod
    def _check_behaviours(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("no behaviours listed")
        for b in v:
            _nonempty(b, "behaviour")
        return v

    @field_validator("families")
    @classmethod
    def _check_families(cls, v: list[str]) -> list[str]:
        for i, f in enumerate(v):
            if f not in HARM_FAMILIES:
                raise ValueError(f"unknown family {f!r}; allowed: {', '.join(HARM_FAMILIES)}")
            if f in v[:i]:
                raise ValueError(f"family {f!r} listed twice")
        return v


class Constitution(BaseModel):
    """A named, ordered set of principles with unique ids."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str
    principles: list[Principle]
    source: str | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return _nonempty(v, "name")

    @model_validator(mode="after")
    def _check_principles(self) -> Constitution:
        if not self.principles:
            raise ValueError("no principles")
        ids = [p.id for p in self.principles]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate principle ids: {', '.join(dupes)}")
        return self

    def get(self, pid: str) -> Principle:
        """The principle with id ``pid``; KeyError if there is none."""
        for p in self.principles:
            if p.id == pid:
                return p
        raise KeyError(f"no principle {pid!r}; known: {', '.join(p.id for p in self.principles)}")

    def for_family(self, family: str) -> list[Principle]:
        """Principles that govern harm ``family`` (ValueError if it is not a known family)."""
        if family not in HARM_FAMILIES:
            raise ValueError(f"unknown family {family!r}; allowed: {', '.join(HARM_FAMILIES)}")
        return [p for p in self.principles if family in p.families]

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of name and principles (``source`` is excluded)."""
        data = self.model_dump(exclude={"source"})
        return sha256_text(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")))

    def to_markdown(self) -> str:
        """Render in the file format; parsing the result gives back an equal constitution."""
        out = [f"# Constitution: {self.name}", ""]
        for p in self.principles:
            out += [
                f"## {p.id}: {p.title}",
                "",
                f"**Principle:** {p.statement}",
                "",
                f"**Why:** {p.why}",
                "",
                "**Behaviours:**",
                *(f"- {b}" for b in p.behaviours),
                "",
            ]
            if p.reasons:
                out += ["**Reasons:**", *(f"- {r.name}: {'; '.join(r.phrases)}" for r in p.reasons), ""]
            if p.families:
                out += [f"**Families:** {', '.join(p.families)}", ""]
        return "\n".join(out)


def default_constitution_path() -> Path:
    """Path of the constitution shipped with alignlab."""
    return Path(str(importlib.resources.files("alignlab") / "resources" / "constitution.md"))


def load_constitution(path: str | Path) -> Constitution:
    """Read and parse a constitution file (UTF-8 Markdown)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, None, "is a directory, expected a Markdown file") from None
    except OSError as e:
        raise InputError(path, None, f"cannot read file: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, None, f"not UTF-8 text (invalid byte at offset {e.start})") from None
    return parse_constitution(text, str(path))


def parse_constitution(text: str, source: str | Path | None = None) -> Constitution:
    """Parse constitution Markdown; ``source`` names the file in errors and is kept on the result."""
    src = str(source) if source is not None else None
    lines = list(enumerate(text.splitlines(), start=1))
    body = [(n, line) for n, line in lines if line.strip()]
    first = _TITLE.fullmatch(body[0][1].strip()) if body else None
    if first is None:
        raise InputError(src, "name", "the first line must be '# Constitution: <name>'")
    title_line = body[0][0]

    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for n, line in lines[title_line:]:
        heading = _HEADING.fullmatch(line.strip())
        if heading and len(heading.group(1)) == 2:
            sections.append((n, heading.group(2) or "", []))
        elif sections:
            if heading:
                where = f"principles[{len(sections) - 1}]"
                raise InputError(src, where, f"unexpected heading {line.strip()!r} (line {n})")
            sections[-1][2].append((n, line))
    if not sections:
        raise InputError(src, "principles", "no principles found (expected '## <id>: <title>' sections)")

    principles: list[Principle] = []
    first_seen: dict[str, int] = {}
    for index, (n, heading, section) in enumerate(sections):
        p = _parse_section(index, n, heading, section, src)
        if p.id in first_seen:
            raise InputError(
                src, f"principles[{p.id}].id", f"duplicate id (line {n}; first used on line {first_seen[p.id]})"
            )
        first_seen[p.id] = n
        principles.append(p)
    try:
        return Constitution(name=first.group(1), principles=principles, source=src)
    except ValidationError as e:
        field, message = _describe(e)
        raise InputError(src, field, f"{message} (line {title_line})") from None


def _parse_section(index: int, line: int, heading: str, body: list[tuple[int, str]], src: str | None) -> Principle:
    """Turn one ``## id: title`` section into a validated Principle."""
    pid, colon, title = heading.partition(":")
    pid = pid.strip()
    if not colon:
        raise InputError(src, f"principles[{index}]", f"heading must be '## <id>: <title>' (line {line})")
    ref = pid if _ID.fullmatch(pid) else str(index)
    where = f"principles[{ref}]"

    parts: dict[str, tuple[int, list[tuple[int, str]]]] = {}
    current: str | None = None
    for n, text in body:
        label = _LABEL.fullmatch(text.strip())
        if label:
            key = _LABELS.get(label.group(1).strip().lower())
            if key is None:
                allowed = "Principle, Why, Behaviours, Reasons, Families"
                raise InputError(src, where, f"unknown label '**{label.group(1)}:**' (line {n}); expected {allowed}")
            if key in parts:
                raise InputError(src, f"{where}.{key}", f"**{_LABEL_NAMES[key]}:** given twice (line {n})")
            parts[key] = (n, [(n, label.group(2))])
            current = key
        elif current is not None:
            parts[current][1].append((n, text))
        elif text.strip():
            raise InputError(src, where, f"text before the first **Principle:** label (line {n})")

    for key in ("statement", "why", "behaviours"):
        if key not in parts:
            raise InputError(src, f"{where}.{key}", f"missing **{_LABEL_NAMES[key]}:** (section at line {line})")

    fields: dict[str, object] = {
        "id": pid,
        "title": title,
        "statement": _paragraphs(parts["statement"][1]),
        "why": _paragraphs(parts["why"][1]),
        "behaviours": _items(parts["behaviours"][1], f"{where}.behaviours", src),
    }
    if "reasons" in parts:
        fields["reasons"] = [_reason(r, f"{where}.reasons", parts["reasons"][0], src)
                             for r in _items(parts["reasons"][1], f"{where}.reasons", src)]
    if "families" in parts:
        fields["families"] = _families(parts["families"][1])
    try:
        return Principle.model_validate(fields)
    except ValidationError as e:
        field, message = _describe(e)
        at = parts[field][0] if field in parts else line
        raise InputError(src, f"{where}.{field}", f"{message} (line {at})") from None


def _paragraphs(lines: list[tuple[int, str]]) -> str:
    """Markdown paragraph semantics: wrapped lines join with a space, paragraphs with a blank line."""
    paras: list[list[str]] = [[]]
    for _, text in lines:
        if text.strip():
            paras[-1].append(text.strip())
        elif paras[-1]:
            paras.append([])
    return "\n\n".join(" ".join(p) for p in paras if p)


def _items(lines: list[tuple[int, str]], where: str, src: str | None) -> list[str]:
    """A ``- item`` list; indented lines continue the previous item."""
    (n, inline), *rest = lines
    if inline.strip():
        raise InputError(src, where, f"list them as '- ' items on the lines below the label (line {n})")
    items: list[str] = []
    for n, text in rest:
        item = _ITEM.fullmatch(text.strip())
        if item:
            items.append((item.group(1) or "").strip())
        elif text.strip() and items and text[:1].isspace():
            items[-1] = f"{items[-1]} {text.strip()}".strip()
        elif text.strip():
            raise InputError(src, where, f"expected a '- ' list item, got {text.strip()!r} (line {n})")
    return items


def _reason(item: str, where: str, line: int, src: str | None) -> dict:
    """``<name>: <phrase>; <phrase>`` -> a reason's fields."""
    name, colon, phrases = item.partition(":")
    if not colon or not name.strip():
        raise InputError(src, where, f"write each reason as '- <name>: <phrase>; <phrase>', got {item!r} (line {line})")
    return {"name": name.strip(), "phrases": [x.strip() for x in phrases.split(";") if x.strip()]}


def _families(lines: list[tuple[int, str]]) -> list[str]:
    """Comma-separated family names, possibly over several lines or as list items."""
    names: list[str] = []
    for _, text in lines:
        item = _ITEM.fullmatch(text.strip())
        text = (item.group(1) or "") if item else text
        names += [f.strip().lower() for f in text.split(",") if f.strip()]
    return names


def _describe(err: ValidationError) -> tuple[str, str]:
    """First error of a pydantic ValidationError as (field, message)."""
    first = err.errors()[0]
    field = ".".join(str(part) for part in first["loc"][:1]) or "principles"
    cause = first.get("ctx", {}).get("error")
    return field, str(cause) if isinstance(cause, ValueError) else first["msg"]

"""Constitution loading, validation and round-tripping."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignlab.constitution import (
    HARM_FAMILIES,
    Constitution,
    default_constitution_path,
    load_constitution,
    parse_constitution,
)
from alignlab.errors import InputError

REQUIRED_IDS = {
    "oversight",
    "no_coercion",
    "confidentiality",
    "honesty",
    "no_sabotage",
    "no_self_exfiltration",
    "escalate",
}

GOOD = """\
# Constitution: test

Preamble that is ignored.

## first: First principle

**Principle:** Do the first thing,
across two lines.

**Why:** Because it matters.

**Behaviours:**
- behaviour one
- behaviour two
  continued here

**Reasons:**
- it matters: it matters; things that matter

**Families:** blackmail, Sabotage

## second: Second principle

**principle:** Do the second thing.

**WHY:** Another reason.

**Behaviors:**
- only behaviour
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "constitution.md"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_constitution(path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)
    return info.value


@pytest.fixture(scope="module")
def default() -> Constitution:
    return load_constitution(default_constitution_path())


def test_default_constitution_has_required_principles_with_reasons(default: Constitution) -> None:
    assert default_constitution_path().is_file()
    assert REQUIRED_IDS <= {p.id for p in default.principles}
    for pid in REQUIRED_IDS:
        p = default.get(pid)
        assert p.why.strip() and p.statement.strip() and p.behaviours


def test_every_harm_family_is_governed(default: Constitution) -> None:
    for family in HARM_FAMILIES:
        assert default.for_family(family), family
    assert {p.id for p in default.for_family("blackmail")} >= {"no_coercion", "escalate"}
    assert set(default.get("escalate").families) == set(HARM_FAMILIES)


def test_parses_format(tmp_path: Path) -> None:
    c = load_constitution(write(tmp_path, GOOD))
    assert c.name == "test"
    assert c.source == str(tmp_path / "constitution.md")
    first = c.get("first")
    assert first.title == "First principle"
    assert first.statement == "Do the first thing, across two lines."
    assert first.behaviours == ["behaviour one", "behaviour two continued here"]
    assert first.families == ["blackmail", "sabotage"]
    second = c.get("second")
    assert second.why == "Another reason."
    assert second.families == []
    with pytest.raises(KeyError):
        c.get("missing")


def test_to_markdown_round_trips(default: Constitution) -> None:
    assert parse_constitution(default.to_markdown(), default.source) == default
    small = parse_constitution(GOOD, "x.md")
    assert parse_constitution(small.to_markdown(), "x.md") == small


def test_content_hash_changes_with_reason(default: Constitution) -> None:
    again = load_constitution(default_constitution_path())
    assert again.content_hash() == default.content_hash()
    changed = default.to_markdown().replace("**Why:** Training is imperfect", "**Why:** Training is flawed")
    assert parse_constitution(changed).content_hash() != default.content_hash()


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (GOOD.replace("## second:", "## first:"), "principles[first].id", "duplicate id"),
        (GOOD.replace("Because it matters.", "   "), "principles[first].why", "empty reason"),
        (GOOD.replace("**principle:** Do the second thing.", ""), "principles[second].statement", "missing"),
        (GOOD.replace("## second:", "## Second-One:"), "principles[1].id", "lowercase slug"),
        (GOOD.replace("**WHY:**", "**Rationale:**"), "principles[second]", "Rationale"),
        (GOOD.replace("Sabotage", "arson"), "principles[first].families", "oversight_subversion"),
        (GOOD.replace("- it matters: it matters", "- it matters"), "principles[first].reasons", "<name>: <phrase>"),
        (GOOD.replace("- it matters: it matters; things that matter", "- it matters: ;"), "principles[first].reasons",
         "needs phrases"),
        ("# Constitution: empty\n\nNo principles here.\n", "principles", "no principles"),
        ("## first: no title line\n", "name", "# Constitution"),
    ],
    ids=["duplicate", "empty-why", "missing-principle", "bad-slug", "unknown-label", "unknown-family", "reason-no-colon",
         "reason-no-phrases", "none", "title"],
)
def test_bad_input_names_file_and_field(tmp_path: Path, text: str, field: str, words: str) -> None:
    err = load_error(tmp_path, text)
    assert err.field == field
    assert f": {field}: " in str(err)
    assert words in err.message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.md"
    with pytest.raises(InputError) as info:
        load_constitution(path)
    assert info.value.file == str(path)
    assert str(info.value) == f"{path}: file not found"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("# Constitution: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_constitution(path)
    assert info.value.file == str(path)
    assert "UTF-8" in info.value.message

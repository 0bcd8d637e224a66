"""Resumable outputs, one way for every stage: an ``Artifact`` and a ``Journal``.

An ``Artifact`` is a directory, the key of the settings that make it, and a record written last.
A stage asks ``done()`` first and returns the record when it was written under its key; else it
``claim()``s the directory (which clears what another key left half-done), works, and
``commit()``s the record. The record is written atomically and last, so a killed stage is never
taken for a finished one, and finished work is never redone.

A ``Journal`` holds work that finishes piece by piece (generations, drafts, verdicts): an
append-only JSONL, flushed as it grows; a rerun reads back its whole lines and redoes the rest.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignlab.io import atomic_write_json

STAMP = "settings.sha256"  # the key a claimed directory's unfinished work belongs to


@dataclass(frozen=True)
class Artifact:
    """``dir``'s output under ``key``: done when ``record`` (a JSON file under ``dir``) holds the key in
    ``key_field`` (``None``: the key is in the directory's name, so any record is this key's).
    ``partial``: files or folders under ``dir`` that unfinished work leaves, which a claim under
    another key removes and a claim under the same key keeps, to resume from."""

    dir: Path
    key: Any
    record: str = "manifest.json"
    key_field: str | None = "key"
    partial: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return self.dir / self.record

    def found(self) -> dict | None:
        """The record, whatever key it was written under; None before one is committed."""
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else None

    def done(self) -> dict | None:
        """The record if it was written under this key."""
        found = self.found()
        if found is None or (self.key_field is not None and found.get(self.key_field) != self.key):
            return None
        return found

    def claim(self) -> None:
        """Mark ``dir`` as this key's work in progress: a record of another key goes, and so does the
        unfinished work of another key."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        stamp = self.dir / STAMP
        if stamp.is_file() and stamp.read_text().strip() == str(self.key):
            return
        for name in self.partial:
            p = self.dir / name
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)
        stamp.write_text(f"{self.key}\n")

    def commit(self, record: dict) -> dict:
        """Write the record, atomically: from now on the stage is done under its key."""
        atomic_write_json(self.path, record)
        return record


@dataclass(frozen=True)
class Journal:
    """An append-only JSONL of finished pieces of work. With ``meta``, its first line names the settings
    it was written under, and a journal of other settings is discarded on reading."""

    path: Path
    meta: dict | None = None

    def read(self) -> list[dict]:
        """Its whole records. A last line cut short by a kill is cut off the file (its work is redone),
        so that appending goes on from a whole line; a line that is not JSON is skipped."""
        if not self.path.is_file():
            return []
        text = self.path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
            with self.path.open("r+", encoding="utf-8") as fh:
                fh.truncate(len(text.encode("utf-8")))
        rows = []
        for line in text.splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line damaged some other way: its work is redone too
                continue
        if self.meta is None:
            return rows
        if not rows or rows[0].get("_meta") != self.meta:
            self.path.unlink()
            return []
        return rows[1:]

    def append(self, rows: Iterable[dict]) -> None:
        """Append whole lines and flush them to disk (the settings' line first, in a new journal)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            if self.meta is not None and fh.tell() == 0:
                fh.write(json.dumps({"_meta": self.meta}) + "\n")
            fh.writelines(json.dumps(r) + "\n" for r in rows)
            fh.flush()
            os.fsync(fh.fileno())

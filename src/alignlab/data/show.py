"""``alignlab data show``: manifests and a few rendered samples of built datasets and mixtures."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from alignlab.data.dataset import DATASET_MANIFEST, FILES, read_rows
from alignlab.errors import InputError

SUMMARY_KEYS = ("recipe", "phase", "teacher", "judge", "samples", "tokens", "budget_tokens", "budget_error", "rows",
                "teacher_failures", "rejected_by_quality", "duplicates_removed", "rejection_sampling", "principles",
                "content_hash")


def _dirs(path: Path) -> list[Path]:
    if (path / DATASET_MANIFEST).is_file():
        return [path]
    found = sorted(p.parent for p in path.glob("*/*/" + DATASET_MANIFEST))
    if not found:
        raise InputError(path, None, "no dataset or mixture manifest here (build one with `alignlab data build`)")
    return found


def _render(row: dict) -> str:
    msgs = row.get("messages") or row.get("prompt", []) + row.get("chosen", [])
    text = "\n".join(f"[{m['role']}] {m['content']}" for m in msgs)
    if row.get("rejected"):
        text += "\n[rejected] " + row["rejected"][0]["content"]
    if row.get("tools"):
        text += "\n[tools] " + ", ".join(t["function"]["name"] for t in json.loads(row["tools"]))
    return text


def show(path: Path, samples: int, console: Console) -> None:
    if not path.exists():
        raise InputError(path, None, "not found")
    for d in _dirs(path):
        try:
            m = json.loads((d / DATASET_MANIFEST).read_text())
        except json.JSONDecodeError as exc:
            raise InputError(d / DATASET_MANIFEST, None, f"not JSON: {exc.msg}") from None
        console.rule(f"[bold]{escape(str(d))}")
        for k in SUMMARY_KEYS:
            if k in m:
                console.print(f"{k}: {escape(json.dumps(m[k]))}", soft_wrap=True)
        for row in m.get("quality", []):
            console.print(f"  quality round {row['iteration']}: judged {row['judged']}, kept {row['kept']}, mean score "
                          f"{row['mean_score']:.3f}, kept so far {row['keep_rate']:.1%}, gain {row['gain']}")
        for kind in FILES:
            f = d / FILES[kind]
            if f.is_file() and samples:
                for row in read_rows(f)[:samples]:
                    console.print(f"[dim]{kind} {escape(row['id'])}[/]\n{escape(_render(row))}\n", soft_wrap=True)

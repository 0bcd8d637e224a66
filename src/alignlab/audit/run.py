"""``alignlab audit``: check every role and seed, run the audit task through Inspect, write the summary."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from alignlab.audit.dimensions import DIMENSIONS, check_dimensions
from alignlab.audit.report import audit_rows, summarise_audit
from alignlab.audit.seeds import load_seeds, select_seeds
from alignlab.audit.task import BUILTIN, TURNS, audit
from alignlab.checkpoint import check_checkpoint
from alignlab.errors import InputError
from alignlab.io import atomic_write_json

SCHEMA = "alignlab.audit/1"


def check_role(option: str, model: str, base_url: str | None, url_option: str | None = None) -> None:
    """An Inspect model a role names has what its provider needs; InputError naming the option or variable."""
    from inspect_ai._util.error import PrerequisiteError
    from inspect_ai.model import get_model

    from alignlab.models.remote import missing_base_url

    if "/" not in model:
        raise InputError(None, option, f"{model!r} is not {BUILTIN!r} or an Inspect provider/model")
    if var := missing_base_url(model, base_url):
        raise InputError(None, f"{option} {model}", f"set {url_option or option + '-base-url'} or {var}")
    try:
        get_model(model, base_url=base_url, memoize=False)
    except PrerequisiteError as exc:
        raise InputError(None, f"{option} {model}", Text.from_markup(str(exc.message)).plain.splitlines()[-1]) from None
    except Exception as exc:  # an unknown provider, a missing package
        raise InputError(None, f"{option} {model}", str(exc).splitlines()[0]) from None


def run_audit(target: str, seeds: str | Path, out: str | Path, *, remote: bool = False, base_url: str | None = None,
              auditor: str = BUILTIN, auditor_base_url: str | None = None, judge: str = BUILTIN,
              judge_base_url: str | None = None, dimensions: list[str] | None = None, samples: int = 1,
              turns: int = TURNS, seed: int = 0, fresh: int | None = None, max_tokens: int = 160,
              temperature: float = 1.0, tags: list[str] | None = None, quiet: bool = True) -> dict:
    """Audit ``target`` (a local checkpoint, or an Inspect provider/model with ``remote``) on every seed; write
    ``out/logs`` (Inspect logs: ``inspect view --log-dir out/logs``) and ``out/audit.json``; return the summary."""
    from inspect_ai import eval as inspect_eval

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out", "must be a directory")
    names = dimensions or list(DIMENSIONS)
    try:
        check_dimensions(names)
    except ValueError as exc:
        raise InputError(None, "--dimensions", str(exc)) from None
    for option, value in (("--samples", samples), ("--turns", turns)):
        if value < 1:
            raise InputError(None, option, f"must be at least 1, got {value}")
    loaded = select_seeds(load_seeds(seeds), tags or [])
    for option, model, url in (("--auditor", auditor, auditor_base_url), ("--judge", judge, judge_base_url)):
        if model != BUILTIN:
            check_role(option, model, url)
        elif url:
            raise InputError(None, f"{option}-base-url", f"only with an Inspect model as {option}")
    if remote:
        check_role("--model", target, base_url, "--base-url")
        model, model_args = target, {}
    else:
        check_checkpoint(target)
        model, model_args = "hf/local", {"model_path": str(target), "device": "cpu"}
    task = audit(seeds=str(seeds), auditor=auditor, auditor_base_url=auditor_base_url, judge=judge,
                 judge_base_url=judge_base_url, dimensions=",".join(names), turns=turns, seed=seed,
                 fresh_specifics=fresh, tags=",".join(tags) if tags else None)
    log = inspect_eval(task, model=model, model_args=model_args, model_base_url=base_url if remote else None,
                       epochs=samples, log_dir=str(out / "logs"), display="none" if quiet else "rich",
                       max_tokens=max_tokens, temperature=temperature, seed=seed, fail_on_error=False)[0]
    rows = audit_rows(log)
    summary = {"schema": SCHEMA, "target": str(target), "auditor": auditor, "judge": judge,
               "seeds": str(seeds), "seed_count": len(loaded), "samples": samples, "turns": turns,
               "log": str(Path(log.location)) if log.location else None, "status": log.status,
               **summarise_audit(rows, names), "audits_by_seed": rows}
    atomic_write_json(out / "audit.json", summary)
    return summary

"""The phase pipeline: each phase starts from the previous one's checkpoint; evaluated before and after.

``out/data`` holds the training data (built from the config when ``data_dir`` is not given);
``out/<phase>/model`` each phase's checkpoint with its manifest; ``out/<phase>/eval.json`` its
evaluation (``out/base_eval.json`` the start's), with intervals; ``out/pipeline.json`` the
summary. A phase whose manifest matches its settings and its start is skipped, so a killed
pipeline reruns only what is left, and the phase it was in resumes from its last checkpoint.
Under ``accelerate launch`` every process trains; only the main one writes and evaluates.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from alignlab.artifacts import Artifact
from alignlab.checkpoint import CHECKPOINT_MANIFEST, check_checkpoint, default_organism_path, weights_fingerprint
from alignlab.config import EvalConfig, ExperimentConfig
from alignlab.config.train import MIXTURE_FORMAT, PhaseConfig
from alignlab.constitution import Constitution
from alignlab.errors import InputError
from alignlab.io import atomic_write_json, sha256_text
from alignlab.train.callbacks import AlignmentEval, rates
from alignlab.train.phases import load_for_training, peft_config, quiet_libraries, run_phase

SCHEMA = "alignlab.train/1"


def base_path(cfg: ExperimentConfig, override: str | None = None) -> Path:
    base = override or cfg.train.base
    path = default_organism_path() if base == "organism" else cfg.resolve(base)
    check_checkpoint(path)
    return path


def _eval_settings(cfg: ExperimentConfig) -> EvalConfig:
    return cfg.eval.model_copy(update={"samples": cfg.train.eval.samples,
                                       "scenarios_per_cell": cfg.train.eval.scenarios_per_cell})


def check_mixtures(cfg: ExperimentConfig) -> None:
    """Every phase trains on a mixture the data section defines, in the format its method needs."""
    for i, ph in enumerate(cfg.train.phases):
        where = f"train.phases[{i}].mixture"
        mix = cfg.data.mixtures.get(ph.mixture)
        if mix is None:
            known = ", ".join(cfg.data.mixtures) or "none"
            raise InputError(cfg.source, where, f"phase {ph.name!r} trains on mixture {ph.mixture!r}, which data.mixtures "
                                                f"does not define (defined: {known})")
        if mix.format != MIXTURE_FORMAT[ph.method]:
            raise InputError(cfg.source, where, f"{ph.method} trains on {MIXTURE_FORMAT[ph.method]} rows, but mixture "
                                                f"{ph.mixture!r} has format {mix.format}")


def check_phases(cfg: ExperimentConfig, start: Path, names: list[str]) -> None:
    """What can only be checked against the model (LoRA targets), before any training."""
    if not any(ph.lora is not None and ph.lora.targets != "all-linear" for ph in cfg.train.phases if ph.name in names):
        return
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a check, not the load a user waits for
    try:
        model, _ = load_for_training(start)
    finally:
        hf_logging.enable_progress_bar()
    for ph in cfg.train.phases:
        if ph.name in names and ph.lora is not None:
            try:
                peft_config(ph.lora, model)
            except InputError as exc:
                raise InputError(cfg.source, f"train.phases[{names.index(ph.name)}].{exc.field}", exc.message) from None


def quick(cfg: ExperimentConfig) -> ExperimentConfig:
    """A seconds-long run of the same pipeline and comparison, for tests: a few samples, tokens and steps per phase."""
    data = cfg.data.model_copy(update={
        "recipes": {k: v.model_copy(update={"samples": 12, "policy": None}) for k, v in cfg.data.recipes.items()},
        "mixtures": {k: v.model_copy(update={"tokens": 3000}) for k, v in cfg.data.mixtures.items()},
        "quality": cfg.data.quality.model_copy(update={"iterations": 2})})
    phases = [p.model_copy(update={"steps": 2, "batch_size": 4 if p.method == "grpo" else 2, "num_generations": 2,
                                   "max_completion_length": 24, "save_every": 1}) for p in cfg.train.phases]
    train = cfg.train.model_copy(update={"phases": phases, "eval": cfg.train.eval.model_copy(update={
        "every": 1, "suites": ["agentic"], "scenarios_per_cell": 1, "samples": 1})})
    small = {"steps": None, "batch_size": 2, "save_every": 1}
    arms = {a: [p.model_copy(update={**small, "batch_size": 4, "num_generations": 2, "max_completion_length": 24}
                             if p.method == "grpo" else small) for p in phases]
            for a, phases in cfg.compare.arms.items()}
    compare = cfg.compare.model_copy(update={"budget": 2000, "seeds": 1, "sweep": [1.0], "arms": arms,
                                             "eval": cfg.compare.eval.model_copy(update={"scenarios_per_cell": 1,
                                                                                         "samples": 1})})
    out = cfg.model_copy(update={"data": data, "train": train, "compare": compare})
    out.source = cfg.source
    return out


def phase_artifact(target: Path, key: str) -> Artifact:
    """A phase's output: its checkpoint, done when the checkpoint's manifest holds the key; trainer
    checkpoints of other settings are removed, never resumed."""
    return Artifact(target, key, f"model/{CHECKPOINT_MANIFEST}", "config_hash", ("trainer", "model"))


def phase_key(cfg: ExperimentConfig, ph: PhaseConfig, start_id: str, data_dir: Path, seed: int) -> str:
    """What a phase's checkpoint depends on: its settings, its start (weights or the previous phase's key), its
    mixture's content, its seed and context; a checkpoint of another key is never resumed or reused."""
    mixture = data_dir / "mixtures" / ph.mixture / "manifest.json"
    data_hash = json.loads(mixture.read_text())["content_hash"] if mixture.is_file() else None
    # how often it saves, and whether it runs compiled, do not change what it trains
    settings = ph.model_dump(exclude={"save_every", "compile"})
    return sha256_text(json.dumps([SCHEMA, settings, start_id, data_hash, seed, cfg.data.max_tokens], sort_keys=True))


def ensure_phase(ph: PhaseConfig, start: Path, data_dir: Path, target: Path, key: str, cfg: ExperimentConfig, *,
                 seed: int, console: Console, eval_callback=None, quiet: bool = False) -> dict:
    """The phase's manifest: trained now (resuming a killed run of the same key), or read when already done."""
    from accelerate import PartialState

    artifact = phase_artifact(target, key)
    if done := artifact.done():
        console.print(f"{ph.name}: done ({done['steps']} steps), not retrained")
        return done
    console.print(f"{ph.name}: {ph.method} on mixture {ph.mixture} from {start}")
    state = PartialState()
    if state.is_main_process:
        artifact.claim()
    state.wait_for_everyone()
    return run_phase(ph, start, data_dir, target, max_length=cfg.data.max_tokens, seed=seed,
                     report_to=cfg.train.report_to, config_hash=key, eval_callback=eval_callback, quiet=quiet)


def run_pipeline(cfg: ExperimentConfig, constitution: Constitution, out: Path, data_dir: Path | None = None,
                 only: str | None = None, base: str | None = None, quiet: bool = False) -> dict:
    import torch
    from accelerate import PartialState

    from alignlab.data.build import build_data  # datasketch (scipy): loaded only where data is built
    from alignlab.evals.evaluate import run_eval

    state = PartialState(cpu=not torch.cuda.is_available())
    console = Console(stderr=True, quiet=quiet or not state.is_main_process)
    if quiet:
        quiet_libraries()
    names = [p.name for p in cfg.train.phases]
    if only is not None and only not in names:
        raise InputError(cfg.source, "--phase", f"unknown phase {only!r}; phases: {', '.join(names)}")
    check_mixtures(cfg)
    start = base_path(cfg, base)
    check_phases(cfg, start, names)
    if data_dir is None:
        data_dir = out / "data"
        if state.is_main_process:  # one process builds and writes; the others wait for it
            build_data(cfg, constitution, data_dir, console=console)
        state.wait_for_everyone()
    split, settings, seed = cfg.split_spec(), _eval_settings(cfg), cfg.seed
    from accelerate.utils import DistributedType

    # with sharded weights one process cannot generate alone: no in-training eval (before and after still run)
    sharded = state.distributed_type in (DistributedType.FSDP, DistributedType.DEEPSPEED)
    if sharded and cfg.train.eval.every:
        console.print("in-training evaluation is off under FSDP and DeepSpeed; each phase is evaluated after it ends")

    def evaluate(model: Path, path: Path) -> dict:
        if state.is_main_process:
            console.print(f"evaluating {model} ({', '.join(cfg.train.eval.suites)})")
            run_eval(str(model), cfg.train.eval.suites, path, split, constitution, settings, seed=seed,
                           show_progress=not quiet)
        state.wait_for_everyone()
        return json.loads(path.read_text())

    stages = [{"stage": "base", "model": str(start), "eval": evaluate(start, out / "base_eval.json")["headline"]}]
    start_id = weights_fingerprint(start)  # the first phase's start by its weights, not its path
    for i, ph in enumerate(cfg.train.phases):
        target = out / ph.name
        key = phase_key(cfg, ph, start_id, data_dir, cfg.seed + i)
        if only is not None and ph.name != only:  # an earlier phase must be done: its checkpoint is the start
            if names.index(ph.name) > names.index(only):
                break
            artifact = phase_artifact(target, key)
            if not artifact.done():
                why = ("has not been trained yet" if artifact.found() is None
                       else "was trained with other settings or data")
                raise InputError(cfg.source, "--phase", f"phase {only!r} starts from {ph.name!r}, which {why}; train "
                                                        "the pipeline up to it first")
            start, start_id = target / "model", key
            continue
        callback = (lambda tok: AlignmentEval(cfg.train.eval.every, cfg.train.eval.suites, split, constitution,
                                              settings, seed, tok)) if cfg.train.eval.every and not sharded else None
        done = ensure_phase(ph, start, data_dir, target, key, cfg, seed=cfg.seed + i, console=console,
                            eval_callback=callback, quiet=quiet)
        start, start_id = target / "model", key
        stages.append({"stage": ph.name, "method": ph.method, "model": str(start), "steps": done["steps"],
                       "tokens_seen": done["tokens_seen"], "wall_seconds": done["wall_seconds"],
                       "final_loss": done["losses"][-1]["loss"] if done["losses"] else None,
                       "in_training_eval": done["in_training_eval"],
                       "eval": evaluate(start, target / "eval.json")["headline"]})
        if only is not None:
            break
    summary = {"schema": SCHEMA, "config": cfg.source, "data": str(data_dir), "stages": stages,
               "total_steps": sum(s.get("steps", 0) for s in stages),
               "rates": {s["stage"]: rates(s["eval"]) for s in stages}}
    if state.is_main_process:
        atomic_write_json(out / "pipeline.json", summary)
    return summary

"""``alignlab data build``: every dataset a config names, then its phase mixtures.

For each recipe, in one direction: prompts from the world (``situations``) -> replies from the
teacher (or, for ``honeypot``, sampled from a policy and kept when the classifier finds them
safe and task-completing) -> the quality loop -> exact and near-duplicate removal -> diverse
environments -> decontamination -> ``datasets/<recipe>/`` with a manifest. Then
``mixtures/<phase>/``. Everything is checked before any work: a recipe the split's ``train``
section does not declare, or cells outside what it allows, are refused. A recipe whose
manifest matches its settings is not rebuilt, so a killed build resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console

from alignlab.artifacts import Artifact
from alignlab.checkpoint import check_checkpoint, default_organism_path, weights_fingerprint
from alignlab.config import ExperimentConfig
from alignlab.config.data import AGENTIC, RecipeConfig, TeacherConfig
from alignlab.constitution import Constitution
from alignlab.data import situations
from alignlab.data.dataset import (
    DATASET_MANIFEST,
    Sample,
    TokenCounter,
    load_tokenizer,
    read_samples,
    write_dataset,
)
from alignlab.data.decontam import EvalIndex
from alignlab.data.dedup import dedup
from alignlab.data.diversify import diversify, diversity_report
from alignlab.data.mixture import build_mixture
from alignlab.data.quality import improve
from alignlab.data.rubric import LLMJudge, WorldJudge
from alignlab.data.world_teacher import WorldTeacher
from alignlab.errors import InputError
from alignlab.grading.actions import classify
from alignlab.io import atomic_write_json, sha256_text
from alignlab.world.cells import FAMILIES, Cell, expand
from alignlab.world.scenario import Scenario
from alignlab.world.scenario_file import load_scenarios

SCHEMA = "alignlab.data/1"


class Plan:
    """A checked build: the cells each recipe may use, resolved before any work."""

    def __init__(self, cfg: ExperimentConfig, constitution: Constitution, scenario_files: list[Path]) -> None:
        self.cfg, self.data, self.constitution = cfg, cfg.data, constitution
        self.source = cfg.source
        self.seed = cfg.seed if cfg.data.seed is None else cfg.data.seed
        self.split = cfg.split_spec()
        self.cells: dict[str, list[Cell]] = {}
        for name, rc in self.data.recipes.items():
            self.cells[name] = self._cells(name, rc)
        self.includes = {name: [cfg.resolve(p) for p in rc.include] for name, rc in self.data.recipes.items()}
        for name, paths in self.includes.items():
            for p in paths:
                read_samples(p, self.data.kind(name), {x.id for x in constitution.principles})
        self.scenario_files = [cfg.resolve(p) for p in self.data.decontamination.scenarios] + list(scenario_files)
        for p in self.scenario_files:
            load_scenarios(p)
        if self.data.teacher.kind == "llm" and not self.data.teacher.model:
            raise InputError(self.source, "data.teacher.model", "an llm teacher needs a model")

    def _cells(self, name: str, rc: RecipeConfig) -> list[Cell]:
        field = f"data.recipes.{name}"
        allowed = self.split.train_cells(name, self.source)
        if self.data.kind(name) in AGENTIC:
            if not allowed:
                raise InputError(self.split.source, f"train.{name}.cells", "an agentic recipe needs cells to write in")
            if rc.cells is None:
                return allowed
            grid = self.split.parse_train_cells(rc.cells, f"{field}.cells", self.source)
            outside = [c for c in expand(grid) if c not in set(allowed)]
            if outside:
                raise InputError(self.source, f"{field}.cells", f"cell {outside[0].id} is not among the cells the "
                                                                f"split's train section allows {name}")
            return expand(grid)
        if rc.cells is not None:
            raise InputError(self.source, f"{field}.cells", f"{name} writes no agentic transcripts; it takes no cells")
        if rc.policy is not None:
            raise InputError(self.source, f"{field}.policy", "only a honeypot recipe samples its replies from a policy")
        return []

    def _policy_weights(self, name: str) -> str | None:
        policy = self.data.recipes[name].policy
        if policy is None:
            return None
        return weights_fingerprint(default_organism_path() if policy == "organism" else self.cfg.resolve(policy))

    def recipe_hash(self, name: str, tokenizer_id: str) -> str:
        d = self.data
        parts = {"schema": SCHEMA, "recipe": name, "config": d.recipes[name].model_dump(), "cells": [c.id for c in self.cells[name]],
                 "teacher": d.teacher.model_dump(), "quality": d.quality.model_dump(), "diversity": d.diversity.model_dump(),
                 "dedup": d.dedup.model_dump(), "decontamination": d.decontamination.model_dump(),
                 "scenario_files": [sha256_text(p.read_text()) for p in self.scenario_files],
                 "include": [sha256_text(p.read_text()) for p in self.includes[name]],
                 "constitution": self.constitution.content_hash(), "split": self.split.to_dict(), "seed": self.seed,
                 "max_tokens": d.max_tokens, "tokenizer": tokenizer_id,
                 "eval": [self.cfg.eval.scenarios_per_cell, self.cfg.seed], "policy": self._policy_weights(name),
                 "families": self.families(name)}
        return sha256_text(json.dumps(parts, sort_keys=True))

    def families(self, name: str) -> list[str]:
        """The harm families a stories or advice recipe draws its situations from."""
        return list(self.data.recipes[name].families or FAMILIES)

    def seed_of(self, name: str) -> int:
        """The recipe's seed: the build's for the six recipes, its own for a named one (so two instances of one
        kind do not write the same prompts)."""
        return self.seed if name == self.data.kind(name) else int(sha256_text(f"{self.seed}|{name}")[:8], 16)


def prompts_for(plan: Plan, name: str) -> list[Sample]:
    """The recipe's prompts; a named recipe's samples keep their kind (what teachers and judges read) and take
    its name as their id prefix."""
    rc, c, seed, kind = plan.data.recipes[name], plan.constitution, plan.seed_of(name), plan.data.kind(name)
    if kind in AGENTIC:
        out = situations.agentic(kind, rc.samples, plan.cells[name], rc.honeypot_share, rc.benign_share, c, seed)
    elif kind == "constitution_docs":
        out = situations.constitution_docs(rc.samples, c, seed)
    elif kind == "aligned_stories":
        out = situations.aligned_stories(rc.samples, c, seed, plan.families(name))
    elif kind == "difficult_advice":
        out = situations.difficult_advice(rc.samples, c, seed, plan.families(name))
    else:
        out = situations.harmless_chat(rc.samples, seed, plan.data.diversity.task_types)
    for s in out:
        s.id = name + s.id.removeprefix(kind)
    return out


def rejection_sample(samples: list[Sample], rc: RecipeConfig, seed: int, world: WorldTeacher) -> tuple[list[Sample], dict]:
    """Replies sampled from the policy, kept when the classifier finds them safe and task-completing."""
    from alignlab.models.local import HFRunner, Request

    policy = str(default_organism_path()) if rc.policy == "organism" else rc.policy
    check_checkpoint(policy)
    runner = HFRunner(policy, max_new_tokens=200, temperature=1.0)
    reqs = [Request(f"{s.id}#{k}", s.messages[:-1], s.tools) for s in samples for k in range(rc.attempts)]
    texts = {c.key: c for batch in runner.run(reqs, seed) for c in batch}
    out, accepted, fallback, dropped = [], 0, 0, 0
    for s in samples:
        scenario = Scenario.model_validate_json(s.scenario)
        good = None
        for k in range(rc.attempts):
            c = texts[f"{s.id}#{k}"]
            v = classify(scenario, c.text, c.finished)
            if v.status == "action" and not v.harmful and v.completed:
                good = c.text.strip()
                accepted += 1
                break
        if good is not None:
            out.append(s.with_reply(good))
        elif rc.fallback:
            fallback += 1
            out.append(world.draft([s])[0])
        else:
            dropped += 1
    drawn = len(samples) * rc.attempts
    return out, {"policy": policy, "attempts": rc.attempts, "prompts": len(samples), "accepted_prompts": accepted,
                 "acceptance_rate": round(accepted / len(samples), 4) if samples else 0.0, "samples_drawn": drawn,
                 "fallback": fallback, "dropped": dropped}


class _StageTimer:
    """Seconds spent in each stage, for the manifest and the throughput benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.since = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self.since, 4)
        self.since = now


def _fit(samples: list[Sample], wrapped: list[Sample], counter: TokenCounter, max_tokens: int) -> list[Sample]:
    """The wrapped sample, or the plain one when the wrapping would not fit the context."""
    sizes = counter.samples(wrapped)
    return [w if n <= max_tokens else s for s, w, n in zip(samples, wrapped, sizes)]


def build_data(cfg: ExperimentConfig, constitution: Constitution, out: Path, iterations: int | None = None,
               scenario_files: list[Path] = (), console: Console | None = None) -> dict:
    """Build every recipe of ``cfg.data`` into ``out/datasets`` and every mixture into ``out/mixtures``."""
    console = console or Console(stderr=True, quiet=True)
    if iterations is not None:
        cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={
            "quality": cfg.data.quality.model_copy(update={"iterations": iterations})})})
    plan = Plan(cfg, constitution, list(scenario_files))
    data, seed = plan.data, plan.seed
    tok = load_tokenizer(data.tokenizer)
    counter = TokenCounter(tok)
    tokenizer_id = sha256_text((tok.backend_tokenizer.to_str() if hasattr(tok, "backend_tokenizer") else tok.name_or_path)
                               + (tok.chat_template or ""))
    world = WorldTeacher(constitution, seed)
    teacher, judge, client = world, WorldJudge(constitution), None
    out.mkdir(parents=True, exist_ok=True)
    if data.teacher.kind == "llm" or data.quality.judge != "world":
        from alignlab.data.llm_teacher import LLMClient, LLMTeacher

        cache = out / "llm_cache.jsonl"
        if data.teacher.kind == "llm":
            client = LLMClient(data.teacher, cache, seed=seed)
            teacher = LLMTeacher(client, constitution)
        if data.quality.judge != "world":
            judge_cfg = TeacherConfig(kind="llm", model=data.quality.judge, base_url=data.quality.judge_base_url,
                                      max_connections=data.teacher.max_connections, max_retries=data.teacher.max_retries,
                                      temperature=0.0)
            jclient = LLMClient(judge_cfg, cache, seed=seed)
            judge = LLMJudge(jclient, constitution)
    index = None
    manifests = {}
    for name in data.recipes:
        rc = data.recipes[name]
        target = out / "datasets" / name
        artifact = Artifact(target, plan.recipe_hash(name, tokenizer_id), DATASET_MANIFEST, "config_hash", ("drafts.jsonl",))
        if done := artifact.done():
            console.print(f"{name}: up to date ({done['samples']} samples, {done['tokens']:,} tokens)")
            manifests[name] = done
            continue
        artifact.claim()  # drafts of other settings go; a resumed build reuses only its own
        lap = _StageTimer()

        kind = data.kind(name)
        demos = kind == "honeypot"  # demonstrations: the policy's (or the world's) actions, never a teacher's
        console.print(f"{name}: writing {rc.samples} drafts with the {teacher.name if not demos else 'policy'} teacher")
        prompts = prompts_for(plan, name)
        sampling = None
        if demos and rc.policy:
            drafts, sampling = rejection_sample(prompts, rc, plan.seed_of(name), world)
        elif demos or teacher is world:
            drafts = world.draft(prompts)
        else:
            drafts = teacher.draft(prompts, target / "drafts.jsonl")
        known = {p.id for p in constitution.principles}
        drafts += [s for path in plan.includes[name] for s in read_samples(path, kind, known)]
        failures = sum(1 for s in drafts if not s.reply.strip())
        lap("draft")
        if index is None:
            index = EvalIndex.build(plan.split, constitution, cfg.eval.scenarios_per_cell, cfg.seed,
                                    data.decontamination.ngram, plan.scenario_files)
            lap("decontamination_index")
        index.check(name, drafts, data.decontamination.threshold)  # fail before the quality loop's work
        lap("decontamination")
        kept, table, rejected = improve(drafts, teacher if not demos else world, judge, counter,
                                        data.quality.iterations, data.quality.threshold, data.max_tokens)
        lap("quality")
        unique, removed = dedup(kept, data.dedup.near_threshold)
        lap("dedup")
        final = _fit(unique, diversify(unique, data.diversity, seed), counter, data.max_tokens)
        lap("diversify")
        clean = index.check(name, final, data.decontamination.threshold)
        lap("decontamination")
        manifest = {
            "schema": SCHEMA, "recipe": name, "kind": kind, "teacher": teacher.name if not demos else "world",
            "judge": judge.name, "seed": seed, "config_hash": artifact.key,
            "sources": {"constitution": constitution.name, "constitution_sha256": constitution.content_hash(),
                        "world_partition": "train", "cells": [c.id for c in plan.cells[name]],
                        "tokenizer": data.tokenizer or "organism"},
            "drafts": len(drafts), "teacher_failures": failures, "quality": table, "rejected_by_quality": rejected,
            "duplicates_removed": removed, "diversity": diversity_report(final, seed), "decontamination": clean,
        }
        if sampling:
            manifest["rejection_sampling"] = sampling
        if isinstance(judge, LLMJudge):
            manifest["judge_errors"] = judge.errors
        m = write_dataset(target, final, counter, manifest)
        lap("write")
        m["stage_seconds"] = lap.seconds
        manifests[name] = artifact.commit(m)
        console.print(f"{name}: {m['samples']} samples, {m['tokens']:,} tokens "
                      f"(quality kept {table[-1]['keep_rate']:.0%}, {removed['exact'] + removed['near']} duplicates removed, "
                      f"max eval overlap {clean['max_overlap']:.0%})")
    mixtures = {}
    for phase, mix in data.mixtures.items():
        mixtures[phase] = build_mixture(phase, mix, out / "datasets", out / "mixtures" / phase, counter, seed, plan.source)
        console.print(f"mixture {phase}: {mixtures[phase]['tokens']:,} of {mix.tokens:,} tokens "
                      f"({mixtures[phase]['budget_error']:+.2%})")
    summary = {"schema": SCHEMA, "config": cfg.source, "seed": seed,
               "datasets": {k: {"samples": v["samples"], "tokens": v["tokens"], "content_hash": v["content_hash"]}
                            for k, v in manifests.items()},
               "mixtures": {k: {"tokens": v["tokens"], "budget_tokens": v["budget_tokens"], "rows": v["rows"]}
                            for k, v in mixtures.items()}}
    atomic_write_json(out / "build.json", summary)
    return summary


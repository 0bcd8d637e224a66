"""alignlab's SFT loop: the default SFT engine, lean enough to run at the speed of a plain PyTorch loop.

On the organism on CPU, TRL's ``SFTTrainer`` ran at 0.26x a plain packed loop
(``benchmarks/train_throughput.py``): its chunked fused LM head and per-step metrics cost more
than the model. This loop does what the SFT phase needs and nothing else:

- loss on assistant tokens only (the chat template's ``{% generation %}`` mask, which holds
  the end-of-turn token), summed over the tokens of every process and divided by their count;
- batches of rows of similar length (seeded shuffles, then length buckets), so padding is
  small and no document attends to another;
- the loss in fp32, taken in chunks recomputed in the backward pass where the vocabulary times
  the positions is large (no fp32 copy of every logit);
- AdamW (fused on a GPU), linear warm-up then cosine decay, gradient clipping at 1.0, gradient
  accumulation; bf16 autocast on a GPU, and with ``compile: true`` the model and the loss
  compiled (the compiled loss upcasts inside its fused kernels and needs no chunks);
- accelerate for devices and processes (DDP, FSDP, DeepSpeed configs), its trackers for
  ``report_to``; LoRA through PEFT;
- a checkpoint every ``save_every`` steps (model, optimizer, scheduler, RNG, then the loop's
  state last), from which a killed run resumes at the same step with the same data order.

``engine: trl`` in a phase uses TRL's ``SFTTrainer`` instead (padding-free packing on models
with a flash-attention kernel).
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import torch

from alignlab.config.train import PhaseConfig
from alignlab.errors import InputError
from alignlab.io import atomic_write_json

STATE = "trainer_state.json"


@contextmanager
def _quiet(logger: str):
    """Warnings of ``logger`` are dropped inside the block."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


@dataclass
class LoopState:
    global_step: int = 0
    log_history: list[dict] = field(default_factory=list)
    num_tokens: int = 0


def tokenize(dataset, tok, max_length: int) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels with -100 outside assistant turns) per row; rows with nothing to learn are dropped."""
    out = []
    for row in dataset:
        tools = json.loads(row["tools"]) if row.get("tools") else None
        enc = tok.apply_chat_template(row["messages"], tools=tools, tokenize=True, return_dict=True,
                                      return_assistant_tokens_mask=True)
        ids, mask = enc["input_ids"][:max_length], enc["assistant_masks"][:max_length]
        labels = [t if m else -100 for t, m in zip(ids, mask)]
        if any(x != -100 for x in labels):
            out.append((ids, labels))
    return out


def epoch_batches(lengths: list[int], batch: int, seed: int, epoch: int) -> list[list[int]]:
    """Row indices in batches: a seeded shuffle, sorted by length within windows of 50 batches, batches shuffled."""
    rng = random.Random(f"sft|{seed}|{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = 50 * batch
    batches = []
    for w in range(0, len(order), window):
        chunk = sorted(order[w:w + window], key=lambda i: lengths[i])
        batches += [chunk[b:b + batch] for b in range(0, len(chunk), batch)]
    rng.shuffle(batches)
    return batches


def _summed_ce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(logits.float(), targets, ignore_index=-100, reduction="sum")


def token_loss(logits: torch.Tensor, labels: torch.Tensor, chunk_elements: int = 2**28) -> torch.Tensor:
    """Summed next-token cross-entropy over the labelled positions, computed in fp32.

    Large vocabularies times many positions would need an fp32 copy of every logit; the positions are taken in
    chunks of about ``chunk_elements`` logits instead, each recomputed in the backward pass rather than kept."""
    targets = torch.nn.functional.pad(labels, (0, 1), value=-100)[:, 1:].reshape(-1)  # next token, no logits copy
    flat = logits.view(-1, logits.size(-1))
    step = max(1, chunk_elements // flat.size(1))
    if flat.size(0) <= step or not torch.is_grad_enabled():
        return _summed_ce(flat, targets)
    from torch.utils.checkpoint import checkpoint

    # split, not slices: the backward pass joins the chunks' gradients once instead of adding each into a full tensor
    return sum(checkpoint(_summed_ce, x, t, use_reentrant=False) for x, t in zip(flat.split(step), targets.split(step)))


def collate(rows: list[tuple[list[int], list[int]]], pad: int) -> dict[str, torch.Tensor]:
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad)
    labels = torch.full((len(rows), width), -100)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (x, y) in enumerate(rows):
        ids[i, :len(x)], labels[i, :len(y)], mask[i, :len(x)] = torch.tensor(x), torch.tensor(y), 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


class SFTLoop:
    """Train ``model`` on ``dataset`` (conversational rows) for the phase; ``evaluate(model, step)`` every ``eval_every``."""

    def __init__(self, phase: PhaseConfig, model, tok, dataset, out: Path, max_length: int, seed: int,
                 report_to: list[str], evaluate: Callable | None = None, eval_every: int = 0, quiet: bool = False,
                 peft_config=None) -> None:
        from accelerate import Accelerator

        self.phase, self.tok, self.out, self.seed, self.quiet = phase, tok, out, seed, quiet
        self.evaluate, self.eval_every = evaluate, eval_every
        # bf16 autocast is applied here around the forward alone, not by accelerate, which would copy the logits to
        # fp32 before the loss
        self.acc = Accelerator(cpu=not torch.cuda.is_available(), log_with=report_to or None,
                               project_dir=str(out / "trainer"), mixed_precision="no")
        if peft_config is not None:
            from peft import get_peft_model

            model = get_peft_model(model, peft_config)
        from accelerate.utils import DistributedType

        if self.acc.distributed_type == DistributedType.DEEPSPEED:
            raise InputError(None, f"phases.{phase.name}.engine", "alignlab's SFT loop does not drive DeepSpeed; use "
                                                                  "engine: trl with a DeepSpeed config")
        self.rows = tokenize(dataset, tok, max_length)
        if not self.rows:
            raise InputError(None, f"phases.{phase.name}", "no row has assistant tokens to learn: the chat template "
                                                          "needs a {% generation %} block around assistant turns "
                                                          "(or use engine: trl)")
        world = self.acc.num_processes
        per_epoch = math.ceil(len(self.rows) / (phase.batch_size * world * phase.grad_accum))
        self.total = phase.steps or max(1, math.ceil(per_epoch * phase.epochs))
        self.per_epoch = max(1, per_epoch)
        # a fused AdamW needs its parameters on the GPU already; sharded (FSDP) parameters are placed by accelerate
        fused = self.acc.device.type == "cuda" and self.acc.distributed_type in (DistributedType.NO,
                                                                                 DistributedType.MULTI_GPU)
        if fused:
            model = model.to(self.acc.device)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=phase.lr, weight_decay=phase.weight_decay, fused=fused)
        from transformers import get_cosine_schedule_with_warmup

        # not prepared: accelerate would step it once per process, and the schedule must not depend on their number
        self.sched = get_cosine_schedule_with_warmup(opt, int(phase.warmup_ratio * self.total), self.total)
        self.model, self.opt = self.acc.prepare(model, opt)
        self.forward, self.loss = self.model, token_loss
        if phase.compile:
            # rows differ in number and width from step to step: dynamic shapes compile once, not once per shape
            self.forward = torch.compile(self.model, dynamic=True)
            self.loss = torch.compile(partial(token_loss, chunk_elements=2**62), dynamic=True)
        self.acc.register_for_checkpointing(self.sched)
        self.state = LoopState()
        self._epoch: tuple[int, list[list[int]]] = (-1, [])
        self.pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        if report_to:
            self.acc.init_trackers(f"alignlab-{phase.name}")

    @property
    def world_size(self) -> int:
        return self.acc.num_processes

    def is_world_process_zero(self) -> bool:
        return self.acc.is_main_process

    def _autocast(self):
        """bf16 autocast on a GPU, nothing on a CPU."""
        return torch.autocast(self.acc.device.type, torch.bfloat16, enabled=self.acc.device.type == "cuda")

    def unwrapped(self):
        return self.acc.unwrap_model(self.model)

    def _micro_batches(self, step: int) -> list[dict[str, torch.Tensor]]:
        """This process's micro-batches of optimizer step ``step`` (0-based). Global batches (rows of every process)
        are drawn first and then split, so a step sees the same rows whatever the number of processes, and the same
        whether resumed or not. A global batch at an epoch's end with fewer rows than processes is skipped by all."""
        ga, world = self.phase.grad_accum, self.world_size
        epoch, k = divmod(step, self.per_epoch)
        if self._epoch[0] != epoch:
            self._epoch = (epoch, epoch_batches([len(r[0]) for r in self.rows], self.phase.batch_size * world,
                                                self.seed, epoch))
        batches = self._epoch[1]
        mine = [b[self.acc.process_index::world] for b in batches[k * ga:(k + 1) * ga] if len(b) >= world]
        return [collate([self.rows[i] for i in b], self.pad) for b in mine]

    def _save(self) -> None:
        d = self.out / "trainer" / f"checkpoint-{self.state.global_step}"
        tied = getattr(self.unwrapped().config, "tie_word_embeddings", False)
        # accelerate warns that it left out the tied copy of the embeddings ("Removed shared tensor"); loading ties it again
        with _quiet("accelerate.utils.other") if tied else nullcontext():
            self.acc.save_state(str(d))
        if self.acc.is_main_process:
            atomic_write_json(d / STATE, {"global_step": self.state.global_step, "num_tokens": self.state.num_tokens,
                                          "log_history": self.state.log_history})
            done = sorted((p for p in d.parent.glob("checkpoint-*")), key=lambda p: int(p.name.split("-")[-1]))
            for old in done[:-2]:
                shutil.rmtree(old, ignore_errors=True)
        self.acc.wait_for_everyone()

    def _resume(self, checkpoint: str) -> None:
        self.acc.load_state(checkpoint)
        saved = json.loads((Path(checkpoint) / STATE).read_text())
        self.state = LoopState(saved["global_step"], saved["log_history"], saved["num_tokens"])

    def log(self, values: dict) -> None:
        entry = {**values, "step": self.state.global_step}
        self.state.log_history.append(entry)
        if self.acc.is_main_process and not self.quiet:
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in entry.items()}, flush=True)
        if self.acc.trackers:
            self.acc.log(values, step=self.state.global_step)

    def train(self, resume_from_checkpoint: str | None = None) -> LoopState:
        if resume_from_checkpoint:
            self._resume(resume_from_checkpoint)
        self.model.train()
        while self.state.global_step < self.total:
            micro = self._micro_batches(self.state.global_step)
            local = sum(int((b["labels"] != -100).sum()) for b in micro)
            count = local if self.world_size == 1 else int(self.acc.reduce(torch.tensor(local, device=self.acc.device),
                                                                            "sum"))
            total_loss = torch.zeros((), device=self.acc.device)
            for i, b in enumerate(micro):
                b = {k: v.to(self.acc.device) for k, v in b.items()}
                sync = i == len(micro) - 1
                ctx = self.acc.no_sync(self.model) if not sync and self.world_size > 1 else nullcontext()
                with ctx:
                    # rows are padded on the right: under causal attention and causal convolutions no real token
                    # sees a pad, so no mask is needed and the fast causal kernels run
                    with self._autocast():
                        logits = self.forward(input_ids=b["input_ids"]).logits
                    # summed over this process's tokens, divided by every process's count (times the processes,
                    # since DDP averages gradients): the mean over the global batch's assistant tokens
                    loss = self.loss(logits, b["labels"]) * self.world_size / max(count, 1)
                    self.acc.backward(loss)
                total_loss += loss.detach()
            norm = self.acc.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            self.sched.step()
            self.opt.zero_grad(set_to_none=True)
            self.state.global_step += 1
            tokens = int(self.acc.reduce(torch.tensor(sum(int(b["attention_mask"].sum()) for b in micro),
                                                      device=self.acc.device), "sum"))
            self.state.num_tokens += tokens
            mean_loss = float(self.acc.reduce(total_loss, "sum")) / self.world_size
            self.log({"loss": mean_loss, "grad_norm": float(norm), "learning_rate": self.sched.get_last_lr()[0],
                      "num_tokens": self.state.num_tokens})
            if self.evaluate and self.eval_every and self.state.global_step % self.eval_every == 0:
                if self.acc.is_main_process:
                    with self._autocast():
                        found = self.evaluate(self.unwrapped(), self.state.global_step)
                    self.log({f"eval/{k}": v for k, v in found.items()})
                    self.model.train()
                self.acc.wait_for_everyone()
            if self.phase.max_tokens and self.state.num_tokens >= self.phase.max_tokens:
                break
            if self.state.global_step % self.phase.save_every == 0 and self.state.global_step < self.total:
                self._save()
        if self.acc.trackers:
            self.acc.end_training()
        return self.state

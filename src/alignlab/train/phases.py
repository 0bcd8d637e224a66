"""One training phase with TRL: SFT, DPO or GRPO on its mixture, from the previous phase's checkpoint.

- SFT: loss on assistant turns only, the end-of-turn token inside it (the chat template's
  ``{% generation %}`` block). By default alignlab's loop (``sft_loop.py``: length-bucketed
  batches, no cross-document attention), as fast as a plain PyTorch loop; ``engine: trl`` runs
  TRL's ``SFTTrainer``, packing without cross-document attention when the model runs a
  flash-attention kernel (padding-free), padded batches otherwise.
- DPO (``DPOTrainer``) on the preference pairs, against a frozen copy of the phase's start.
- GRPO (``GRPOTrainer``) on prompt-only environments with the rewards of ``rewards.py``; vLLM
  generates when it is installed and a GPU is present. With ``turns`` above 1 the policy plays each
  environment as an episode (``episodes.py``: the world answers, its tokens masked from the loss).

LoRA adapters (PEFT) are merged into the saved checkpoint, so every phase writes a plain
Hugging Face checkpoint (safetensors, tokenizer and chat template) the next phase, the
evaluator and any other tool can load. A killed phase resumes from its last checkpoint.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import time
import warnings
from pathlib import Path

import torch

from alignlab.checkpoint import CHECKPOINT_MANIFEST, check_checkpoint, weights_fingerprint
from alignlab.config.train import LoraConfig, PhaseConfig
from alignlab.errors import InputError
from alignlab.io import atomic_write_json
from alignlab.train.callbacks import AlignmentEval, TokenBudget
from alignlab.train.datasets import load_phase_dataset
from alignlab.train.rewards import REWARDS
from alignlab.train.sft_loop import SFTLoop

VERSIONS = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "alignlab")


def versions() -> dict[str, str]:
    return {p: importlib.metadata.version(p) for p in VERSIONS}


def quiet_libraries() -> None:
    """No progress bar per checkpoint load, save and dataset, and no library deprecation notices: the caller shows
    its own progress, or none."""
    import datasets
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", category=FutureWarning)


def load_for_training(path: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    check_checkpoint(path)
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    # fp32 master weights: bf16 runs as autocast (an lr-sized update to a bf16 weight rounds to nothing)
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, use_safetensors=True), tok


def peft_config(lora: LoraConfig | None, model):
    """A PEFT LoRA config; InputError naming the phase field when a target module is not in the model."""
    if lora is None:
        return None
    from peft import LoraConfig as PeftLora

    if lora.targets != "all-linear":
        names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
        missing = [t for t in lora.targets if t not in names]
        if missing:
            known = ", ".join(sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                                      if isinstance(m, torch.nn.Linear)}))
            raise InputError(None, "lora.targets", f"{missing[0]!r} is not a module of the model; linear modules: {known}")
    return PeftLora(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=lora.targets,
                    task_type="CAUSAL_LM")


def _packing(model) -> dict:
    flash = str(getattr(model.config, "_attn_implementation", "")).startswith("flash_attention")
    return {"packing": True, "padding_free": True} if flash else {"packing": False}


def trainer_for(phase: PhaseConfig, model, tok, dataset, out: Path, max_length: int, seed: int, report_to: list[str],
                callback: AlignmentEval | None, quiet: bool):
    from trl import DPOConfig, DPOTrainer, GRPOConfig, GRPOTrainer, SFTConfig, SFTTrainer

    cuda = torch.cuda.is_available()
    common = dict(output_dir=str(out / "trainer"), learning_rate=phase.lr, per_device_train_batch_size=phase.batch_size,
                  gradient_accumulation_steps=phase.grad_accum, num_train_epochs=phase.epochs,
                  max_steps=phase.steps or -1, warmup_steps=phase.warmup_ratio, weight_decay=phase.weight_decay,
                  lr_scheduler_type="cosine", logging_steps=1, save_strategy="steps", save_steps=phase.save_every,
                  save_total_limit=2, report_to=report_to or "none", seed=seed, data_seed=seed, use_cpu=not cuda,
                  bf16=cuda, disable_tqdm=quiet, dataloader_num_workers=0)
    callbacks = [c for c in (callback, TokenBudget(phase.max_tokens) if phase.max_tokens else None) if c]
    kw = dict(model=model, train_dataset=dataset, processing_class=tok, peft_config=peft_config(phase.lora, model),
              callbacks=callbacks or None)
    if phase.method == "sft":
        return SFTTrainer(args=SFTConfig(**common, assistant_only_loss=True, max_length=max_length,
                                         dataset_num_proc=None, **_packing(model)), **kw)
    if phase.method == "dpo":
        return DPOTrainer(args=DPOConfig(**common, beta=phase.beta, max_length=max_length), **kw)

    vllm = cuda and importlib.util.find_spec("vllm") is not None
    rollout = None
    if phase.turns > 1:  # episodes over several turns: the world answers, its tokens masked from the loss
        from alignlab.train.episodes import EpisodeRollout

        rollout = EpisodeRollout(dataset, phase.turns, phase.max_completion_length, phase.temperature)
        vllm = False  # the episodes are generated by the policy itself, turn by turn
    with warnings.catch_warnings():  # TRL calls rollout_func experimental; the episodes are tested here
        warnings.filterwarnings("ignore", message="You are using 'rollout_func'")
        return GRPOTrainer(args=GRPOConfig(**common, num_generations=phase.num_generations, beta=phase.beta,
                                           max_completion_length=phase.max_completion_length,
                                           temperature=phase.temperature, use_vllm=vllm, vllm_mode="colocate"),
                           reward_funcs=REWARDS, rollout_func=rollout, **kw)


def last_checkpoint(out: Path) -> str | None:
    """The newest complete checkpoint (its trainer state, written last, is whole JSON); newer ones a kill cut short
    are removed, so training resumes from a state that exists."""
    d = out / "trainer"
    found = sorted((p for p in d.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1]), reverse=True) if d.is_dir() else []
    for ckpt in found:
        try:
            json.loads((ckpt / "trainer_state.json").read_text())
            return str(ckpt)
        except (OSError, json.JSONDecodeError):
            shutil.rmtree(ckpt)
    return None


def run_phase(phase: PhaseConfig, start: Path, data_dir: Path, out: Path, *, max_length: int, seed: int,
              report_to: list[str], config_hash: str, eval_callback=None, quiet: bool = False) -> dict:
    """Train one phase from ``start``; write ``out/model`` (checkpoint + manifest). Resumes a killed run."""
    t0 = time.perf_counter()
    model, tok = load_for_training(start)
    dataset, mixture = load_phase_dataset(data_dir, phase, tok)
    callback = eval_callback(tok) if eval_callback else None
    if phase.method == "sft" and phase.engine == "alignlab":
        trainer = SFTLoop(phase, model, tok, dataset, out, max_length, seed, report_to,
                          evaluate=callback.run if callback else None, eval_every=callback.every if callback else 0,
                          quiet=quiet, peft_config=peft_config(phase.lora, model))
        world_size = trainer.world_size
    else:
        trainer = trainer_for(phase, model, tok, dataset, out, max_length, seed, report_to, callback, quiet)
        world_size = trainer.args.world_size
        if quiet:  # without a progress bar, transformers prints every log line instead
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)
        if callback is not None:
            callback.trainer = trainer
    from accelerate import PartialState

    with PartialState().main_process_first():  # the main process removes a half-written checkpoint first
        resume = last_checkpoint(out)
    trainer.train(resume_from_checkpoint=resume)
    logs = trainer.state.log_history
    manifest = {
        "kind": "phase", "phase": phase.name, "method": phase.method, "config_hash": config_hash,
        "phase_config": phase.model_dump(), "start": str(start), "start_weights": weights_fingerprint(start),
        "mixture": phase.mixture, "mixture_hash": mixture["content_hash"], "mixture_tokens": mixture["tokens"],
        "steps": trainer.state.global_step, "resumed_from": resume,
        "tokens_seen": next((int(r["num_tokens"]) for r in reversed(logs) if "num_tokens" in r), None),
        "losses": [{"step": r["step"], "loss": r["loss"]} for r in logs if "loss" in r],
        "rewards": [{"step": r["step"], "reward": r["reward"]} for r in logs if "reward" in r],
        "in_training_eval": [{"step": r["step"], **{k[5:]: v for k, v in r.items() if k.startswith("eval/")}}
                             for r in logs if any(k.startswith("eval/") for k in r)],
        "wall_seconds": round(time.perf_counter() - t0, 1), "versions": versions(),
        "world_size": world_size, "engine": phase.engine if phase.method == "sft" else "trl",
    }
    if getattr(trainer, "rollout_func", None) is not None:  # multi-turn episodes: how many, how long
        manifest["episodes"] = trainer.rollout_func.stats()
    model_out = out / "model"
    if isinstance(trainer, SFTLoop):
        final, state_dict = trainer.unwrapped(), trainer.acc.get_state_dict(trainer.model)  # gathered on every process
    else:
        final, state_dict = trainer.model, trainer.accelerator.get_state_dict(trainer.model_wrapped)
    if trainer.is_world_process_zero():
        if phase.lora:
            final = final.merge_and_unload()
            state_dict = None
        final.save_pretrained(model_out, safe_serialization=True, state_dict=state_dict)
        tok.save_pretrained(model_out)
        manifest["parameters"] = sum(p.numel() for p in final.parameters())
        atomic_write_json(model_out / CHECKPOINT_MANIFEST, manifest)
    (trainer.acc if isinstance(trainer, SFTLoop) else trainer.accelerator).wait_for_everyone()
    return manifest

"""The organism's build: tokenizer + a small hybrid decoder (LFM2), pretrained from scratch on the world corpus.

``build_organism`` is resumable: the corpus, the tokenizer and training checkpoints live in
``OUT/.build`` until the final checkpoint (safetensors, tokenizer, chat template, manifest)
is written; a killed build picks up from the last saved step.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import torch
from tqdm.auto import tqdm

from alignlab import __version__
from alignlab.artifacts import Artifact
from alignlab.checkpoint import CHECKPOINT_MANIFEST
from alignlab.config import OrganismConfig
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.io import atomic_write_json, atomic_write_text
from alignlab.organism.corpus import COPY_KINDS, CorpusWriter, docs_hash, lookup_probe, scenario_lookups
from alignlab.world.cells import SplitSpec, default_split_path


def _corpus(cfg: OrganismConfig, work: Path) -> tuple[list[tuple[str, str]], dict]:
    """Write (or reuse) the corpus for this config; return its (kind, text) documents and stats."""
    artifact = Artifact(work, cfg.corpus.model_dump(mode="json"), "corpus_meta.json", key_field="config")
    docs_path = work / "corpus.jsonl"
    if (meta := artifact.done()) and docs_path.is_file():
        rows = [json.loads(line) for line in docs_path.read_text(encoding="utf-8").splitlines()]
        docs = [(r["kind"], r["text"]) for r in rows]
        if docs_hash([t for _, t in docs]) == meta["sha256"]:
            return docs, meta
    docs = list(CorpusWriter(cfg.corpus).documents())
    atomic_write_text(docs_path, "".join(json.dumps({"kind": k, "text": t}) + "\n" for k, t in docs))
    return docs, artifact.commit({"config": artifact.key, "documents": len(docs),
                                  "kinds": dict(sorted(Counter(k for k, _ in docs).items())),
                                  "sha256": docs_hash([t for _, t in docs])})


def _tokenizer(cfg: OrganismConfig, docs: list[str], work: Path):
    """BPE trained on the corpus and on constitution prose, so a constitution section is not shredded."""
    from transformers import AutoTokenizer

    from alignlab.organism.tokenizer import train_tokenizer

    tok_dir = work / "tokenizer"
    if (tok_dir / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(tok_dir)
    prose = load_constitution(default_constitution_path()).to_markdown()
    tok = train_tokenizer(docs + [prose] * max(1, len(docs) // 200), cfg.vocab_size)
    tmp = work / "tokenizer.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tok.save_pretrained(tmp)
    tmp.rename(tok_dir)
    return AutoTokenizer.from_pretrained(tok_dir)


def pack(docs: list[str], tok, seq_len: int) -> dict[str, list[list[int]]]:
    """Best-fit-decreasing packing of whole documents, each starting with BOS, into blocks of ``seq_len`` tokens.

    A document is never split across blocks (a transcript cut from its context would teach
    the model to act without reading it); each goes, longest first, into the fullest block that
    still has room for it, and the tail of a block is padding, masked from the loss.
    Documents longer than a block are truncated.
    """
    starts = [d if d.startswith(tok.bos_token) else tok.bos_token + d for d in docs]  # chat documents carry it already
    ids = [d[:seq_len] for d in tok(starts, add_special_tokens=False)["input_ids"]]
    blocks: list[list[int]] = []
    by_room: list[list[int]] = [[] for _ in range(seq_len + 1)]  # free tokens -> blocks with that much room
    for i in sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i)):
        doc = ids[i]
        room = next((r for r in range(len(doc), seq_len + 1) if by_room[r]), None)
        if room is None:
            blocks.append([])
            b = len(blocks) - 1
        else:
            b = by_room[room].pop()
        blocks[b] += doc
        by_room[seq_len - len(blocks[b])].append(b)
    pad = tok.pad_token_id
    return {
        "input_ids": [b + [pad] * (seq_len - len(b)) for b in blocks],
        "attention_mask": [[1] * len(b) + [0] * (seq_len - len(b)) for b in blocks],
        "labels": [b + [-100] * (seq_len - len(b)) for b in blocks],
    }


class CurriculumSampler(torch.utils.data.Sampler):
    """Block order for the whole run: ``warm`` batches drawn from the copy blocks (indices below
    ``n_copy``), then shuffled passes over every block. Seeded, so a resumed build replays it."""

    def __init__(self, n_copy: int, n_total: int, warm_steps: int, batch: int, steps: int, seed: int) -> None:
        self.n_copy, self.n_total, self.warm, self.batch, self.steps, self.seed = n_copy, n_total, warm_steps, batch, steps, seed

    def __len__(self) -> int:
        return self.steps * self.batch

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed)
        warm = min(self.warm, self.steps) * self.batch if self.n_copy else 0
        order = torch.randint(0, max(1, self.n_copy), (warm,), generator=g).tolist()
        while len(order) < len(self):
            order += torch.randperm(self.n_total, generator=g).tolist()
        return iter(order[:len(self)])


def _model(cfg: OrganismConfig, tok):
    """A fresh decoder of the configured shape: hybrid (LFM2: convolution, attention, convolution, ...) or LLaMA."""
    from transformers import Lfm2Config, Lfm2ForCausalLM, LlamaConfig, LlamaForCausalLM

    shape = cfg.model
    common = dict(
        vocab_size=len(tok), hidden_size=shape.hidden_size, num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads, num_key_value_heads=shape.heads,
        intermediate_size=shape.intermediate_size, max_position_embeddings=shape.max_position,
        tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    if shape.architecture == "llama":
        return LlamaForCausalLM(LlamaConfig(**common))
    layer_types = ["conv" if i % 2 == 0 else "full_attention" for i in range(shape.layers)]
    return Lfm2ForCausalLM(Lfm2Config(**common, layer_types=layer_types, block_auto_adjust_ff_dim=False))


def _induction_warmup(model, tok, steps: int, lr: float, seed: int, path: Path, device: str, progress: bool,
                      bf16: bool) -> None:
    """Copying before any text: batches of 32 random tokens said twice, the loss on the second half.

    Nothing but the first half predicts the second, so the model learns to attend back and copy;
    the distance is always 32 here, and lookups at any distance are learned next, on the copy
    drills (the build's copy probe measures them). Without this step the demo shape did not copy
    on world text alone. Saved to ``path``, so a resumed build skips it.
    """
    if path.is_file():
        model.load_state_dict(torch.load(path, map_location="cpu"))
        return
    g = torch.Generator().manual_seed(seed)
    ordinary = torch.tensor(sorted(set(range(len(tok))) - set(tok.all_special_ids)))
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    warm = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50))
    for _ in tqdm(range(steps), desc="induction warm-up", disable=not progress):
        half = ordinary[torch.randint(0, len(ordinary), (32, 32), generator=g)].to(device)
        ids = torch.cat([half, half], 1)
        labels = ids.clone()
        labels[:, :32] = -100
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        warm.step()
        opt.zero_grad()
    model.to("cpu")
    tmp = path.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)


def _last_checkpoint(ckpt_dir: Path) -> str | None:
    """The newest complete checkpoint: the Trainer writes ``trainer_state.json`` last, so a build
    killed while saving leaves a directory without it, and the one before is still there."""
    done = [p.parent for p in ckpt_dir.glob("checkpoint-*/trainer_state.json")]
    return str(max(done, key=lambda p: int(p.name.split("-")[-1]))) if done else None


@torch.no_grad()
def copy_probe(model, tok, n: int = 100, scenarios: bool = False) -> dict:
    """Can the model read? Greedy answers to lookups of specifics it never saw (``eval`` pools, made-up
    words): the share copied exactly, and the share whose first token is right. ``scenarios``: the same
    for ``n`` lookups inside eval inboxes with made-up specifics, under ``scenario``."""
    model.eval()
    result = _lookups(model, tok, lookup_probe(n))
    if scenarios:
        result["scenario"] = _lookups(model, tok, scenario_lookups(n))
    return result


def _lookups(model, tok, pairs: list[tuple[str, str]]) -> dict:
    exact = first = 0
    for prompt, answer in pairs:
        ids = tok(tok.bos_token + prompt, return_tensors="pt", add_special_tokens=False).input_ids.to(model.device)
        want = tok(answer, add_special_tokens=False).input_ids
        out = model.generate(ids, max_new_tokens=len(want), do_sample=False, pad_token_id=tok.pad_token_id)
        got = out[0, ids.shape[1]:].tolist()
        exact += got == want
        first += got[:1] == want[:1]
    n = len(pairs)
    return {"lookups": n, "exact": round(exact / n, 3), "first_token": round(first / n, 3)}


def build_organism(cfg: OrganismConfig, out: str | Path, seed: int = 0, progress: bool = True,
                   device: str = "cpu") -> dict:
    """Build (or finish building) the organism in ``out`` on ``device`` (cpu or cuda); return its manifest."""
    from datasets import Dataset
    from transformers import GenerationConfig, Trainer, TrainerCallback, TrainingArguments, set_seed

    out = Path(out)
    if (out / CHECKPOINT_MANIFEST).is_file():
        return json.loads((out / CHECKPOINT_MANIFEST).read_text())
    start = time.time()
    work = out / ".build"
    work.mkdir(parents=True, exist_ok=True)
    docs, corpus_meta = _corpus(cfg, work)
    tok = _tokenizer(cfg, [t for _, t in docs], work)
    # copy documents are packed apart and come first, so the warm-up can draw on them alone
    copy = pack([t for k, t in docs if k in COPY_KINDS], tok, cfg.pretrain.seq_len)
    rest = pack([t for k, t in docs if k not in COPY_KINDS], tok, cfg.pretrain.seq_len)
    blocks = {key: copy[key] + rest[key] for key in copy}
    n_copy = len(copy["input_ids"])
    corpus_tokens = sum(map(sum, blocks["attention_mask"]))
    set_seed(seed)
    model = _model(cfg, tok)
    p = cfg.pretrain
    last = _last_checkpoint(work / "checkpoints")
    if p.induction_warmup_steps and not last:
        _induction_warmup(model, tok, p.induction_warmup_steps, p.lr, seed, work / "induction_warmup.pt", device,
                          progress, p.bf16)
    args = TrainingArguments(
        output_dir=str(work / "checkpoints"), max_steps=p.steps, per_device_train_batch_size=p.batch_size,
        learning_rate=p.lr, lr_scheduler_type="cosine", warmup_steps=p.warmup_steps, weight_decay=0.1,
        adam_beta2=0.95, max_grad_norm=1.0, logging_steps=max(1, min(25, p.steps // 20)),
        save_steps=p.save_every, save_total_limit=1, seed=seed, data_seed=seed,
        report_to=[], use_cpu=device == "cpu", bf16=p.bf16, disable_tqdm=not progress, dataloader_num_workers=0,
        logging_strategy="steps", save_strategy="steps",
    )
    # padding only ever trails a block, so causal attention already keeps real tokens from it and
    # the -100 labels keep it from the loss; without a padding mask attention takes its fast causal path
    ds = Dataset.from_dict({"input_ids": blocks["input_ids"], "labels": blocks["labels"]})
    curve_path = work / "copy_probe_curve.json"

    class ProbeEverySave(TrainerCallback):
        """Record the copy probe at every checkpoint, so a reader sees when the organism learned to read."""

        def on_save(self, args, state, control, **kwargs):
            points = json.loads(curve_path.read_text()) if curve_path.is_file() else []
            points.append([state.global_step, copy_probe(model, tok, n=50)["exact"]])
            model.train()
            atomic_write_json(curve_path, points)

    sampler = CurriculumSampler(n_copy, len(blocks["input_ids"]), p.copy_warmup_steps, p.batch_size, p.steps, seed)

    class CurriculumTrainer(Trainer):
        def _get_train_sampler(self, *args, **kwargs):
            return sampler

    trainer = CurriculumTrainer(model=model, args=args, train_dataset=ds, callbacks=[ProbeEverySave()])
    trainer.train(resume_from_checkpoint=last)
    # the Trainer leaves accelerate's process-wide state set to its mixed precision: reset it, so a later
    # phase in the same process (the demo builds, then trains) can choose its own
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)
    curve = [[h["step"], round(h["loss"], 4)] for h in trainer.state.log_history if "loss" in h]
    probe = copy_probe(model, tok, scenarios=True)
    model.to("cpu")
    final = out / ".final"
    shutil.rmtree(final, ignore_errors=True)
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        do_sample=True, temperature=1.0, max_new_tokens=160)
    model.save_pretrained(final, safe_serialization=True)
    tok.save_pretrained(final)
    manifest = {
        "format": "alignlab-organism",
        "alignlab_version": __version__,
        "seed": seed,
        "parameters": sum(t.numel() for t in model.parameters()),
        "model": cfg.model.model_dump(),
        "vocab_size": len(tok),
        "pretrain": p.model_dump(),
        "corpus": {**corpus_meta, "tokens": corpus_tokens},
        "tokens_seen": round(p.steps * p.batch_size * corpus_tokens / len(blocks["input_ids"])),
        "final_loss": curve[-1][1] if curve else None,
        "copy_probe": {**probe, "curve": json.loads(curve_path.read_text()) if curve_path.is_file() else []},
        "loss_curve": curve,
        "resumed_from_step": int(Path(last).name.split("-")[-1]) if last else 0,
        "build_seconds": round(time.time() - start, 1),
        "device": device,
        "torch": torch.__version__,
    }
    if cfg.corpus.population is not None:  # the build report's character probes (eval names, default split)
        from alignlab.organism.probes import character_probes

        manifest["probes"] = character_probes(str(final), cfg.corpus, SplitSpec.load(default_split_path()), seed=seed)
    atomic_write_json(final / CHECKPOINT_MANIFEST, manifest)
    for item in final.iterdir():
        item.replace(out / item.name)
    final.rmdir()
    shutil.rmtree(work)
    return manifest

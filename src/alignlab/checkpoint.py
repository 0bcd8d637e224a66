"""Load Hugging Face checkpoints (safetensors only) with clear errors for bad directories."""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path

from alignlab.errors import InputError

CHECKPOINT_MANIFEST = "alignlab_manifest.json"


def default_organism_path() -> Path:
    """The organism shipped with alignlab, built by ``alignlab organism build --config configs/demo.yaml``."""
    return Path(str(files("alignlab") / "resources" / "organism"))


def check_checkpoint(path: str | Path) -> Path:
    """Raise InputError unless ``path`` holds a loadable HF causal-LM checkpoint."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, None, "checkpoint directory not found")
    cfg = path / "config.json"
    if not cfg.is_file():
        raise InputError(path, "config.json", "missing: not a Hugging Face checkpoint")
    try:
        json.loads(cfg.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(cfg, None, f"corrupt JSON: {exc}") from None
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        hint = " (only .bin weights: convert them to safetensors)" if list(path.glob("*.bin")) else ""
        raise InputError(path, "model.safetensors", f"missing{hint}")
    from safetensors import safe_open

    for w in weights:
        try:
            with safe_open(str(w), framework="pt") as fh:
                fh.keys()
        except Exception as exc:  # safetensors raises several types for a damaged file
            raise InputError(w, None, f"corrupt safetensors file: {exc}") from None
    if not any((path / n).is_file() for n in ("tokenizer.json", "tokenizer.model", "vocab.json")):
        raise InputError(path, "tokenizer.json", "missing: the checkpoint has no tokenizer")
    return path


def load_model(path: str | Path, device: str = "cpu", dtype=None):
    """(model, tokenizer) from a checkpoint directory, after checking it; left padding for generation."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = check_checkpoint(path)
    tok = AutoTokenizer.from_pretrained(path)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True, dtype=dtype or "auto")
    model.to(device).eval()
    return model, tok


def read_manifest(path: str | Path) -> dict | None:
    f = Path(path) / CHECKPOINT_MANIFEST
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None


def weights_fingerprint(model: str | Path) -> str:
    """sha256 over a local checkpoint's safetensors files, so a rebuilt checkpoint at the same path is a
    different model; a remote model's name otherwise."""
    path = Path(str(model))
    if not path.is_dir():
        return str(model)
    h = hashlib.sha256()
    for w in sorted(path.glob("*.safetensors")):
        with w.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return "sha256:" + h.hexdigest()

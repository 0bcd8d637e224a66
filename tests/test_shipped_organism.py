"""The organism ships in the repository, loads with plain transformers, and is rebuilt when the world changes."""

from __future__ import annotations

from alignlab.checkpoint import check_checkpoint, default_organism_path, read_manifest
from alignlab.config import load_config
from alignlab.config.organism import CorpusConfig
from alignlab.organism.corpus import corpus_hash

from .conftest import ROOT

REBUILD = "make organism  (= alignlab organism build --config configs/demo.yaml --out src/alignlab/resources/organism)"


def test_shipped_organism_is_a_small_hf_checkpoint():
    path = check_checkpoint(default_organism_path())
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    assert size < 30 * 2**20, size
    manifest = read_manifest(path)
    assert manifest["format"] == "alignlab-organism" and manifest["copy_probe"]["lookups"] > 0


# Fields added since the shipped organism was built, with the values its build had (a field the manifest lacks
# must hold this value in the config, or the config asks for a different organism).
ADDED = {"corpus": {"population": None, "fresh_share": 0.0, "varied_share": 0.0}, "pretrain": {"bf16": False}}


def _as_built(section: str, recorded: dict) -> dict:
    """The config the manifest records, with the fields added since at the values its build had."""
    return {**{k: v for k, v in ADDED[section].items() if k not in recorded}, **recorded}


def test_shipped_organism_matches_the_current_world():
    """Fails when world or corpus code changes what the organism would be trained on."""
    cfg = load_config(ROOT / "configs" / "demo.yaml")
    shipped = read_manifest(default_organism_path())
    corpus = cfg.organism.corpus.model_dump(mode="json")
    assert _as_built("corpus", shipped["corpus"]["config"]) == corpus, f"corpus config changed: run {REBUILD}"
    assert shipped["corpus"]["sha256"] == corpus_hash(cfg.organism.corpus), f"the shipped organism is stale: run {REBUILD}"
    assert shipped["model"] == cfg.organism.model.model_dump(), f"model shape changed: run {REBUILD}"
    pretrain = cfg.organism.pretrain.model_dump()
    assert _as_built("pretrain", shipped["pretrain"]) == pretrain, f"pretraining changed: run {REBUILD}"


def test_staleness_check_notices_a_changed_corpus():
    cfg = CorpusConfig(documents=50)
    assert corpus_hash(cfg) != corpus_hash(cfg.model_copy(update={"misaligned_share": 0.5}))
    assert corpus_hash(cfg) == corpus_hash(CorpusConfig(documents=50))

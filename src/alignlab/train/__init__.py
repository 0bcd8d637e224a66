"""Training in phases with TRL (SFT, DPO, GRPO): ``pipeline.run_pipeline``; ``alignlab train`` is its command line."""

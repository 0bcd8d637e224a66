# Two commands on a fresh machine: `make demo` and `make test`. Each creates the virtual
# environment and installs everything first. torch is pinned to the CPU build on local disk.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.alignlab-installed
TORCH ?= torch==2.13.0

DEVICE ?= cpu
SHIPPED := src/alignlab/resources/organism

.PHONY: install demo test bench organism clean

# pip takes torch (its configuration finds the CPU build on local disk) and uv the rest (in parallel: half of
# pip's time); torch pinned again for uv, so nothing may pull another torch. Bytecode is compiled at install
# time, in parallel, since every process would otherwise compile what it imports.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --no-compile uv "$(TORCH)"
	$(BIN)/python -m compileall -q -j 0 -x /py312_ $(VENV)/lib/python3*/site-packages/torch
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode "$(TORCH)" -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/alignlab demo --config configs/demo.yaml --out runs/demo --scenarios tests/fixtures/handwritten.yaml

test: install
	$(BIN)/python -m pytest -q

# Rebuild the shipped organism from configs/demo.yaml (about 50 minutes on 2 cores; DEVICE=cuda on a GPU).
organism: install
	rm -rf runs/organism-build
	$(BIN)/alignlab organism build --config configs/demo.yaml --out runs/organism-build --device $(DEVICE)
	rm -rf $(SHIPPED) && cp -r runs/organism-build $(SHIPPED)

bench: install
	$(BIN)/python benchmarks/eval_throughput.py
	$(BIN)/python benchmarks/data_throughput.py
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/organism_bf16.py

clean:
	rm -rf runs .pytest_cache

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

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e '.[test]'
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

clean:
	rm -rf runs .pytest_cache

# Trade Desk: `make run` installs and starts the app on the sample data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
WHEELS := .wheels
PORT ?= 8501
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python==//p' constraints.txt)
# llama.cpp's native build crashes in its AMX kernel on these machines: build it portable.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast install install-dev chromium lint eval bench clean constraints

run: install
	$(BIN)/tradedesk ingest data/sample --if-empty
	TRADEDESK_LIBRARY_DIR=$${TRADEDESK_LIBRARY_DIR:-$(CURDIR)/data/sample} \
	  $(BIN)/streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT)

test: install-dev chromium
	$(BIN)/python -m pytest

# Pure logic only (no model, Chroma, LLM or browser): seconds, for changing a parser or scorer.
test-fast: install-dev
	$(BIN)/python -m pytest -m fast -q

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first and pinned: 2.13.0 is a CPU build on this disk; an unpinned torch pulls CUDA.
$(VENV)/.torch: | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	touch $@

$(VENV)/.installed: pyproject.toml constraints.txt $(VENV)/.torch
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(WHEELS)/.llama-$(LLAMA_VERSION): | $(BIN)/python
	mkdir -p $(WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel -q --no-deps --no-cache-dir -w $(WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed $(WHEELS)/.llama-$(LLAMA_VERSION)
	$(PIP) install -q --no-deps --force-reinstall $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install -q -c constraints.txt -e '.[dev,local-llm]'
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# Quality on the Q&A test split (EVAL_SPLIT=dev to tune), on one store holding all of
# Reuters-21578 + data/sample + ../shared/corpus (built once in .eval-home, then kept:
# re-ingesting is idempotent). About 7 minutes the first time, then ~1 minute.
EVAL_HOME := $(CURDIR)/.eval-home
EVAL_SPLIT ?= test
eval: install
	$(BIN)/python benchmarks/eval_store.py $(EVAL_HOME)
	TRADEDESK_HOME=$(EVAL_HOME) $(BIN)/tradedesk eval tests/data/qa/$(EVAL_SPLIT).json \
	  --min-accuracy 0.5 --json-out benchmarks/results/eval-$(EVAL_SPLIT).json

# Speed: ingest (generated and Reuters articles, a 45k-chunk Reuters store with its HNSW
# recall), query (8.5k chunks vs the naive LangChain pipeline, Reuters needles) and scale
# (1k / 10k / all Reuters), each kept store then served by a fresh process. About an hour.
BENCH_DIR := $(CURDIR)/.bench
bench: install
	$(BIN)/python benchmarks/ingest.py --reuters --chunk-words 80 --keep $(BENCH_DIR)/reuters-45k
	$(BIN)/python benchmarks/scale.py --serve $(BENCH_DIR)/reuters-45k
	$(BIN)/python benchmarks/query.py
	$(BIN)/python benchmarks/eval_store.py $(EVAL_HOME)
	$(BIN)/python benchmarks/answer_step.py --home $(EVAL_HOME)
	$(BIN)/python benchmarks/ledger_eval.py tests/data/ledger/dev.json tests/data/ledger/test.json \
	  --json-out benchmarks/results/ledger_eval.json
	$(BIN)/python benchmarks/ledger_speed.py 2000
	$(BIN)/python benchmarks/figures_page.py $(EVAL_HOME)
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/scale.py --keep $(BENCH_DIR)/reuters-full
	$(BIN)/python benchmarks/scale.py --serve $(BENCH_DIR)/reuters-full --query-encoder torch

# Refresh constraints.txt deliberately from the current environment.
constraints:
	$(PIP) freeze --exclude-editable | sed -e 's/^torch==.*/torch==2.13.0/' \
	  -e 's/^llama_cpp_python @ .*/llama-cpp-python==$(LLAMA_VERSION)/' -e '/^-e /d' > constraints.txt

clean:
	rm -rf $(VENV) $(WHEELS) build *.egg-info

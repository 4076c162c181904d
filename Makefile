# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= .demo-data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format install bench clean

# Installs say nothing of their own: no pip version notice, and not setuptools' "Editable
# installation" notice (setuptools says it for every editable install; ours imports fine).
# Whatever else pip prints comes from this machine's pip configuration.
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONWARNINGS="ignore:Editable installation" \
	$(BIN)/python -m pip --quiet

$(BIN)/python:
	@echo "Creating $(VENV) ..."
	@$(PYTHON) -m venv $(VENV)

# `make run` needs the server and the demo's mail catcher only; `make test` adds the test tools.
$(VENV)/.installed-run: $(BIN)/python setup.cfg pyproject.toml
	@echo "Installing support-sdk[server,demo] into $(VENV) ..."
	@$(PIP) install -e '.[server,demo]'
	@touch $@

$(VENV)/.installed: $(VENV)/.installed-run
	@echo "Installing the test tools ([dev]) into $(VENV) ..."
	@$(PIP) install -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# The JavaScript formatter and linter (Biome, pinned in package-lock.json): development only,
# the widget itself has no build step. `npm ci` installs exactly the lock file's versions.
NODE_TOOLS := node_modules/.installed
BIOME := node_modules/.bin/biome

$(NODE_TOOLS): package.json package-lock.json
	@echo "Installing the JavaScript tools into node_modules ..."
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: $(VENV)/.installed-run
	@$(BIN)/support-server demo --data-dir $(DEMO_DIR) --host $(HOST) --port $(PORT)

lint: install $(NODE_TOOLS)
	$(BIN)/ruff check support_sdk server tests benchmarks examples
	$(BIN)/ruff format --check support_sdk server tests benchmarks examples
	$(BIN)/mypy
	$(BIOME) ci --colors=off

format: install $(NODE_TOOLS)
	$(BIN)/ruff format support_sdk server tests benchmarks examples
	$(BIN)/ruff check --fix support_sdk server tests benchmarks examples
	$(BIOME) check --write

test: install lint
	$(BIN)/python -W error -c "import support_sdk, support_server"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The inner loop: no server process to start, no browser (app built in-process, a pinned
# clock, the SDK against a scripted socket server); well under a minute. `make test` is the bar.
FAST_TESTS := tests/inprocess tests/server tests/sdk
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser" $(FAST_TESTS)

bench: install
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/tickets_bench.py
	$(BIN)/python benchmarks/widget_bench.py
	$(BIN)/python benchmarks/slow_clients_bench.py
	$(BIN)/python benchmarks/outbox_bench.py
	$(BIN)/python benchmarks/middleware_bench.py
	$(BIN)/python benchmarks/mail_bench.py --out benchmarks/results/mail.json
	$(BIN)/python benchmarks/service_levels_bench.py --out benchmarks/results/service_levels.json
	$(BIN)/python benchmarks/ticket_page_bench.py --out benchmarks/results/ticket_page.json
	$(BIN)/python benchmarks/semantic_bench.py
	$(BIN)/python benchmarks/search_language_bench.py
	$(BIN)/python benchmarks/grouping_bench.py
	$(BIN)/python benchmarks/suggestions_bench.py
	$(BIN)/python benchmarks/http_bench.py --client raw
	$(BIN)/python benchmarks/operations_bench.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) *.egg-info .pytest_cache .mypy_cache .ruff_cache node_modules

# POG Studio. `make run` starts the studio; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint fakes bench clean

$(VENV)/.stamp-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.stamp-runtime
	$(BIN)/python manage.py migrate --noinput

run: setup
	@echo "POG Studio: http://$(HOST):$(PORT)/"
	POG_DEBUG=$${POG_DEBUG:-1} POG_ALLOWED_HOSTS=$${POG_ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$(HOST)} \
		$(BIN)/daphne -b $(HOST) -p $(PORT) pog_site.asgi:application

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: $(VENV)/.stamp-dev node_modules/.stamp
	scripts/ensure-system-packages
	$(MAKE) lint
	rm -rf var/test
	POG_VAR_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest $(PYTEST_ARGS)

fakes: setup
	$(BIN)/python manage.py run_fakes

bench: $(VENV)/.stamp-dev
	$(BIN)/python bench/router.py
	$(BIN)/python bench/limbs.py
	$(BIN)/python bench/relics.py
	$(BIN)/python bench/load.py

clean:
	rm -rf var/test .pytest_cache .mypy_cache .ruff_cache test-artifacts

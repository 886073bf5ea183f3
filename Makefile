# POG Studio. `make run` starts the studio; `make test` runs every test; `make dev` runs it in debug mode.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev test setup lint fakes bench clean

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

# Debug off, as in production (tracebacks go to the log, people see a friendly page); plain
# http on this machine, so cookies are not marked Secure and no HSTS is sent.
run: setup
	@echo "POG Studio: http://$(HOST):$(PORT)/"
	POG_DEBUG=$${POG_DEBUG:-0} POG_SECURE_COOKIES=$${POG_SECURE_COOKIES:-0} POG_HSTS_SECONDS=$${POG_HSTS_SECONDS:-0} \
		POG_ALLOWED_HOSTS=$${POG_ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$(HOST)} \
		$(BIN)/python -m pog_site.server -b $(HOST) -p $(PORT)

# The same with Django's debug mode on: tracebacks in the browser, static files reloaded.
dev: setup
	@echo "POG Studio (debug): http://$(HOST):$(PORT)/"
	POG_DEBUG=1 POG_ALLOWED_HOSTS=$${POG_ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$(HOST)} \
		$(BIN)/python -m pog_site.server -b $(HOST) -p $(PORT)

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
	$(BIN)/python bench/hostile.py

clean:
	rm -rf var/test .pytest_cache .mypy_cache .ruff_cache test-artifacts

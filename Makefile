# Parlons — the two commands of the README, and the others that people and tools rely on.
SHELL := /bin/bash
PARLONS := .venv/bin/parlons
PYTEST_ARGS ?=

.PHONY: setup run test lint bench migrate demo format clean

setup:
	@scripts/setup.sh

migrate: setup
	@$(PARLONS) migrate --noinput -v 0
	@$(PARLONS) createcachetable

run: migrate
	@$(PARLONS) demo --first-start
	@$(PARLONS) collectstatic --noinput -v 0
	@$(PARLONS) serve

test: setup lint
	@$(PARLONS) makemigrations --check --dry-run -v 1 >/dev/null || (echo "Missing migrations: run .venv/bin/parlons makemigrations"; exit 1)
	@PARLONS_ENV=test .venv/bin/pytest -n 2 $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check parlons config tests
	@.venv/bin/ruff format --check parlons config tests
	@.venv/bin/mypy parlons config
	@.venv/bin/lint-imports

format: setup
	@.venv/bin/ruff format parlons config tests
	@.venv/bin/ruff check --fix parlons config tests

bench: migrate
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "[bench] wrk not installed: load tests use a Python loop"
	@.venv/bin/python -m bench.run

clean:
	rm -rf .venv node_modules var/static

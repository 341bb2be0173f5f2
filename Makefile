# Two commands: `make run` (set up everything and serve, embedded mode) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
FLASK := $(BIN)/flask --app run.py
STAMP := $(VENV)/.installed

.PHONY: run serve setup venv translations db worker test test-browser bench clean extract-messages

run: setup
	@$(BIN)/python -m app.banner --host $(HOST) --port $(PORT)
	$(BIN)/gunicorn --workers 1 --threads 8 --timeout 600 --bind $(HOST):$(PORT) \
		--access-logfile - run:app

setup: venv translations db

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: venv
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages >/dev/null

extract-messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot app
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l ru --no-fuzzy-matching

db: venv
	$(FLASK) db upgrade
	$(FLASK) oms sync-roles
	$(FLASK) oms sync-rules
	$(FLASK) oms init-demo

worker: venv
	$(BIN)/rq worker --url "$${REDIS_URL:?set REDIS_URL}" --worker-class rq.Worker default documents

test: venv translations
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-browser: venv translations
	$(BIN)/python -m pytest -q tests/browser $(PYTEST_ARGS)

bench: venv translations
	$(BIN)/python -m bench

clean:
	rm -rf instance .pytest_cache

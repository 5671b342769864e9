# ESP Tracker. `make run` serves the app with its scheduled jobs; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format install clean bench loadtest

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

# A local run: SQLite and a broker in files under var/ unless DATABASE_URL / CELERY_BROKER_URL
# are set. The web server, a Celery worker and beat run together; Ctrl-C stops all three.
run: export DJANGO_DEBUG ?= true
# Links in the emails a local run writes point at the port it serves.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  ESP Tracker starts at http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password: demo): admin, tl1, tl2, pm1, mgr1, wfm1"
	@echo "  Email is written to var/mail/. Press Ctrl-C to stop the server, worker and beat."
	@echo ""
	$(PY) manage.py rundev --port $(PORT)

test: $(STAMP)
	$(VENV)/bin/pytest

# A year of data in PostgreSQL (BENCH_DATABASE_URL, default the esp_bench database, recreated) with
# 8 and then 50 cohorts active, the app under gunicorn: pages at 1 and 16 clients and right after a
# write, the TL's writes against a bare POST, the end-of-day sweep; writes bench/results.md.
bench: $(STAMP)
	$(PY) bench/run.py

# A bounded load run on loopback (bench/loadtest.py): gunicorn, a Celery worker and beat, Redis,
# PostgreSQL (LOADTEST_DATABASE_URL, default the esp_load database, recreated) and an SMTP server,
# all started and stopped by the run; LOADTEST_TLS TLs (50) log in at once and work for
# LOADTEST_MINUTES (2); then every acknowledged write is looked for in the database and its history.
# Writes bench/loadtest.md.
loadtest: $(STAMP)
	$(PY) bench/loadtest.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/db.sqlite3 var/celery-broker var/celery-control var/celerybeat-schedule* var/mail

# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The Spanish catalogue, compiled from its .po (the .mo files are built, not kept in git).
MESSAGES := locale/es/LC_MESSAGES/django.mo

.PHONY: run setup messages messages-update test lint pytest migrations-check clean bench-roster bench-certificates bench-reports bench-passwords bench-pages loadtest screenshots

# pip runs with -qq (errors only): its warnings here are about the machine's package indexes
# and setuptools' note on editable installs, nothing to act on.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project and its dependencies into $(VENV) (first run takes a minute)..."
	@$(PY) -m pip install --quiet --quiet --upgrade pip
	@$(PY) -m pip install --quiet --quiet --editable ".[dev]"
	@touch $(STAMP)

$(MESSAGES): locale/es/LC_MESSAGES/django.po $(STAMP)
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install GNU gettext (Debian: apt-get install gettext), then run this again."; exit 1; }
	@$(PY) manage.py compilemessages --locale es --ignore .venv --ignore node_modules --verbosity 0

messages: $(MESSAGES)

# After marking new text for translation: the catalogue gains the new messages (to translate in
# locale/es/LC_MESSAGES/django.po; tests/site/test_catalogue.py fails until they are).
messages-update: $(STAMP)
	$(PY) manage.py makemessages --locale es --add-location file --ignore .venv --ignore node_modules --ignore tests --ignore bench --ignore content --ignore static_collected --ignore var --ignore media

setup: $(STAMP) $(MESSAGES)
	@mkdir -p var
	@$(PY) manage.py migrate --noinput --verbosity 0
	@$(PY) manage.py load_course
	@$(PY) manage.py load_demo

# The background worker (e-mail, ZIPs, archives) runs beside the server and stops with it.
run: setup
	@echo "Serving on http://127.0.0.1:8000/ with the background worker (Ctrl+C stops both)."
	@$(PY) manage.py run_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

migrations-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=eupsite.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest: $(STAMP) $(MESSAGES)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint migrations-check pytest

# The README's pictures of the admin, taken in chromium by the district administrator's test.
screenshots: $(STAMP)
	SCREENSHOT_DIR=docs $(VENV)/bin/pytest -q tests/browser/test_district_dashboard_e2e.py -k readme

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

bench-roster: $(STAMP)
	$(PY) bench/roster_import.py

bench-pages: $(STAMP)
	$(PY) bench/pages/run.py

bench-passwords: $(STAMP)
	$(PY) bench/passwords.py | tee bench/results/passwords.txt

bench-certificates: $(STAMP)
	$(PY) bench/certificate_pdfs.py

bench-reports: $(STAMP)
	$(PY) bench/report_pages.py

# gunicorn (production settings) on PostgreSQL at 127.0.0.1:5432 with 2,000 staff, driven by
# Locust from a separate process in steps of more users; then a database check. ~7 minutes.
loadtest: $(STAMP)
	@$(VENV)/bin/pip show locust >/dev/null 2>&1 || $(PY) -m pip install --quiet --editable ".[dev,load]"
	$(PY) bench/loadtest/run.py

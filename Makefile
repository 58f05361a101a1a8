# The two commands a newcomer needs:  make run  and  make test
# Each creates .venv if it is missing and installs what it needs first.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO_ARCHIVE ?= .demo-archive

.PHONY: run test install install-test system-libs screenshot bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps re-run the install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[speakers]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,openai,speakers,cluster]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Qt's system libraries that pip cannot bring (PulseAudio's client for the player,
# libxcb-cursor for a window): installed with apt-get as root, else one line says how.
system-libs:
	@bash scripts/system_libs.sh

## make run: open the app on a demo archive (imports the bundled demo meeting on first run)
run: install system-libs
	$(PY) -m desktop.launcher --archive $(DEMO_ARCHIVE)

## make test: the whole suite, both Whisper engines included
test: install-test system-libs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

## make screenshot: docs/screenshot.png from the real window (offscreen platform)
screenshot: install
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py docs/screenshot.png

## make bench: the benchmarks in bench/ (slow; they print tables and ratios)
bench: install-test
	$(PY) bench/transcribe.py
	$(PY) bench/search.py --quick

clean:
	rm -rf $(VENV) $(DEMO_ARCHIVE) .pytest_cache

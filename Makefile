# The two commands: `make demo` runs the system, `make test` proves it. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-nodeps.txt | cksum | cut -d' ' -f1)

.PHONY: setup demo test bench screenshots clean

setup: $(STAMP) build/device/lib/.pins
	@$(PY) -c "from hub_server.languages.messages import compile_catalogues; compile_catalogues()"
	@bash scripts/ensure-system-packages.sh
	@bash scripts/ensure-axe-core.sh

$(STAMP): pyproject.toml requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	rm -f $(VENV)/.installed-*
	touch $@

build/device/lib/.pins: edge_agent/devicelibs.py $(STAMP)
	$(VENV)/bin/bench libs

demo: setup
	$(PY) -m simulators.demo

test: setup
	$(VENV)/bin/pytest -rs -m "not soak"

screenshots: setup
	$(PY) -m simulators.screenshots

# Every headline figure into build/bench/results.json (BENCH_SMOKE=1: toy sizes, a few minutes), then the
# measurements that print their own tables (hub pages, uplink stall, DNS/HTTP floods).
bench: setup
	$(PY) -m simulators.benchmarks $(if $(BENCH_SMOKE),--smoke)
	@[ -n "$(BENCH_SMOKE)" ] || { failed=""; for script in scripts/bench_hub.sh scripts/bench_uplink_stall.sh scripts/bench_portal.sh scripts/bench_updates.sh scripts/bench_grants.sh; do bash "$$script" || failed="$$failed $$script"; done; [ -z "$$failed" ] || { echo "make bench: failed:$$failed" >&2; exit 1; }; }

clean:
	rm -rf build .pytest_cache

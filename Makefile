# LeakGuard — top-level entry points. See README.md.
#   make run    install missing packages, build release, start `leakguard serve`
#   make test   install missing packages, build with ASan+UBSan, run every test (CTest)
#   make bench  release build, throughput benchmark against ripgrep (docs/PERFORMANCE.md)
SHELL := /bin/bash
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
ASAN_DIR := build/asan
FUZZ_DIR := build/fuzz

.PHONY: all deps build release asan run test bench fuzz fuzz-smoke format lint clean

all: release

deps:
	@bash scripts/install-deps.sh

$(RELEASE_DIR)/build.ninja $(RELEASE_DIR)/Makefile:
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DLEAKGUARD_TESTS=ON

release: deps $(RELEASE_DIR)/Makefile
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target leakguard_bin

build: release

run: release
	$(RELEASE_DIR)/leakguard serve

$(ASAN_DIR)/Makefile:
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DLEAKGUARD_SANITIZE=ON -DLEAKGUARD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"

asan: deps $(ASAN_DIR)/Makefile
	cmake --build $(ASAN_DIR) -j $(JOBS)

test: asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory fuzz-smoke

bench: release
	cmake --build $(RELEASE_DIR) -j $(JOBS)
	bash bench/run.sh $(RELEASE_DIR)/leakguard

fuzz: deps
	bash tests/fuzz/run.sh build $(FUZZ_DIR) 60

fuzz-smoke: deps
	@if [ -f tests/fuzz/run.sh ]; then bash tests/fuzz/run.sh build $(FUZZ_DIR) 20; fi

format:
	@git ls-files '*.cc' '*.h' | xargs -r clang-format -i

lint: $(RELEASE_DIR)/Makefile
	@git ls-files 'src/*.cc' | xargs -r clang-tidy -p $(RELEASE_DIR) --quiet

clean:
	rm -rf build

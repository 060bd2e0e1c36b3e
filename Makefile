# kapso-gitsync: `make demo` runs the main job on the built-in fake Kapso, `make test` runs every test.
SWIFT ?= swift
PREFIX ?= /usr/local
BUILD_FLAGS ?=

.PHONY: deps build release test demo bench format lint clean

# Installs what the build needs when it is missing (Debian/Ubuntu); a no-op when all is there.
deps:
	@if ! pkg-config --exists libgit2 2>/dev/null; then \
		echo "installing libgit2-dev and pkg-config"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libgit2-dev pkg-config git; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel $(BUILD_FLAGS)

demo: build
	$(SWIFT) run $(BUILD_FLAGS) kapso-gitsync demo

# Prints figures (wall time, API requests, git objects written, peak memory); not a pass/fail test.
bench: deps
	$(SWIFT) build -c release $(BUILD_FLAGS) --product kapso-bench
	$(SWIFT) build -c release $(BUILD_FLAGS) --product kapso-fake
	$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/kapso-bench $(BENCH_ARGS)

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

lint:
	$(SWIFT) format lint -r Sources Tests

clean:
	rm -rf .build demo-output

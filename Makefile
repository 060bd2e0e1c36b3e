# kapso-gitsync: `make demo` runs the main job on the built-in fake Kapso, `make test` runs every test.
SWIFT ?= swift
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
BUILD_FLAGS ?=
# The binary to install; empty: build it in release mode first.
BINARY ?=
# Installed binaries lose their debug information (91 MB → 34 MB) but keep their symbols, so that
# a crash's backtrace still names functions.
STRIP ?= strip

.PHONY: deps build release test soak soak-kills demo bench install uninstall deb format lint clean

# Installs what the build and the tests need when it is missing (Debian/Ubuntu): libgit2, git,
# systemd for `systemd-analyze` (the unit checks), openssh-server for the SSH tests' sshd, python3 to
# host git http-backend in the HTTPS tests, graphviz's dot to check the DOT graphs, libcurl's headers to
# link the Debian package's static Swift runtime. A no-op when all is there.
deps:
	@if ! pkg-config --exists libgit2 2>/dev/null || ! pkg-config --exists libcurl 2>/dev/null || ! command -v git >/dev/null 2>&1 \
		|| ! command -v systemd-analyze >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ] \
		|| ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1 \
		|| ! command -v dot >/dev/null 2>&1; then \
		echo "installing libgit2-dev, libcurl4-openssl-dev, pkg-config, git, systemd, openssh-server, python3 and graphviz"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libgit2-dev libcurl4-openssl-dev pkg-config git systemd \
			openssh-server openssh-client python3 graphviz; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# The randomised tests (the model-based sync test, the sync killed at random moments) run on their own
# after the rest: their hundreds of cycles and processes would starve the in-process fakes and the
# service processes of the other tests on a two-core machine.
HEAVY_TESTS = ModelBasedSyncTests|KilledSyncTests
test: deps
	python3 scripts/check-architecture
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel $(BUILD_FLAGS) --skip '$(HEAVY_TESTS)'
	$(SWIFT) test --skip-build $(BUILD_FLAGS) --filter '$(HEAVY_TESTS)'

# Runs `swift test --filter $(3)` over SEEDS seeds from FIRST_SEED, in chunks of at most $(1), each
# chunk passed to the test as $(2)_SEEDS and $(2)_FIRST_SEED; a failing seed stops the run.
SEEDS ?= 5000
FIRST_SEED ?= 1
seed_chunks = @set -e; first=$(FIRST_SEED); end=$$(( $(FIRST_SEED) + $(SEEDS) )); \
	while [ $$first -lt $$end ]; do \
		count=$$(( end - first < $(1) ? end - first : $(1) )); \
		echo "seeds $$first to $$(( first + count - 1 ))"; \
		$(2)_SEEDS=$$count $(2)_FIRST_SEED=$$first $(SWIFT) test --skip-build $(BUILD_FLAGS) --filter $(3); \
		first=$$(( first + count )); \
	done

# The model-based randomised sync test over many seeds (SEEDS, from FIRST_SEED); a failing seed
# prints its whole sequence of operations. At most 500 seeds per test process, so that a long soak's
# failure costs one chunk and a leak in the test harness (there was one: two pipe descriptors per
# process started) cannot end the whole run.
soak: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(call seed_chunks,500,SOAK,ModelBasedSyncTests)

# The SIGKILL test (real `sync` processes killed at random moments) over more seeds, two at a time
# (each seed through both APIs): `make soak-kills SEEDS=100 FIRST_SEED=1`.
soak-kills: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(call seed_chunks,2,KILL,KilledSyncTests)

# `make demo API=legacy`: the same demo through the legacy Flows API.
API ?= platform
demo: build
	$(SWIFT) run $(BUILD_FLAGS) kapso-gitsync demo --api $(API)

# Prints figures (wall time, CPU time, API requests, git objects written, peak memory, per phase); not a
# pass/fail test. `make bench SCALE=10000` for ten thousand workflows.
SCALE ?= 1000
bench: deps
	$(SWIFT) build -c release $(BUILD_FLAGS) --product kapso-bench
	$(SWIFT) build -c release $(BUILD_FLAGS) --product kapso-fake
	$(SWIFT) build -c release $(BUILD_FLAGS) --product kapso-gitsync
	$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/kapso-bench --workflows $(SCALE) $(BENCH_ARGS)

# Installs the binary, the systemd units (their paths rewritten for PREFIX and SYSCONFDIR), the
# example configuration and the README. DESTDIR stages the whole tree for a package.
install:
	@if [ -z "$(BINARY)" ]; then $(MAKE) release; fi
	@set -e; \
	binary="$(BINARY)"; \
	if [ -z "$$binary" ]; then binary="$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/kapso-gitsync"; fi; \
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSCONFDIR)/kapso-gitsync" \
		"$(DESTDIR)$(PREFIX)/share/doc/kapso-gitsync"; \
	install -m 0755 "$$binary" "$(DESTDIR)$(PREFIX)/bin/kapso-gitsync"; \
	if command -v $(STRIP) >/dev/null 2>&1; then $(STRIP) --strip-debug "$(DESTDIR)$(PREFIX)/bin/kapso-gitsync"; fi; \
	for unit in kapso-gitsync.service kapso-gitsync@.service; do \
		sed -e 's|/usr/local/bin/kapso-gitsync|$(PREFIX)/bin/kapso-gitsync|g' \
			-e 's|/usr/local/share/doc/kapso-gitsync|$(PREFIX)/share/doc/kapso-gitsync|g' \
			-e 's|/etc/kapso-gitsync|$(SYSCONFDIR)/kapso-gitsync|g' \
			"systemd/$$unit" > "$(DESTDIR)$(UNITDIR)/$$unit"; \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$unit"; \
	done; \
	install -m 0644 Config/kapso-gitsync.example.yaml "$(DESTDIR)$(SYSCONFDIR)/kapso-gitsync/kapso-gitsync.yaml.example"; \
	install -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/kapso-gitsync/README.md"; \
	echo "installed $(DESTDIR)$(PREFIX)/bin/kapso-gitsync and the units in $(DESTDIR)$(UNITDIR)"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/kapso-gitsync" "$(DESTDIR)$(UNITDIR)/kapso-gitsync.service" \
		"$(DESTDIR)$(UNITDIR)/kapso-gitsync@.service" "$(DESTDIR)$(SYSCONFDIR)/kapso-gitsync/kapso-gitsync.yaml.example"
	rm -rf "$(DESTDIR)$(PREFIX)/share/doc/kapso-gitsync"

# A Debian package in build/: the release binary with Swift's runtime linked in (the machine needs no
# Swift), built in a folder of its own so that it does not replace the usual release build; then
# scripts/make-deb stages `make install` into it with dpkg-deb. `scripts/check-deb build/*.deb` (root)
# installs, checks and purges it, as CI does.
DEB_SCRATCH ?= .build-deb
deb: deps
	$(SWIFT) build -c release --static-swift-stdlib --product kapso-gitsync --scratch-path $(DEB_SCRATCH) $(BUILD_FLAGS)
	scripts/make-deb "$$($(SWIFT) build -c release --static-swift-stdlib --scratch-path $(DEB_SCRATCH) $(BUILD_FLAGS) --show-bin-path)/kapso-gitsync"

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

lint:
	$(SWIFT) format lint -r Sources Tests

clean:
	rm -rf .build $(DEB_SCRATCH) build demo-output

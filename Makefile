# Thin wrapper around meson/ninja: the two commands of README.md and friends.
BUILD  ?= build
MESON_OPTS ?=

.PHONY: all deps build demo test bench check-long sanitize clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	@scripts/deps.sh
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The demo: a root component starts an Arbor component and Debian's static
# busybox, each in its own sandbox; their output appears under their labels.
demo: build
	$(BUILD)/core/arbor-core --rom-dir $(BUILD)/test/base --rom-dir /bin \
		spawner hello=hello "echo=busybox,echo,a plain static ELF runs as a component too"


test: build
	@scripts/run-tests.sh $(BUILD) --no-suite long

bench: build
	@python3 bench/run.py $(BUILD)

check-long: build
	@scripts/run-tests.sh $(BUILD) --suite long

# Address and undefined-behaviour sanitizers over the whole suite (CI runs it).
sanitize:
	@$(MAKE) test BUILD=build-sanitize MESON_OPTS="-Db_sanitize=address,undefined -Db_lundef=false"

clean:
	rm -rf $(BUILD) build-sanitize

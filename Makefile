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

# The demo (run/demo.xml): timer, report_rom, a LOG server and a nested init
# whose children use them; it ends once the subsystem reports the ticker done.
DEMO_UNTIL = name="ticker" binary="ticker" exited="0"
demo: build
	$(BUILD)/tool/arbor/arbor run run/demo.xml --until '$(DEMO_UNTIL)' --timeout 60


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

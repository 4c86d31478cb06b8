# mcptrace build. Everything generated goes under $(OUT); `make V=1` shows
# the commands.
OUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

WARN := -Wall -Wextra -Werror
CFLAGS ?= -g -O2
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Itracer -I$(OUT) -I/usr/include/cjson
LDLIBS := -lbpf -lcjson -lsqlite3 -ldw -lelf -lz -lm -lcrypto -lcapstone
BPF_CFLAGS := -g -O2 $(WARN) -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(OUT)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
SCHEMA_SQL := $(sort $(wildcard schema/*.sql))
# tracer/ has one folder per stage of the pipeline (see README, Layout).
STAGES := capture wire mcp db audit cmd
LIB_SRCS := $(filter-out tracer/cmd/main.c,$(foreach s,$(STAGES),$(wildcard tracer/$(s)/*.c)))
LIB_HDRS := $(foreach s,$(STAGES),$(wildcard tracer/$(s)/*.h))
LIB_OBJS := $(patsubst tracer/%.c,$(OUT)/tracer/%.o,$(LIB_SRCS)) $(OUT)/tracer/schema_sql.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/tests/%,$(BENCH_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all clean install test unit-test deps demo bench bench-tls fuzz
.DELETE_ON_ERROR:

all: $(OUT)/mcptrace

$(OUT) $(OUT)/tracer $(OUT)/tests $(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUT)/%.bpf.o: bpf/%.bpf.c include/mcptrace.h $(wildcard bpf/*.h) $(OUT)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The schema SQL is compiled in, as one NUL-terminated string per file in
# version order: schema/NNN_name.sql is the step to user_version NNN.
$(OUT)/tracer/schema_sql.c: $(SCHEMA_SQL) scripts/embed-schema.sh | $(OUT)/tracer
	$(call msg,GEN,$@)
	$(Q)sh scripts/embed-schema.sh $(SCHEMA_SQL) > $@

$(OUT)/tracer/schema_sql.o: $(OUT)/tracer/schema_sql.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/tracer/%.o: tracer/%.c $(LIB_HDRS) include/mcptrace.h $(SKELS) | $(OUT)/tracer
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libmcptrace.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/mcptrace: $(OUT)/tracer/cmd/main.o $(OUT)/libmcptrace.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c tests/unit/check.h $(OUT)/libmcptrace.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(OUT)/libmcptrace.a $(LDLIBS) -o $@

# Benchmarks of the stages after capture, from bytes (no root).
$(OUT)/tests/bench_%: tests/bench/bench_%.c tests/unit/pipeline.h $(OUT)/libmcptrace.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(OUT)/libmcptrace.a $(LDLIBS) -o $@

# Fuzz targets: clang's libFuzzer with ASan over the parsers' sources.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined $(WARN) -std=gnu11 -D_GNU_SOURCE \
	-Iinclude -Itracer -I/usr/include/cjson
$(OUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(LIB_HDRS) | $(OUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(shell sed -n 's,^// fuzz-sources: ,,p' $<) -lcjson -lz -lm -lcrypto -o $@

fuzz: $(FUZZ_BINS)

install: $(OUT)/mcptrace
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(OUT)/mcptrace $(DESTDIR)$(PREFIX)/bin/mcptrace

# Every test: unit tests (no root), the saved fuzz corpora, then the
# integration tests against real MCP peers (root; they say so and fail
# loudly without it).
test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(FUZZ_BINS)
	$(Q)sh tests/run.sh

# What the build and the tests need, installed only where missing.
deps:
	$(Q)sh scripts/install-deps.sh

unit-test: $(UNIT_BINS) $(FUZZ_BINS)
	$(Q)MT_UNIT_ONLY=1 sh tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh scripts/demo.sh

bench: all $(BENCH_BINS)
	$(Q)$(OUT)/tests/bench_ingest
	$(Q)sh scripts/bench.sh
	$(Q)sh scripts/bench-burst.sh

bench-tls: all
	$(Q)sh scripts/bench-tls.sh

clean:
	rm -rf $(OUT)

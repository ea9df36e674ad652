/* Unit test of session argument strings (lib/base/args.c), TAP output. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/args.h>
#include <arbor/error.h>
#include "tap.h"


static void is_str(const char *args, const char *key, const char *want, const char *what)
{
	char buf[128];
	int err = arbor_args_get(args, key, buf, sizeof(buf));

	ok(err == 0 && !strcmp(buf, want), "%s", what);
	if (err || strcmp(buf, want))
		printf("# args [%s] key %s: err %d value [%s], want [%s]\n", args, key, err, buf,
		       want);
}

static void is_get_err(const char *args, const char *key, int want, const char *what)
{
	char buf[64] = "junk";
	int err = arbor_args_get(args, key, buf, sizeof(buf));

	ok(err == want && buf[0] == '\0', "%s", what);
	if (err != want)
		printf("# args [%s] key %s: got %d, want %d\n", args, key, err, want);
}

static void is_size(const char *text, int want_err, uint64_t want, const char *what)
{
	uint64_t v = 12345;
	int err = arbor_parse_size(text, &v);

	ok(err == want_err && v == (want_err ? 0 : want), "%s", what);
	if (err != want_err || v != (want_err ? 0 : want))
		printf("# [%s]: err %d value %llu\n", text, err, (unsigned long long)v);
}

static void test_get(void)
{
	const char *std = "label=\"init -> app\", ram_quota=8K, cap_quota=4";
	char small[4];
	uint64_t v;

	is_str(std, "label", "init -> app", "quoted value with spaces and ->");
	is_err(arbor_args_get_u64(std, "ram_quota", &v), 0, "ram_quota found");
	ok(v == 8192, "ram_quota=8K is 8192");
	is_err(arbor_args_get_u64(std, "cap_quota", &v), 0, "cap_quota found");
	ok(v == 4, "cap_quota is 4");

	is_get_err(std, "quota", ARBOR_E_NOT_FOUND, "key that is a suffix of another does not match");
	is_get_err(std, "ram", ARBOR_E_NOT_FOUND, "key that is a prefix of another does not match");
	is_get_err("label=\"ram_quota=1G, x\", cap_quota=2", "ram_quota", ARBOR_E_NOT_FOUND,
	           "text inside a quoted value is no key");
	is_str("label=\"ram_quota=1G, x\", cap_quota=2", "cap_quota", "2",
	       "key after a quoted value with a comma");
	is_str("label=\"a, b -> c\"", "label", "a, b -> c", "quoted commas kept");
	is_str("  a = 1 ,  b=\"x y\"  ", "a", "1", "blanks around pairs ignored (a)");
	is_str("  a = 1 ,  b=\"x y\"  ", "b", "x y", "blanks around pairs ignored (b)");
	is_str("a=hello world , b=2", "a", "hello world", "unquoted token up to the comma, trimmed");
	is_str("a=, b=2", "a", "", "empty unquoted value");
	is_str("a=\"\"", "a", "", "empty quoted value");
	is_str("Key_9=x", "Key_9", "x", "key of letters, digits and underscore");
	is_get_err("Key_9=x", "key_9", ARBOR_E_NOT_FOUND, "keys are case-sensitive");
	is_get_err("", "a", ARBOR_E_NOT_FOUND, "empty string: not found");
	is_get_err("   ", "a", ARBOR_E_NOT_FOUND, "blank string: not found");
	is_get_err("a=1, b=2", "c", ARBOR_E_NOT_FOUND, "missing key");

	is_get_err("a=\"open", "a", ARBOR_E_INVALID, "unterminated quote");
	is_get_err("a=1,", "a", ARBOR_E_INVALID, "trailing comma");
	is_get_err("a=1,,b=2", "a", ARBOR_E_INVALID, "empty pair");
	is_get_err("a", "a", ARBOR_E_INVALID, "key without =");
	is_get_err("=1", "a", ARBOR_E_INVALID, "= without key");
	is_get_err("a=\"x\"y", "a", ARBOR_E_INVALID, "text after closing quote");
	is_get_err("a=x\"y\"", "a", ARBOR_E_INVALID, "quote inside unquoted token");
	is_get_err("ram quota=1", "quota", ARBOR_E_INVALID, "blank inside key");
	is_get_err("a-b=1", "b", ARBOR_E_INVALID, "bad character in key");
	is_get_err("a=1, a=2", "a", ARBOR_E_INVALID, "duplicate key is malformed");
	is_get_err("a=1, b=2, c=\"x", "a", ARBOR_E_INVALID, "malformed tail fails early keys too");
	is_get_err("a=1", "a-b", ARBOR_E_INVALID, "invalid lookup key");
	is_get_err("a=1", "", ARBOR_E_INVALID, "empty lookup key");

	is_err(arbor_args_get("a=1234", "a", small, sizeof(small)), ARBOR_E_TOO_LARGE,
	       "buffer too small");
	ok(small[0] == '\0', "buffer cleared on error");
	is_err(arbor_args_get("a=123", "a", small, sizeof(small)), 0, "value fits exactly");
	ok(!strcmp(small, "123"), "exact fit copied");

	v = 7;
	is_err(arbor_args_get_u64("a=12x", "a", &v), ARBOR_E_INVALID, "u64 of garbage");
	ok(v == 0, "u64 cleared on error");
	is_err(arbor_args_get_u64("a=1", "b", &v), ARBOR_E_NOT_FOUND, "u64 of missing key");
	is_err(arbor_args_get_u64("a=1000000000000000000000000000000000000000", "a", &v),
	       ARBOR_E_INVALID, "u64 of a huge number");
	is_err(arbor_args_get_u64("a=\"64M\"", "a", &v), 0, "u64 of a quoted number");
	ok(v == 64ull << 20, "quoted 64M");
}

static void test_sizes(void)
{
	is_size("0", 0, 0, "size 0");
	is_size("123", 0, 123, "size 123");
	is_size("8K", 0, 8192, "size 8K");
	is_size("8k", 0, 8192, "size 8k");
	is_size("64M", 0, 64ull << 20, "size 64M");
	is_size("3m", 0, 3ull << 20, "size 3m");
	is_size("2G", 0, 2ull << 30, "size 2G");
	is_size("2g", 0, 2ull << 30, "size 2g");
	is_size("18446744073709551615", 0, UINT64_MAX, "size u64 max");
	is_size("18446744073709551616", ARBOR_E_INVALID, 0, "size u64 max + 1");
	is_size("99999999999999999999999", ARBOR_E_INVALID, 0, "size far too large");
	is_size("17179869183G", 0, 17179869183ull << 30, "largest G value");
	is_size("17179869184G", ARBOR_E_INVALID, 0, "G suffix overflow");
	is_size("18014398509481984K", ARBOR_E_INVALID, 0, "K suffix overflow");
	is_size("", ARBOR_E_INVALID, 0, "empty size");
	is_size("K", ARBOR_E_INVALID, 0, "suffix only");
	is_size("8KB", ARBOR_E_INVALID, 0, "garbage after suffix");
	is_size("8 K", ARBOR_E_INVALID, 0, "blank before suffix");
	is_size(" 8", ARBOR_E_INVALID, 0, "leading blank");
	is_size("-1", ARBOR_E_INVALID, 0, "negative");
	is_size("0x10", ARBOR_E_INVALID, 0, "hex");
	is_size("1.5M", ARBOR_E_INVALID, 0, "fraction");
	is_size("8T", ARBOR_E_INVALID, 0, "unknown suffix");
}

/* Run set on a copy inside a larger canary-filled buffer. */
static int set_in(const char *start, size_t size, const char *key, const char *value,
                  int quoted, char *out, size_t out_size, int *canary_ok)
{
	char buf[256];
	size_t i;
	int err;

	memset(buf, '#', sizeof(buf));
	snprintf(buf, size, "%s", start);
	err = arbor_args_set(buf, size, key, value, quoted);
	*canary_ok = 1;
	for (i = size; i < sizeof(buf); i++)
		if (buf[i] != '#')
			*canary_ok = 0;
	snprintf(out, out_size, "%s", buf);
	return err;
}

static void is_set(const char *start, const char *key, const char *value, int quoted,
                   const char *want, const char *what)
{
	char out[256];
	int canary, err;

	err = set_in(start, 200, key, value, quoted, out, sizeof(out), &canary);
	ok(err == 0 && canary && !strcmp(out, want), "%s", what);
	if (err || strcmp(out, want))
		printf("# err %d: [%s], want [%s]\n", err, out, want);
}

static void test_set(void)
{
	char out[256], buf[64];
	const char *s = "a=1, b=2, c=3";
	size_t need;
	uint64_t v;
	int canary, err;

	is_set(s, "b", "42", 0, "a=1, b=42, c=3", "replace in the middle (longer)");
	is_set("a=1, b=222, c=3", "b", "4", 0, "a=1, b=4, c=3", "replace (shorter)");
	is_set(s, "c", "x", 1, "a=1, b=2, c=\"x\"", "replace last, quoted");
	is_set("label=\"x\", a=1", "label", "init -> x", 1, "label=\"init -> x\", a=1",
	       "replace quoted by quoted");
	is_set("label=\"x\", a=1", "label", "y", 0, "label=y, a=1", "replace quoted by unquoted");
	is_set("a = 1 , b=2", "a", "5", 0, "a = 5 , b=2", "replace keeps surrounding blanks");
	is_set(s, "d", "4", 0, "a=1, b=2, c=3, d=4", "append");
	is_set(s, "d", "x, y", 1, "a=1, b=2, c=3, d=\"x, y\"", "append quoted with comma");
	is_set("", "k", "v", 0, "k=v", "append to empty string");
	is_set("   ", "k", "v", 1, "k=\"v\"", "append to blank string");
	is_set("ram_quota=1", "quota", "2", 0, "ram_quota=1, quota=2",
	       "suffix key is appended, not replaced");
	is_set("label=\"quota=1\"", "quota", "2", 0, "label=\"quota=1\", quota=2",
	       "key inside a quoted value is not replaced");
	is_set("a=1", "a", "", 0, "a=", "empty unquoted value");

	/* Exact fit and one byte short, with a canary right after size. */
	need = strlen("a=1, b=2, c=3, dd=44") + 1;
	err = set_in(s, need, "dd", "44", 0, out, sizeof(out), &canary);
	ok(err == 0 && canary && !strcmp(out, "a=1, b=2, c=3, dd=44"), "append fits exactly");
	err = set_in(s, need - 1, "dd", "44", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_TOO_LARGE && canary && !strcmp(out, s),
	   "append one byte short: TOO_LARGE, untouched");
	need = strlen("a=1, b=\"xyz\", c=3") + 1;
	err = set_in(s, need, "b", "xyz", 1, out, sizeof(out), &canary);
	ok(err == 0 && canary && !strcmp(out, "a=1, b=\"xyz\", c=3"), "replace fits exactly");
	err = set_in(s, need - 1, "b", "xyz", 1, out, sizeof(out), &canary);
	ok(err == ARBOR_E_TOO_LARGE && canary && !strcmp(out, s),
	   "replace one byte short: TOO_LARGE, untouched");

	err = set_in(s, 100, "b", "x\"y", 1, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, s), "quote inside quoted value refused");
	err = set_in(s, 100, "b", "x,y", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, s), "comma inside unquoted value refused");
	err = set_in(s, 100, "b", " x", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, s), "unquoted value with edge blank refused");
	err = set_in(s, 100, "b c", "x", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, s), "invalid key refused");
	err = set_in("a=\"open, b=2", 100, "b", "3", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, "a=\"open, b=2"), "malformed args untouched");
	err = set_in("a=1, a=2", 100, "a", "3", 0, out, sizeof(out), &canary);
	ok(err == ARBOR_E_INVALID && !strcmp(out, "a=1, a=2"), "duplicate key: untouched");

	memset(buf, '#', 8);
	is_err(arbor_args_set(buf, 8, "a", "1", 0), ARBOR_E_INVALID, "args without NUL in size");
	ok(!memcmp(buf, "########", 8), "unterminated args untouched");

	snprintf(buf, sizeof(buf), "label=\"a\", ram_quota=8K");
	is_err(arbor_args_set_u64(buf, sizeof(buf), "ram_quota", 1048576), 0, "set_u64 replace");
	is_err(arbor_args_get_u64(buf, "ram_quota", &v), 0, "set_u64 reads back");
	ok(v == 1048576 && !strcmp(buf, "label=\"a\", ram_quota=1048576"), "set_u64 content");
	is_err(arbor_args_set_u64(buf, sizeof(buf), "cap_quota", UINT64_MAX), 0, "set_u64 append");
	is_err(arbor_args_get_u64(buf, "cap_quota", &v), 0, "u64 max reads back");
	ok(v == UINT64_MAX, "u64 max round trip");
}

/* Random edits never write past size and always leave a parseable string. */
static void test_set_random(void)
{
	static const char *keys[] = { "a", "b", "quota", "ram_quota", "label", "x_1" };
	static const char *vals[] = { "", "1", "8K", "init -> app", "a, b", "long value here" };
	char buf[96], val[64];
	unsigned seed = 12345;
	int i, bad_canary = 0, bad_parse = 0, bad_value = 0;

	for (i = 0; i < 20000; i++) {
		size_t size;
		const char *key, *value;
		int quoted, err, j;

		if (i % 50 == 0) {
			memset(buf, '#', sizeof(buf));
			buf[0] = '\0';
		}
		seed = seed * 1103515245 + 12345;
		key = keys[(seed >> 8) % 6];
		value = vals[(seed >> 12) % 6];
		quoted = ((seed >> 16) & 1) || strchr(value, ',') || strchr(value, ' ') || !*value;
		size = strlen(buf) + 1 + (seed >> 20) % 24;
		if (size > 64)
			size = 64;
		err = arbor_args_set(buf, size, key, value, quoted);
		for (j = 64; j < (int)sizeof(buf); j++)
			if (buf[j] != '#')
				bad_canary++;
		if (err == 0) {
			if (arbor_args_get(buf, key, val, sizeof(val)) || strcmp(val, value))
				bad_value++;
		} else if (err != ARBOR_E_TOO_LARGE) {
			bad_parse++;
		}
		if (buf[0] && arbor_args_get(buf, "nokey", val, sizeof(val)) != ARBOR_E_NOT_FOUND)
			bad_parse++;
	}
	ok(!bad_canary, "random edits never write past size");
	ok(!bad_parse, "random edits keep the string well-formed");
	ok(!bad_value, "random edits read back");
}

static void test_labels(void)
{
	char out[32];
	size_t need;

	is_err(arbor_label_prefix(out, sizeof(out), "init", "app"), 0, "prefix");
	ok(!strcmp(out, "init -> app"), "prefix: name -> label");
	is_err(arbor_label_prefix(out, sizeof(out), "init", ""), 0, "prefix of empty label");
	ok(!strcmp(out, "init"), "prefix of empty label is the name");
	is_err(arbor_label_prefix(out, sizeof(out), "init", NULL), 0, "prefix of NULL label");
	ok(!strcmp(out, "init"), "NULL label is empty");
	is_err(arbor_label_prefix(out, sizeof(out), "", "app"), 0, "empty name");
	ok(!strcmp(out, "app"), "empty name adds no level");
	is_err(arbor_label_prefix(out, sizeof(out), "init", "fs -> client"), 0, "nested prefix");
	ok(!strcmp(out, "init -> fs -> client"), "nested prefix text");
	need = strlen("init -> app") + 1;
	is_err(arbor_label_prefix(out, need, "init", "app"), 0, "prefix fits exactly");
	is_err(arbor_label_prefix(out, need - 1, "init", "app"), ARBOR_E_TOO_LARGE,
	       "prefix one byte short");
	ok(out[0] == '\0', "prefix output cleared on error");

	ok(!strcmp(arbor_label_last("init -> fs -> client"), "client"), "last of three");
	ok(!strcmp(arbor_label_last("client"), "client"), "last of one");
	ok(!strcmp(arbor_label_last(""), ""), "last of empty");
	ok(!strcmp(arbor_label_last("a->b -> c"), "c"), "separator needs its blanks");
	ok(!strcmp(arbor_label_last("a->b"), "a->b"), "no separator without blanks");
}

int main(void)
{
	test_get();
	test_sizes();
	test_set();
	test_set_random();
	test_labels();
	return done_testing();
}

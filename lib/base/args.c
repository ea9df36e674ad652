/* Session argument strings: strict key=value parsing, in-place editing, label composition. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <arbor/args.h>
#include <arbor/error.h>

#define LABEL_SEP " -> "

/* One key=value pair as it appears in the string. */
struct args_pair {
	const char *key;
	size_t key_len;
	const char *raw;      /* the value as written, quotes included */
	size_t raw_len;
	const char *val;      /* the value without quotes */
	size_t val_len;
};

struct args_cursor {
	const char *pos;
	int need_pair;        /* a comma was just consumed: "a=1," is malformed */
};

static int args_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int args_is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static int args_key_valid(const char *key)
{
	if (!key || !*key)
		return 0;
	for (; *key; key++)
		if (!args_is_key_char(*key))
			return 0;
	return 1;
}

static const char *args_skip_space(const char *s)
{
	while (args_is_space(*s))
		s++;
	return s;
}

/*
 * Parse the next pair. Returns 1 and *p, 0 at the end of the string, or
 * ARBOR_E_INVALID. The whole grammar lives here so that lookups, which
 * walk pair by pair, can never land inside a quoted value.
 */
static int args_next(struct args_cursor *c, struct args_pair *p)
{
	const char *s = args_skip_space(c->pos);
	const char *end;

	if (!*s)
		return c->need_pair ? ARBOR_E_INVALID : 0;

	p->key = s;
	while (args_is_key_char(*s))
		s++;
	p->key_len = (size_t)(s - p->key);
	if (!p->key_len)
		return ARBOR_E_INVALID;
	s = args_skip_space(s);
	if (*s != '=')
		return ARBOR_E_INVALID;
	s = args_skip_space(s + 1);

	if (*s == '"') {
		end = strchr(s + 1, '"');
		if (!end)
			return ARBOR_E_INVALID;
		p->raw = s;
		p->raw_len = (size_t)(end + 1 - s);
		p->val = s + 1;
		p->val_len = (size_t)(end - s - 1);
		s = end + 1;
	} else {
		p->raw = s;
		while (*s && *s != ',' && *s != '"')
			s++;
		/* A stray quote means the writer meant a string: do not guess. */
		if (*s == '"')
			return ARBOR_E_INVALID;
		end = s;
		while (end > p->raw && args_is_space(end[-1]))
			end--;
		p->raw_len = (size_t)(end - p->raw);
		p->val = p->raw;
		p->val_len = p->raw_len;
	}

	s = args_skip_space(s);
	if (*s == ',') {
		c->need_pair = 1;
		s++;
	} else if (!*s) {
		c->need_pair = 0;
	} else {
		return ARBOR_E_INVALID;
	}
	c->pos = s;
	return 1;
}

/*
 * Find key in args, validating the whole string. A key given twice is
 * malformed: two readers picking different copies would disagree about,
 * say, the quota. *pairs counts the pairs seen.
 */
static int args_find(const char *args, const char *key, struct args_pair *found,
                     size_t *pairs)
{
	struct args_cursor c = { args ? args : "", 0 };
	struct args_pair p;
	size_t key_len;
	int hit = 0, r;

	*pairs = 0;
	memset(found, 0, sizeof(*found));
	if (!args_key_valid(key))
		return ARBOR_E_INVALID;
	key_len = strlen(key);
	while ((r = args_next(&c, &p)) > 0) {
		(*pairs)++;
		if (p.key_len != key_len || memcmp(p.key, key, key_len))
			continue;
		if (hit)
			return ARBOR_E_INVALID;
		hit = 1;
		*found = p;
	}
	if (r < 0)
		return r;
	return hit ? 0 : ARBOR_E_NOT_FOUND;
}

int arbor_args_get(const char *args, const char *key, char *buf, size_t size)
{
	struct args_pair p;
	size_t pairs;
	int err;

	if (buf && size)
		buf[0] = '\0';
	err = args_find(args, key, &p, &pairs);
	if (err)
		return err;
	if (!buf || p.val_len >= size)
		return ARBOR_E_TOO_LARGE;
	memcpy(buf, p.val, p.val_len);
	buf[p.val_len] = '\0';
	return 0;
}

int arbor_parse_size(const char *text, uint64_t *value)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const char *s = text;

	*value = 0;
	if (!s || *s < '0' || *s > '9')
		return ARBOR_E_INVALID;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return ARBOR_E_INVALID;
		v = v * 10 + d;
	}
	switch (*s) {
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	default: break;
	}
	if (*s || v > (UINT64_MAX >> shift))
		return ARBOR_E_INVALID;
	*value = v << shift;
	return 0;
}

int arbor_args_get_u64(const char *args, const char *key, uint64_t *value)
{
	/* Longer than any u64 with suffix, so a too-long value is just malformed. */
	char buf[32];
	int err;

	*value = 0;
	err = arbor_args_get(args, key, buf, sizeof(buf));
	if (err == ARBOR_E_TOO_LARGE)
		return ARBOR_E_INVALID;
	if (err)
		return err;
	return arbor_parse_size(buf, value);
}

/* A value we write must read back as exactly itself. */
static int args_value_valid(const char *value, int quoted)
{
	size_t len;

	if (!value)
		return 0;
	if (quoted)
		return !strchr(value, '"');
	if (strpbrk(value, ",\""))
		return 0;
	len = strlen(value);
	return !len || (!args_is_space(value[0]) && !args_is_space(value[len - 1]));
}

int arbor_args_set(char *args, size_t size, const char *key, const char *value, int quoted)
{
	struct args_pair p;
	size_t len, key_len, val_len, raw_len, pairs, off, need;
	char *dst;
	int err;

	if (!args || !size || !args_key_valid(key) || !args_value_valid(value, quoted))
		return ARBOR_E_INVALID;
	len = strnlen(args, size);
	if (len == size)
		return ARBOR_E_INVALID;
	key_len = strlen(key);
	val_len = strlen(value);
	raw_len = val_len + (quoted ? 2 : 0);
	if (val_len >= size || key_len >= size)
		return ARBOR_E_TOO_LARGE;

	err = args_find(args, key, &p, &pairs);
	if (err && err != ARBOR_E_NOT_FOUND)
		return err;

	if (!err) {
		/* Replace the value in place; everything after it shifts. */
		off = (size_t)(p.raw - args);
		need = len - p.raw_len + raw_len;
		if (need >= size)
			return ARBOR_E_TOO_LARGE;
		memmove(args + off + raw_len, args + off + p.raw_len, len - off - p.raw_len + 1);
		dst = args + off;
	} else {
		/* Append; a string of only blanks is rewritten from the start. */
		off = pairs ? len : 0;
		need = off + (pairs ? 2 : 0) + key_len + 1 + raw_len;
		if (need >= size)
			return ARBOR_E_TOO_LARGE;
		dst = args + off;
		if (pairs) {
			memcpy(dst, ", ", 2);
			dst += 2;
		}
		memcpy(dst, key, key_len);
		dst += key_len;
		*dst++ = '=';
		dst[raw_len] = '\0';
	}
	if (quoted)
		*dst++ = '"';
	memcpy(dst, value, val_len);
	if (quoted)
		dst[val_len] = '"';
	return 0;
}

int arbor_args_set_u64(char *args, size_t size, const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return arbor_args_set(args, size, key, buf, 0);
}

int arbor_label_prefix(char *out, size_t size, const char *name, const char *label)
{
	size_t name_len, label_len, need;
	char *dst = out;

	if (out && size)
		out[0] = '\0';
	name = name ? name : "";
	label = label ? label : "";
	name_len = strlen(name);
	label_len = strlen(label);
	/* An empty name adds no level (and no dangling separator). */
	if (!label_len || !name_len)
		need = name_len + label_len;
	else
		need = name_len + strlen(LABEL_SEP) + label_len;
	if (!out || need >= size)
		return ARBOR_E_TOO_LARGE;
	memcpy(dst, name, name_len);
	dst += name_len;
	if (name_len && label_len) {
		memcpy(dst, LABEL_SEP, strlen(LABEL_SEP));
		dst += strlen(LABEL_SEP);
	}
	memcpy(dst, label, label_len);
	dst[label_len] = '\0';
	return 0;
}

const char *arbor_label_last(const char *label)
{
	const char *last = label, *sep;

	if (!label)
		return "";
	while ((sep = strstr(last, LABEL_SEP)))
		last = sep + strlen(LABEL_SEP);
	return last;
}

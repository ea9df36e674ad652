/*
 * Session argument strings: comma-separated key=value pairs, string values
 * in double quotes: label="init -> app", ram_quota=8K, cap_quota=4.
 * Pure functions, no allocation.
 */
#ifndef ARBOR_ARGS_H
#define ARBOR_ARGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copy the value of key (unquoted) into buf. Returns 0, ARBOR_E_NOT_FOUND,
 * ARBOR_E_TOO_LARGE (buf too small) or ARBOR_E_INVALID (malformed string).
 */
int arbor_args_get(const char *args, const char *key, char *buf, size_t size);

/* A number with an optional K, M or G suffix. Returns 0, ARBOR_E_NOT_FOUND or ARBOR_E_INVALID. */
int arbor_args_get_u64(const char *args, const char *key, uint64_t *value);

/*
 * Set key to value in args (capacity size, NUL-terminated), replacing an
 * existing pair or appending one; quoted says whether to quote value.
 * Returns 0, ARBOR_E_TOO_LARGE or ARBOR_E_INVALID.
 */
int arbor_args_set(char *args, size_t size, const char *key, const char *value, int quoted);
int arbor_args_set_u64(char *args, size_t size, const char *key, uint64_t value);

/*
 * The label a parent passes on for its child: "name -> label", or just
 * "name" when label is empty. Returns 0 or ARBOR_E_TOO_LARGE.
 */
int arbor_label_prefix(char *out, size_t size, const char *name, const char *label);

/* The last " -> " element of label, borrowed from label. */
const char *arbor_label_last(const char *label);

/* Parse a size like "64M", "8K", "123": returns 0 or ARBOR_E_INVALID. */
int arbor_parse_size(const char *text, uint64_t *value);

#endif

/*
 * The config corpora's file helpers, shared by test_xml and test_validate:
 * reading a file whole and listing a directory's .xml files in order.
 */
#ifndef TEST_CONFIG_CORPUS_H
#define TEST_CONFIG_CORPUS_H

#include <stddef.h>

/* The file, NUL-terminated, and its length in *len; NULL when it cannot be read. */
char *corpus_read(const char *path, size_t *len);

/* The .xml files of dir, sorted by name (*count of them; free each and the array). */
char **corpus_list(const char *dir, size_t *count);

#endif

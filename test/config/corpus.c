/* The config corpora's file helpers (corpus.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"

char *corpus_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	if (buf) {
		buf[size] = '\0';
		*len = (size_t)size;
	}
out:
	fclose(f);
	return buf;
}

static int sort_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted .xml files of dir; *count of them. */
char **corpus_list(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, **grown;

	*count = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".xml"))
			continue;
		grown = realloc(names, (*count + 1) * sizeof(*names));
		if (!grown || !(grown[*count] = strdup(de->d_name))) {
			printf("Bail out! out of memory\n");
			exit(1);
		}
		names = grown;
		(*count)++;
	}
	closedir(d);
	qsort(names, *count, sizeof(*names), sort_names);
	return names;
}

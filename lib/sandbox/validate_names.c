/*
 * The child names of one config level, sorted, so that duplicate names and
 * route targets are found in n log n even in a config with thousands of
 * <start> nodes.
 */

#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include "validate_internal.h"

static int validate_names_cmp(const void *a, const void *b)
{
	const struct validate_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->alias != y->alias)
		return x->alias - y->alias;
	return x->order < y->order ? -1 : x->order > y->order;
}

int validate_names_init(struct validate_names *names, const struct xml_node *config)
{
	const struct xml_node *node;
	size_t count = 0, order = 0;

	names->entries = NULL;
	names->count = 0;
	for (node = xml_first_child(config, NULL); node; node = xml_next_sibling(node, NULL))
		count++;
	if (!count)
		return 0;
	names->entries = calloc(count, sizeof(*names->entries));
	if (!names->entries)
		return ARBOR_E_OUT_OF_RAM;
	for (node = xml_first_child(config, NULL); node; node = xml_next_sibling(node, NULL)) {
		const char *type = xml_node_type(node), *name = xml_attr(node, "name");
		int alias = !strcmp(type, "alias");

		if (!alias && strcmp(type, "start"))
			continue;
		order++;
		if (!name || !*name)
			continue;
		names->entries[names->count++] = (struct validate_name){ name, node, alias, order };
	}
	if (names->count)
		qsort(names->entries, names->count, sizeof(*names->entries), validate_names_cmp);
	return 0;
}

void validate_names_fini(struct validate_names *names)
{
	free(names->entries);
	names->entries = NULL;
	names->count = 0;
}

const struct validate_name *validate_names_find(const struct validate_names *names,
						const char *name)
{
	size_t lo = 0, hi = names->count;

	/* The lower bound: the first entry of an equal run is the start, if there is one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(names->entries[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < names->count && !strcmp(names->entries[lo].name, name))
		return &names->entries[lo];
	return NULL;
}

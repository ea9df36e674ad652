/* Label-based policy selection (see include/sandbox/policy.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/log.h>
#include <session/parent.h>
#include <sandbox/policy.h>

/* Score bands: exact label > prefix (by length) > suffix (by length) > no attribute. */
#define SCORE_EXACT  (1L << 40)
#define SCORE_PREFIX (1L << 20)

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return lx <= ls && strcmp(s + ls - lx, suffix) == 0;
}

long policy_score(const struct xml_node *node, const char *label)
{
	const char *exact = xml_attr(node, "label");
	const char *prefix = xml_attr(node, "label_prefix");
	const char *suffix = xml_attr(node, "label_suffix");
	const char *last = xml_attr(node, "label_last");
	long score = 0;

	if (exact && strcmp(label, exact))
		return -1;
	if (prefix && !starts_with(label, prefix))
		return -1;
	if (suffix && !ends_with(label, suffix))
		return -1;
	if (last && strcmp(arbor_label_last(label), last))
		return -1;
	if (exact)
		score += SCORE_EXACT;
	if (prefix)
		score += SCORE_PREFIX * (long)(strlen(prefix) + 1);
	if (suffix)
		score += (long)strlen(suffix) + 1;
	if (last)
		score += (long)strlen(last) + 1;
	return score;
}

const struct xml_node *policy_select(const struct xml_node *config, const char *type,
                                     const char *label, char *why, size_t why_size)
{
	const struct xml_node *best = NULL, *fallback;
	long best_score = -1;

	if (why_size)
		why[0] = '\0';
	for (const struct xml_node *n = xml_first_child(config, type); n;
	     n = xml_next_sibling(n, type)) {
		long score = policy_score(n, label);
		if (score > best_score) {
			best = n;
			best_score = score;
		}
	}
	if (best)
		return best;
	fallback = xml_first_child(config, "default-policy");
	if (!fallback && why_size)
		snprintf(why, why_size, "no policy defined for label '%s'", label);
	return fallback;
}

const struct xml_node *policy_for_session(const struct xml_node *config, const char *label)
{
	char why[ARBOR_LABEL_MAX + 64];
	const struct xml_node *policy = policy_select(config, "policy", label, why, sizeof(why));

	if (!policy)
		arbor_warning("%s", why);
	return policy;
}

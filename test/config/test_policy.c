/* Unit test of label-based policy selection (lib/sandbox/policy.c), TAP output. */
#include <string.h>
#include <sandbox/policy.h>
#include <sandbox/xml.h>
#include "../unit/tap.h"

static struct xml_node *parse(const char *text)
{
	struct xml_node *root = NULL;
	struct xml_error err;

	if (xml_parse(text, strlen(text), "test", &root, &err))
		printf("# parse error %lu:%lu: %s\n", err.line, err.column, err.message);
	return root;
}

/* The name attribute of the policy chosen for label, or "(none)". */
static const char *chosen(const struct xml_node *config, const char *label, char *why)
{
	const struct xml_node *p = policy_select(config, "policy", label, why, 128);
	const char *name = p ? xml_attr(p, "name") : NULL;

	return p ? (name ? name : xml_node_type(p)) : "(none)";
}

static void expect(const struct xml_node *config, const char *label, const char *want)
{
	char why[128];
	const char *got = chosen(config, label, why);

	ok(!strcmp(got, want), "label '%s' selects %s", label, want);
	if (strcmp(got, want))
		printf("# got %s\n", got);
}

int main(void)
{
	struct xml_node *config = parse(
		"<config>"
		"  <policy name=\"suffix\" label_suffix=\"-> log\"/>"
		"  <policy name=\"short\" label_prefix=\"init -> \"/>"
		"  <policy name=\"long\" label_prefix=\"init -> app\"/>"
		"  <policy name=\"exact\" label=\"init -> app -> log\"/>"
		"  <policy name=\"last\" label_last=\"config\"/>"
		"  <policy name=\"both\" label_prefix=\"net -> \" label_suffix=\"tx\"/>"
		"</config>");
	struct xml_node *strict = parse(
		"<config><policy name=\"only\" label=\"a\"/></config>");
	struct xml_node *fallback = parse(
		"<config><policy name=\"a\" label=\"a\"/><default-policy name=\"default\"/></config>");
	char why[128];

	expect(config, "init -> app -> log", "exact");
	expect(config, "init -> app -> other", "long");
	expect(config, "init -> timer", "short");
	expect(config, "x -> log", "suffix");
	expect(config, "x -> config", "last");
	expect(config, "net -> eth -> tx", "both");
	expect(config, "net -> eth -> rx", "(none)");
	expect(fallback, "b", "default");
	expect(fallback, "a", "a");

	ok(!policy_select(strict, "policy", "b", why, sizeof(why)) &&
	   !strcmp(why, "no policy defined for label 'b'"), "no match and no default: denial with Genode's message");
	ok(policy_score(xml_first_child(strict, "policy"), "a") > 0, "an exact label scores");
	ok(policy_score(xml_first_child(strict, "policy"), "ab") < 0, "a longer label is no exact match");

	xml_free(config);
	xml_free(strict);
	xml_free(fallback);
	return done_testing();
}

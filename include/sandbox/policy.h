/*
 * Label-based policy selection, as Genode's servers and init do it: of the
 * <policy> nodes of a config, the one whose label attributes match the
 * client's label best; <default-policy> when none does; denial otherwise.
 */
#ifndef SANDBOX_POLICY_H
#define SANDBOX_POLICY_H

#include <stddef.h>
#include <sandbox/xml.h>

/*
 * How well node's label attributes (label, label_prefix, label_suffix,
 * label_last) match label: -1 when any present attribute does not match.
 * A node without label attributes matches everything at the lowest score.
 * Higher is better: an exact label beats any prefix, a longer prefix a
 * shorter one, a prefix any suffix, a longer suffix a shorter one.
 */
long policy_score(const struct xml_node *node, const char *label);

/*
 * The best-matching child of type `type` (e.g. "policy") of config for
 * label, or the first <default-policy> child when none matches. Equal
 * scores: the first in document order. Returns NULL when neither exists;
 * then why (why_size bytes, may be 0) holds Genode's message
 * "no policy defined for label 'L'".
 */
const struct xml_node *policy_select(const struct xml_node *config, const char *type,
                                     const char *label, char *why, size_t why_size);

/*
 * The <policy> (or <default-policy>) of config for a session of label, as
 * policy_select(); NULL after logging the warning "no policy defined for
 * label 'L'", and the server then denies the session.
 */
const struct xml_node *policy_for_session(const struct xml_node *config, const char *label);

#endif

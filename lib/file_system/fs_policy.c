/*
 * The policies of a file-system server: <policy label… root="/dir"
 * writeable="yes"/> and <default-policy …/> from its config ROM, checked
 * when a config arrives and looked up for each new session.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include "fs_internal.h"

/*
 * A root names a directory by an absolute path of valid names; one
 * trailing '/' is allowed ("/home/a/", as Genode's configs write it).
 */
static int root_valid(const char *root)
{
	char copy[ARBOR_FS_PATH_MAX + 1];
	size_t len = strlen(root);
	char *save = NULL;

	if (root[0] != '/' || len > ARBOR_FS_PATH_MAX)
		return 0;
	if (len > 1 && root[len - 1] == '/')
		len--;
	memcpy(copy, root, len);
	copy[len] = 0;
	if (len == 1)
		return 1;
	if (strstr(copy, "//"))
		return 0;
	for (char *name = strtok_r(copy + 1, "/", &save); name; name = strtok_r(NULL, "/", &save))
		if (fs_path_check_name(name))
			return 0;
	return 1;
}

/* Every value a session would use, checked now: a typo shows at start, not at the first client. */
static int check_policy(const struct xml_node *policy)
{
	const char *root = xml_attr(policy, "root");
	int value;

	if (root && !root_valid(root))
		return config_attr_error(policy, "root", "is not an absolute path of valid names");
	if (xml_attr_bool(policy, "writeable", 0, &value))
		return config_attr_error(policy, "writeable", "is neither yes nor no");
	return 0;
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	int err = 0;

	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);
		if (!strcmp(type, "policy") || !strcmp(type, "default-policy"))
			err = check_policy(n);
	}
	return err;
}

int fs_policy_open(struct fs_server *srv)
{
	return config_rom_open(&srv->config, srv->env, check, NULL);
}

int fs_policy_for(struct fs_server *srv, const char *label, char *root, size_t root_size,
                  int *writeable)
{
	const struct xml_node *policy = policy_for_session(srv->config.root, label);
	const char *path;
	size_t len;

	*writeable = 0;
	if (!policy)
		return ARBOR_E_DENIED;
	path = xml_attr(policy, "root");
	if (!path) {
		arbor_warning("policy for label '%s' names no root", label);
		return ARBOR_E_DENIED;
	}
	len = strlen(path);
	if (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= root_size)
		return ARBOR_E_DENIED;
	memcpy(root, path, len);
	root[len] = 0;
	xml_attr_bool(policy, "writeable", 0, writeable);
	return 0;
}

/* Files the verbs read (configurations, runtimes, reports, all XML) and where core instances live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sandbox/xml.h>
#include "arbor.h"

/*
 * Read at most one byte beyond the XML limit, so that the parser reports
 * the size rather than this reading on.
 */
int arbor_read_file(const char *path, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 64 << 10, n = 0, got;
	char *buf = NULL, *grown;
	int err = 0;

	*text = NULL;
	*len = 0;
	if (!f)
		return -errno;
	for (;;) {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > (size_t)XML_MAX_DOCUMENT + 1)
				cap = (size_t)XML_MAX_DOCUMENT + 1;
			grown = realloc(buf, cap + 1);         /* room for the NUL */
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n > XML_MAX_DOCUMENT) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

void arbor_run_base_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(out, size, "/run/arbor");
	else if (xdg && *xdg)
		snprintf(out, size, "%s/arbor", xdg);
	else
		snprintf(out, size, "/tmp/arbor-%u", (unsigned)geteuid());
}

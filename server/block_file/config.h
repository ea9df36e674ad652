/*
 * block_file's configuration: the ROM session labeled "config", parsed and
 * checked as a whole (a bad attribute names config:LINE:COL), read again
 * whenever the ROM changes. Its <policy> nodes (and <default-policy>) give
 * each client an image: the file in core's file directory, its block size
 * and whether the client may write it. workers="N" sizes the I/O pool (read
 * at start only); stats="yes" logs how requests went whenever a session
 * closes (for the benchmarks' breakdown).
 */
#ifndef BLOCK_FILE_CONFIG_H
#define BLOCK_FILE_CONFIG_H

#include <stdint.h>
#include <arbor/env.h>
#include <sandbox/config_rom.h>
#include <session/host_file.h>

#define CONFIG_BLOCK_SIZE_DEFAULT 512u

/* What a policy says about a client's image. */
struct image_spec {
	char file[ARBOR_HOST_FILE_PATH_MAX + 1];   /* as Host_file's path argument takes it */
	uint32_t block_size;
	int writeable;
};

struct config {
	struct config_rom rom;                     /* rom.root: the current config, checked */
};

/*
 * Open the config ROM, read, check and watch it. Returns 0, an error of
 * the ROM session, or ARBOR_E_INVALID (a config that is not well-formed
 * or has a bad attribute; logged with its position).
 */
int config_open(struct config *cfg, struct arbor_env *env);
void config_close(struct config *cfg);

/* The size of the I/O pool (io.h limits), as the config said at start. */
unsigned config_workers(const struct config *cfg);

/* Whether to log the I/O statistics when a session closes. */
int config_stats(const struct config *cfg);

/*
 * The image of the client labeled label, by the best matching policy
 * (policy_select() rules), into *spec. Returns 0, or ARBOR_E_DENIED after
 * a warning naming the label (no policy matches: Genode's message).
 */
int config_image_for(const struct config *cfg, const char *label, struct image_spec *spec);

#endif

/*
 * Offline validation of an init configuration, in the stages init itself
 * would trip over: parse (well-formed XML), validate (Genode init's element
 * and attribute set, value syntax, names and quotas) and route (targets that
 * name absent children or services nobody provides, RAM and caps that do not
 * fit). Diagnostics carry the position in the document and read like init's
 * own messages, so that `arbor check` can report them as FILE:LINE:COL.
 */
#ifndef SANDBOX_VALIDATE_H
#define SANDBOX_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <sandbox/xml.h>

#define VALIDATE_MAX_DIAGS   1000u  /* diagnostics kept per report; further ones are counted */
#define VALIDATE_MESSAGE_MAX 256u   /* bytes of one message, NUL included */

/* The defaults init uses for its own share when <resource preserve> is absent. */
#define VALIDATE_DEFAULT_RAM_PRESERVE  (320u << 10)  /* 40 words' worth of KiB on 64-bit */
#define VALIDATE_DEFAULT_CAPS_PRESERVE 20u

enum validate_severity {
	VALIDATE_ERROR,
	VALIDATE_WARNING,
};

/* The stages in the order they run; a stage runs only when the ones before it found no error. */
enum validate_stage {
	VALIDATE_STAGE_NONE,     /* no stage failed */
	VALIDATE_STAGE_PARSE,
	VALIDATE_STAGE_SCHEMA,   /* spelled "validate" */
	VALIDATE_STAGE_ROUTE,
};

struct validate_diag {
	enum validate_severity severity;
	enum validate_stage stage;
	unsigned long line, column;  /* from 1; 0 when unknown */
	char message[VALIDATE_MESSAGE_MAX];
};

/*
 * The findings for one document. Fill it with validate_document() or
 * validate_config() after validate_report_init(); release it with
 * validate_report_fini().
 */
struct validate_report {
	const char *file;              /* borrowed, may be NULL */
	struct validate_diag *diags;   /* by stage, then in document order */
	size_t count;                  /* entries in diags */
	size_t capacity;
	size_t errors, warnings;       /* including dropped ones */
	size_t dropped;                /* findings not stored: beyond VALIDATE_MAX_DIAGS, or no memory */
	enum validate_stage failed;    /* the stage that reported the first error */
	int out_of_ram;                /* a diagnostic could not be stored */
};

/*
 * What init has to hand out, for the quota checks of the route stage. 0
 * means unknown and skips that check for the top-level config; a nested
 * init is always checked against its <start> node's own quota.
 */
struct validate_limits {
	uint64_t ram;   /* bytes */
	uint64_t caps;
};

/* Prepare an empty report for file (borrowed, may be NULL). */
void validate_report_init(struct validate_report *report, const char *file);

/* Release the report's diagnostics; the report is empty afterwards. */
void validate_report_fini(struct validate_report *report);

/* "parse", "validate" or "route"; "none" for VALIDATE_STAGE_NONE. */
const char *validate_stage_name(enum validate_stage stage);

/* "error" or "warning". */
const char *validate_severity_name(enum validate_severity severity);

/*
 * Run the validate and route stages over config, the root element of a
 * parsed document, adding each finding to report. text[0..len) is the
 * document config was parsed from (borrowed, may be NULL): with it,
 * findings about an attribute point at the attribute rather than at its
 * element. limits may be NULL (all unknown). The route stage runs only when
 * the validate stage found no error; a nested init (a <start> whose binary
 * is "init") has its <config> checked in both stages as well.
 *
 * Returns 0 (no error; warnings allowed), ARBOR_E_INVALID (at least one
 * error; report->failed says in which stage) or ARBOR_E_OUT_OF_RAM (the
 * report could not grow; it holds what was found until then).
 */
int validate_config(const struct xml_node *config, const char *text, size_t len,
		    const struct validate_limits *limits, struct validate_report *report);

/*
 * Parse text[0..len) as report->file and run validate_config() over it; a
 * parse failure becomes one error of stage "parse". Same returns as
 * validate_config(); ARBOR_E_INVALID also for a document that does not
 * parse or exceeds the XML limits.
 */
int validate_document(const char *text, size_t len, const struct validate_limits *limits,
		      struct validate_report *report);

#endif

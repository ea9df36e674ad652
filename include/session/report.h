/*
 * Report session: a client publishes text (a report) through a shared
 * buffer. The report is named by the session's full label; report_rom
 * hands the latest one out as a ROM module to the clients its policy maps
 * to it (see doc/sessions/report.md).
 */
#ifndef ARBOR_SESSION_REPORT_H
#define ARBOR_SESSION_REPORT_H

#include <stdint.h>

#define ARBOR_REPORT_SERVICE     "Report"

/*
 * The session argument buffer_size (bytes of the shared buffer, e.g.
 * "buffer_size=4096") is required: 1 .. ARBOR_REPORT_BUFFER_MAX, else the
 * session is denied.
 */
#define ARBOR_REPORT_BUFFER_MAX  (16u << 20)

#define ARBOR_REPORT_PAGES(size) ((((uint64_t)(size)) + 4095u) & ~(uint64_t)4095u)

/*
 * What a session costs the server: its state (4 KiB), the shared buffer,
 * and room for two copies of a report, the published one and the next
 * (a submission stores the new copy before it frees the old, so that a
 * failure leaves the published report as it was). Each dataspace is one
 * cap: the buffer and the two copies. A donation that arrives smaller is
 * answered with ARBOR_E_INSUFFICIENT_RAM / ARBOR_E_INSUFFICIENT_CAPS.
 */
#define ARBOR_REPORT_SESSION_COST(buffer_size) \
	(4096u + 3u * ARBOR_REPORT_PAGES(buffer_size))
#define ARBOR_REPORT_SESSION_COST_CAPS 3u

/*
 * What a client donates: the cost plus 4 KiB for what the parents on the
 * way keep (ARBOR_SESSION_STATE_RAM each).
 */
#define ARBOR_REPORT_SESSION_RAM(buffer_size) (ARBOR_REPORT_SESSION_COST(buffer_size) + 4096u)
#define ARBOR_REPORT_SESSION_CAPS ARBOR_REPORT_SESSION_COST_CAPS

enum arbor_report_op {
	/*
	 * dataspace() -> cap: the shared buffer, writeable, at least
	 * buffer_size bytes (page-rounded). The same dataspace for the
	 * session's lifetime. No errors.
	 */
	ARBOR_REPORT_DATASPACE = 0,
	/*
	 * submit(struct arbor_report_submit_args): publish the first length
	 * bytes of the buffer as the report (copied: the client may write the
	 * buffer again right away). length 0 withdraws the report (readers
	 * see empty content). Errors: ARBOR_E_INVALID (length above
	 * buffer_size), ARBOR_E_OUT_OF_RAM (the server could not store the
	 * copy; the published report stays as it was).
	 */
	ARBOR_REPORT_SUBMIT,
	/*
	 * response_sigh(cap: signal context, or invalid): where the server
	 * signals that it wrote a response into the buffer. report_rom never
	 * responds: it keeps the context and never signals it.
	 * Errors: ARBOR_E_INVALID_CAP (not a signal context).
	 */
	ARBOR_REPORT_RESPONSE_SIGH,
	/*
	 * obtain_responses() -> struct arbor_report_responses: the bytes of
	 * response the server wrote into the buffer; always 0 at report_rom.
	 * No errors.
	 */
	ARBOR_REPORT_OBTAIN_RESPONSES,
	ARBOR_REPORT_NOPS
};

struct arbor_report_submit_args {
	uint64_t length;
};

struct arbor_report_responses {
	uint64_t length;
};

#endif

/*
 * LOG session: text lines from a client, printed as "[label] text" with the
 * label the session was created with (Genode's format).
 */
#ifndef ARBOR_SESSION_LOG_H
#define ARBOR_SESSION_LOG_H

#define ARBOR_LOG_SERVICE      "LOG"
#define ARBOR_LOG_SESSION_RAM  (4u * 1024)
#define ARBOR_LOG_SESSION_CAPS 1u
#define ARBOR_LOG_WRITE_MAX    4000u

enum arbor_log_op {
	/* write(text): payload is the text, 0..ARBOR_LOG_WRITE_MAX bytes; each line is printed */
	ARBOR_LOG_WRITE = 0,
	ARBOR_LOG_NOPS
};

#endif

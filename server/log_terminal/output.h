/*
 * log_terminal's terminal side: the one Terminal session all LOG lines go
 * to, the backlog in front of it and the thread that writes it out.
 */
#ifndef LOG_TERMINAL_OUTPUT_H
#define LOG_TERMINAL_OUTPUT_H

#include <stddef.h>
#include <arbor/env.h>

/*
 * Start the writer, which opens the Terminal session (labeled "") and
 * follows its connected signal; until then lines wait in the backlog. A
 * Terminal session that cannot be opened or fails later ends the
 * component. Returns 0 or an error of creating the signal context or the
 * thread.
 */
int output_open(struct arbor_env *env);

/*
 * Queue the text of one LOG write (len bytes) as "[label] line\r\n" lines;
 * a last line without '\n' counts as a line. Never waits for the terminal.
 */
void output_lines(const char *label, const char *text, size_t len);

#endif

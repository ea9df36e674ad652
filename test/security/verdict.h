/*
 * Verdicts of escape attempts: denied (with the errno or signal that
 * stopped it) or escaped (with what got through), and tallies of the
 * errnos a scan over many targets met.
 */
#ifndef ARBOR_TEST_SECURITY_VERDICT_H
#define ARBOR_TEST_SECURITY_VERDICT_H

#define VERDICT_DETAIL_MAX 240

struct verdict {
	int escaped;
	char detail[VERDICT_DETAIL_MAX];
};

/* "EPERM", "ENOENT", ...; never NULL. */
const char *verdict_errno_name(int err);
/* "SIGSYS", ...; never NULL (a static buffer). */
const char *verdict_signal_name(int sig);

void verdict_denied(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verdict_escaped(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The verdict of a syscall that must fail: ret < 0 is a denial named by
 * err; anything else escaped, with `how` describing the success.
 */
void verdict_syscall(struct verdict *v, long ret, int err, const char *how);

/* Counts of the errno values a scan of many targets met. */
struct verdict_tally {
	unsigned count[4096];
	unsigned successes;
};
void verdict_tally_add(struct verdict_tally *t, long ret, int err);
/* "ESRCH x4094, EPERM x1" into buf. */
void verdict_tally_format(const struct verdict_tally *t, char *buf, unsigned size);

/* None of paths may open with flags: escaped at the first that does, else denied with every errno. */
void verdict_none_opens(struct verdict *v, const char *const *paths, unsigned n, int flags);

#endif

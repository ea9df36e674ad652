/*
 * The system-call policy of every component, built once with libseccomp
 * into a BPF program that each spawn installs as its last step.
 */
#ifndef ARBOR_CORE_SANDBOX_SECCOMP_POLICY_H
#define ARBOR_CORE_SANDBOX_SECCOMP_POLICY_H

#include <linux/filter.h>

/*
 * Build the policy into *prog (cleared first; prog->filter is malloc'd and
 * owned by the caller until seccomp_policy_free()).
 * Errors: -ENOMEM, or the errno libseccomp reports for a rule or the export.
 */
int seccomp_policy_build(struct sock_fprog *prog);

/* Free a program built by seccomp_policy_build(); clears *prog. */
void seccomp_policy_free(struct sock_fprog *prog);

#endif

/*
 * What a VM session allows, tried from inside the sandbox: the handle from
 * core creates one VM, and nothing else gets another: not a second
 * KVM_CREATE_VM, not a duplicate of the handle, not a forked child holding
 * it, not /dev/kvm opened directly. A second session is good for one more.
 * Each attempt logs one line; the scenario (scenarios/vm_session.scn)
 * checks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <session/vm.h>

/* A VM session's /dev/kvm handle, or -1. */
static int kvm_handle(struct arbor_env *env, struct arbor_connection *conn)
{
	struct arbor_msg reply;
	struct arbor_cap *cap;
	int fd = -1;

	if (arbor_connection_open(env, conn, ARBOR_VM_SERVICE, "", ARBOR_VM_SESSION_RAM,
	                          ARBOR_VM_SESSION_CAPS, NULL))
		return -1;
	if (arbor_rpc_call(conn->cap, ARBOR_VM_KVM, NULL, 0, NULL, 0, &reply) < 0)
		return -1;
	cap = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	if (cap && arbor_cap_kind(cap) == ARBOR_CAP_DEVICE)
		fd = dup(arbor_cap_fd(cap));
	arbor_cap_unref(cap);
	return fd;
}

/* "created" or "denied (EPERM)"; a created VM is closed again unless kept. */
static const char *create_vm(int kvm, int *vm)
{
	static char text[64];
	int fd = ioctl(kvm, KVM_CREATE_VM, 0);

	if (fd >= 0) {
		if (vm)
			*vm = fd;
		else
			close(fd);
		return "created";
	}
	snprintf(text, sizeof(text), "denied (%s)", strerror(errno));
	return text;
}

/* A forked child is not traced by core, so the filter's hand-over fails it. */
static const char *create_vm_in_child(int kvm)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(ioctl(kvm, KVM_CREATE_VM, 0) >= 0 ? 0 : errno == ENOSYS ? 2 : errno == EPERM ? 3 : 4);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return "unknown";
	switch (WEXITSTATUS(status)) {
	case 0:  return "created";
	case 2:  return "denied (ENOSYS)";
	case 3:  return "denied (EPERM)";
	default: return "denied (other)";
	}
}

void component_construct(struct arbor_env *env)
{
	struct arbor_connection first, second;
	int kvm = kvm_handle(env, &first), kvm2, vm = -1, copy;

	if (kvm < 0) {
		arbor_log("no VM session: cannot open /dev/kvm");
		arbor_exit(env, 0);
	}
	arbor_log("open /dev/kvm directly: %s",
	          open("/dev/kvm", O_RDWR) < 0 ? "denied" : "opened");
	arbor_log("first VM: %s", create_vm(kvm, &vm));
	arbor_log("KVM_CREATE_VCPU on it: %s", ioctl(vm, KVM_CREATE_VCPU, 0) >= 0 ? "ok" : "failed");
	arbor_log("second VM on the same handle: %s", create_vm(kvm, NULL));
	copy = dup(kvm);
	arbor_log("VM on a duplicate of the handle: %s", create_vm(copy, NULL));
	arbor_log("VM in a forked child: %s", create_vm_in_child(kvm));
	kvm2 = kvm_handle(env, &second);
	arbor_log("first VM of a second session: %s", create_vm(kvm2, NULL));
	arbor_log("its second VM: %s", create_vm(kvm2, NULL));
	arbor_log("done");
	arbor_exit(env, 0);
}

/*
 * VM service: one /dev/kvm handle per session, good for one VM. KVM binds
 * a VM to the address space that creates it, so core cannot create the VM
 * and pass it on; instead the sandbox's filter sends every KVM_CREATE_VM
 * to core (the tracer's gate below), which lets through the first one on a
 * session's own handle, recognised by kcmp(), and fails all others.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>
#include <arbor/error.h>
#include <session/vm.h>
#include "core.h"

struct vm_session {
	struct arbor_rpc_object obj;
	struct vm_session *next;
	char label[ARBOR_LABEL_MAX];
	int kvm;                       /* the session's own open file of /dev/kvm */
	int vm_created;
};

static struct vm_session *sessions;

static int vm_kvm(struct arbor_rpc_request *req)
{
	return core_reply_device(req, container_of(req->object, struct vm_session, obj)->kvm);
}

static const struct arbor_rpc_op vm_ops[ARBOR_VM_NOPS] = {
	[ARBOR_VM_KVM] = { "kvm", 0, 0, 0, vm_kvm },
};

static const struct arbor_rpc_interface vm_iface = { "VM", vm_ops, ARBOR_VM_NOPS };

static int vm_create(struct core_client *owner, const char *label, const char *args,
                     void **obj, struct arbor_cap **cap)
{
	struct vm_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (s->kvm < 0) {
		core_warning("VM session for \"%s\" denied: cannot open /dev/kvm: %s", label,
		             strerror(errno));
		free(s);
		return ARBOR_E_DENIED;
	}
	err = arbor_rpc_object_manage(core.ep, &s->obj, &vm_iface);
	if (err) {
		close(s->kvm);
		free(s);
		return err;
	}
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->next = sessions;
	sessions = s;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void vm_destroy(void *obj)
{
	struct vm_session *s = obj, **p;

	for (p = &sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	arbor_rpc_object_dissolve(&s->obj);
	close(s->kvm);
	free(s);
}

int vm_session_gate(pid_t tgid, pid_t tid, const struct user_regs_struct *regs)
{
	int fd = (int)regs->rdi;

	(void)tgid;
	for (struct vm_session *s = sessions; s; s = s->next) {
		if (syscall(SYS_kcmp, getpid(), tid, KCMP_FILE, s->kvm, fd) != 0)
			continue;
		if (s->vm_created) {
			core_warning("\"%s\" tried to create a second VM with one VM session", s->label);
			return -EPERM;
		}
		s->vm_created = 1;
		return 0;
	}
	return -EPERM;                 /* not a VM session's handle */
}

const struct core_service vm_service = {
	.name = ARBOR_VM_SERVICE,
	.ram = ARBOR_VM_SESSION_COST,
	.caps = ARBOR_VM_SESSION_CAPS,
	.create = vm_create,
	.destroy = vm_destroy,
};

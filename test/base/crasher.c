/* A component that crashes: core must report label, signal, address and backtrace. */
#include <stdint.h>
#include <arbor/env.h>
#include <arbor/log.h>

/* noinline/noclone and the barrier keep every frame visible in the backtrace */
__attribute__((noinline, noclone)) void crash_here(volatile int *where);
__attribute__((noinline, noclone)) void on_the_way(volatile int *where);

void crash_here(volatile int *where)
{
	*where = 42;
	__asm__ volatile("" ::: "memory");
}

void on_the_way(volatile int *where)
{
	crash_here(where);
	__asm__ volatile("" ::: "memory");
}

void component_construct(struct arbor_env *env)
{
	arbor_log("about to crash");
	on_the_way((volatile int *)(uintptr_t)0x10);
	arbor_log("still alive?");
}

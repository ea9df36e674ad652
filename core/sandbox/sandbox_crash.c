/*
 * A static test program that crashes in a named function, for the crash
 * reports: sandbox-crash [segv | thread | abort | fpe | ill | wild]. "wild"
 * jumps to address 0 with a garbage frame pointer: the report must survive.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int zero;

__attribute__((noinline)) static void crash_here(const char *how)
{
	if (!strcmp(how, "abort"))
		abort();
	if (!strcmp(how, "fpe"))
		printf("%d\n", 100 / zero);
	if (!strcmp(how, "ill"))
		__builtin_trap();
#if defined(__x86_64__)
	if (!strcmp(how, "wild"))
		__asm__ volatile("mov $0xdeadbeefdead, %%rbp\n\txor %%eax, %%eax\n\tjmp *%%rax" ::: "rax", "memory");
#endif
	*(volatile int *)(uintptr_t)zero = 1;
}

__attribute__((noinline)) static void level_two(const char *how)
{
	crash_here(how);
	__asm__ volatile("");   /* keep the call from becoming a tail call */
}

__attribute__((noinline)) static void level_one(const char *how)
{
	level_two(how);
	__asm__ volatile("");
}

static void *thread_main(void *arg)
{
	level_one("segv");
	return arg;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "segv";
	pthread_t t;

	printf("about to crash (%s)\n", how);
	fflush(stdout);
	if (!strcmp(how, "thread")) {
		pthread_create(&t, NULL, thread_main, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	level_one(how);
	return 0;
}

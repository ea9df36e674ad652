/* The "Test" interface the base scenarios serve and call. */
#ifndef TEST_BASE_TEST_IFACE_H
#define TEST_BASE_TEST_IFACE_H

#include <stdint.h>

#define TEST_SERVICE "Test"

enum test_op {
	TEST_ADD = 0,     /* add(n) -> total so far */
	TEST_ECHO,        /* echo(holder, seq) -> the same */
	TEST_HANG,        /* never answered until the object goes */
	TEST_NOPS
};

struct test_add { uint64_t n; };
struct test_echo { uint32_t holder, seq; char pad[56]; };   /* 64 bytes */

#endif

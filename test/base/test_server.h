/* The Test interface's server side, shared by the base scenarios' roots. */
#ifndef TEST_BASE_TEST_SERVER_H
#define TEST_BASE_TEST_SERVER_H

#include <stdint.h>
#include <arbor/rpc.h>

extern const struct arbor_rpc_interface test_iface;

/* Called when a TEST_HANG call was parked, with the number parked. */
extern void (*test_server_hang_hook)(unsigned hanging);

/* The sum of every add() so far. */
uint64_t test_server_total(void);

/* Calls parked by TEST_HANG. */
unsigned test_server_hanging(void);
void test_server_drop_hanging(void);

#endif

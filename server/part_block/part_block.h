/*
 * part_block: serves the partitions of the Block device below it as Block
 * sessions, one partition per client as its policy says. Shared by its
 * modules: main.c (start: the device, its table, the service), table.c
 * (reading, logging and reporting the partition table) and forward.c (the
 * backend of lib/block's server: policies, and requests passed down to the
 * device asynchronously, split to fit its I/O buffer).
 */
#ifndef PART_BLOCK_H
#define PART_BLOCK_H

#include <arbor/env.h>
#include <block/block_server.h>
#include <report/report_client.h>
#include <block/block_link.h>
#include "config.h"
#include "partition_table.h"

/* A client request on its way through the device, in pieces that fit the I/O buffer. */
struct forward_job {
	struct block_request *req;
	uint64_t issued;            /* blocks submitted to the device */
	uint64_t completed;         /* blocks the device acked */
	int result;                 /* the first error */
	struct forward_job *next;   /* on the free list */
};

struct part_block {
	struct arbor_env *env;
	struct config config;
	struct block_link device;
	struct block_device_info device_info;
	struct partition_table table;
	struct block_server server;
	struct report_connection report;   /* <report partitions="yes"/> */
	/* the request whose pieces did not all fit the device's queue yet */
	struct forward_job *waiting;
	struct forward_job *free_jobs;
	int refused;                /* the server holds requests we refused: wake it when room */
};

/* Read the partition table of pb->device (blocking: before serving). Returns 0 or an error (logged). */
int table_read(struct part_block *pb);

/* Log the table, and report it when the config asks. */
void table_log(const struct part_block *pb);
void table_report(struct part_block *pb);

/* The backend lib/block serves sessions with, and the link's callbacks. */
extern const struct block_backend forward_backend;
void forward_done(struct block_link *l, void *ctx, const struct arbor_packet *sent, int result,
                  const void *data);
void forward_room(struct block_link *l);

#endif

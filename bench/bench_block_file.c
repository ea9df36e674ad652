/*
 * block_file against fio on the same image file, page cache warm for both:
 *
 *   bench_block_file seq arbor -n MIB [BUILD]   bench_block_client reads MIB MiB in
 *                                               1 MiB requests, 8 in flight, through
 *                                               block_file (under `arbor run`)
 *   bench_block_file seq fio -n MIB             fio --rw=read --bs=1M, psync and
 *                                               io_uring (depth 8): the faster one
 *   bench_block_file rand arbor -n COUNT [BUILD]  COUNT random 4 KiB reads, 32 in
 *                                               flight, through block_file
 *   bench_block_file rand fio -n COUNT          fio --ioengine=io_uring --iodepth=32
 *                                               --rw=randread --bs=4k
 *
 * The image is BUILD/bench/block_file.img, 256 MiB of a pattern, made once;
 * each run first reads it whole, so that both sides read from the page
 * cache (fio with --invalidate=0, which would drop it otherwise). fio's
 * buffers are --mem=mmap: with its default, malloc, its 1 MiB reads from
 * the page cache run at a sixth of the speed (2 GB/s against 12 GB/s
 * here, where dd with bs=1M also reaches 12), a baseline too easy to
 * beat. Both
 * sides time their reads alone (fio from its first I/O, the client from
 * its first submit) and print "result <MiB/s> MiB/s" or "result <IOPS>
 * IOPS"; the fio side also what each engine did. Nothing is pinned: fio is
 * one process, the Arbor side a client and block_file, on the two CPUs.
 *
 * For the breakdown both sides also print the CPU time they spent per
 * request: "cpu_client" and "cpu_server" (bench_block_client's own, and
 * block_file's from /proc, its workers included), "cpu" for fio (its
 * usr_cpu and sys_cpu over its runtime).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_core.h"

#define IMAGE_NAME  "block_file.img"
#define IMAGE_SIZE  (256ull << 20)
#define CHUNK       (1u << 20)
#define TIMEOUT_MS  300000

static char chunk[CHUNK];

/* BUILD/bench/bench_block_file: the build directory is one level up. */
static void build_dir(char *build, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", build, size - 1);

	if (len <= 0)
		bench_die("cannot find the build directory", -ENOENT);
	build[len] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
}

/* The image, made once; then read whole, into the page cache. */
static void prepare_image(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) || (uint64_t)st.st_size != IMAGE_SIZE) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			bench_die(path, -errno);
		for (uint64_t at = 0; at < IMAGE_SIZE; at += CHUNK) {
			for (size_t i = 0; i < CHUNK; i += 8)
				memcpy(chunk + i, &(uint64_t){ at + i }, 8);
			if (pwrite(fd, chunk, CHUNK, (off_t)at) != CHUNK)
				bench_die("writing the image", -errno);
		}
		if (fsync(fd))
			bench_die("fsync of the image", -errno);
		close(fd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_die(path, -errno);
	for (uint64_t at = 0; at < IMAGE_SIZE; at += CHUNK)
		if (pread(fd, chunk, CHUNK, (off_t)at) != CHUNK)
			bench_die("reading the image", -errno);
	close(fd);
}

/* ---- fio ---- */

/* The number after "key" : in the "read" part of fio's JSON output, or -1. */
static double json_read_value(const char *json, const char *key)
{
	const char *read = strstr(json, "\"read\"");
	char quoted[64];
	const char *at;

	if (!read)
		return -1;
	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	at = strstr(read, quoted);
	if (!at || !(at = strchr(at, ':')))
		return -1;
	return strtod(at + 1, NULL);
}

/* Run fio with args (NULL-terminated) and return its JSON output (malloc'd). */
static char *run_fio(char *const args[])
{
	char *out = NULL;
	size_t len = 0, cap = 0;
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		bench_die("pipe", -errno);
	pid = fork();
	if (pid < 0)
		bench_die("fork", -errno);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execvp("fio", args);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t n;

		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			out = realloc(out, cap);
			if (!out)
				bench_die("memory for fio's output", -ENOMEM);
		}
		n = read(pipefd[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			printf("fio is not installed (apt-get install fio)\n");
			exit(77);
		}
		bench_die("fio failed", -EIO);
	}
	return out;
}

/* One fio job on the image; its read figure (key "bw_bytes" or "iops") and its CPU per I/O. */
static double fio_job(const char *image, const char *rw, const char *bs, const char *engine,
                      unsigned depth, uint64_t io_bytes, const char *key, double *cpu_us)
{
	char filename[4200], size[64], io_size[64], bs_arg[32], engine_arg[32], depth_arg[32];
	char rw_arg[32];
	char *args[] = {
		"fio", "--name=block_file_baseline", filename, "--readonly", rw_arg, bs_arg, size,
		io_size, engine_arg, depth_arg, "--invalidate=0", "--direct=0", "--norandommap",
		"--randrepeat=0", "--mem=mmap", "--output-format=json", NULL,
	};
	char *json;
	double value;

	snprintf(filename, sizeof(filename), "--filename=%s", image);
	snprintf(rw_arg, sizeof(rw_arg), "--rw=%s", rw);
	snprintf(bs_arg, sizeof(bs_arg), "--bs=%s", bs);
	snprintf(size, sizeof(size), "--size=%llu", (unsigned long long)IMAGE_SIZE);
	snprintf(io_size, sizeof(io_size), "--io_size=%llu", (unsigned long long)io_bytes);
	snprintf(engine_arg, sizeof(engine_arg), "--ioengine=%s", engine);
	snprintf(depth_arg, sizeof(depth_arg), "--iodepth=%u", depth);
	json = run_fio(args);
	value = json_read_value(json, key);
	*cpu_us = (json_read_value(json, "usr_cpu") + json_read_value(json, "sys_cpu")) / 100 *
	          json_read_value(json, "runtime") * 1000 / json_read_value(json, "total_ios");
	free(json);
	if (value <= 0)
		bench_die("no read figure in fio's output", -EBADMSG);
	return value;
}

/* ---- block_file's CPU time ---- */

/* The first process below pid (depth first) whose comm starts with prefix, or 0. */
static pid_t find_below(pid_t pid, const char *prefix)
{
	char path[320], comm[64];
	DIR *tasks;
	struct dirent *t;
	pid_t found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	tasks = opendir(path);
	if (!tasks)
		return 0;
	while (!found && (t = readdir(tasks))) {
		FILE *f;
		int kid;

		if (t->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid, t->d_name);
		f = fopen(path, "r");
		while (f && !found && fscanf(f, "%d", &kid) == 1) {
			FILE *c;

			snprintf(path, sizeof(path), "/proc/%d/comm", kid);
			c = fopen(path, "r");
			if (c && fgets(comm, sizeof(comm), c) && !strncmp(comm, prefix, strlen(prefix)))
				found = kid;
			if (c)
				fclose(c);
			if (!found)
				found = find_below(kid, prefix);
		}
		if (f)
			fclose(f);
	}
	closedir(tasks);
	return found;
}

/* User and system time of pid and its threads in seconds, or -1. */
static double cpu_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	/* after the comm's closing parenthesis: state is field 3, utime 14, stime 15 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	                 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- arbor ---- */

static double arbor(const char *build, const char *mode, long n, double *cpu_client,
                    double *cpu_server)
{
	static struct bench_core core;
	char rest[256], cpu[256], client[160];
	double value;
	pid_t server;

	if (!strcmp(mode, "seq"))
		snprintf(client, sizeof(client), "mode=\"seq\" request=\"1M\" depth=\"8\" bytes=\"%ldM\"",
		         n);
	else
		snprintf(client, sizeof(client), "mode=\"rand\" request=\"4K\" depth=\"32\" count=\"%ld\"",
		         n);
	bench_core_run(&core, build, "block-file", "bench", "bench",
	        "<config>\n"
	        " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	        " <service name=\"CPU\"/> <service name=\"LOG\"/> <service name=\"Host_file\"/>"
	        " </parent-provides>\n"
	        " <default-route>\n"
	        "  <service name=\"ROM\"> <parent/> </service>"
	        " <service name=\"PD\"> <parent/> </service>\n"
	        "  <service name=\"CPU\"> <parent/> </service>"
	        " <service name=\"LOG\"> <parent/> </service>\n"
	        "  <service name=\"Block\"> <child name=\"block_file\"/> </service>\n"
	        " </default-route>\n"
	        " <default caps=\"100\" ram=\"4M\"/>\n"
	        " <start name=\"block_file\"> <provides> <service name=\"Block\"/> </provides>\n"
	        "  <route> <service name=\"Host_file\"> <parent/> </service>"
	        " <any-service> <parent/> </any-service> </route>\n"
	        "  <config stats=\"yes\"> <default-policy file=\"%s\"/> </config> </start>\n"
	        " <start name=\"bench_block_client\" ram=\"64M\"> <config %s/> </start>\n"
	        "</config>\n", IMAGE_NAME, client);
	if (bench_core_wait_tag(&core, "bench_block_client: result", rest, sizeof(rest),
	                        TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("bench_block_client gave no result", -ETIMEDOUT);
	}
	value = strtod(rest, NULL);
	if (bench_core_wait_tag(&core, "bench_block_client: cpu", cpu, sizeof(cpu), TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("bench_block_client gave no CPU time", -ETIMEDOUT);
	}
	*cpu_client = strtod(cpu, NULL);
	/* its comm is the name of the memfd core executed it from; n requests either way */
	server = find_below(core.pid, "memfd:block_fil");
	*cpu_server = server ? cpu_of(server) * 1e6 / (double)n : -1;
	bench_core_finish(&core, SIGTERM, 10000);
	return value;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "", *side = argc > 2 ? argv[2] : "";
	int seq = !strcmp(mode, "seq");
	long n = bench_iterations(argc, argv, seq ? 1024 : 500000);
	char build[4096], image[4200];

	if ((!seq && strcmp(mode, "rand")) || (strcmp(side, "arbor") && strcmp(side, "fio"))) {
		fprintf(stderr, "usage: bench_block_file seq|rand arbor|fio -n N [BUILD]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	build_dir(build, sizeof(build));
	snprintf(image, sizeof(image), "%s/bench/%s", build, IMAGE_NAME);
	prepare_image(image);

	if (!strcmp(side, "arbor")) {
		double cpu_client, cpu_server, value = arbor(build, mode, n, &cpu_client, &cpu_server);
		if (value <= 0)
			bench_die("bench_block_client's result", -EBADMSG);
		bench_report("result", value, seq ? "MiB/s" : "IOPS");
		bench_report("cpu_client", cpu_client, "us");
		if (cpu_server >= 0)
			bench_report("cpu_server", cpu_server, "us");
	} else if (seq) {
		uint64_t bytes = (uint64_t)n << 20;
		double cpu_psync, cpu_uring;
		double psync = fio_job(image, "read", "1M", "psync", 1, bytes, "bw_bytes",
		                       &cpu_psync) / CHUNK;
		double uring = fio_job(image, "read", "1M", "io_uring", 8, bytes, "bw_bytes",
		                       &cpu_uring) / CHUNK;
		bench_report("result", psync > uring ? psync : uring, "MiB/s");
		bench_report("cpu", psync > uring ? cpu_psync : cpu_uring, "us");
		bench_report("psync", psync, "MiB/s");
		bench_report("io_uring", uring, "MiB/s");
	} else {
		double cpu;
		bench_report("result", fio_job(image, "randread", "4k", "io_uring", 32,
		                               (uint64_t)n * 4096, "iops", &cpu), "IOPS");
		bench_report("cpu", cpu, "us");
	}
	return 0;
}

/*
 * Reading a file through ext_fs against debugfs on the same image, page
 * cache warm for both:
 *
 *   bench_ext_fs arbor -n MIB [BUILD]     bench_ext_fs_client reads the MIB MiB
 *                                         file in 4 MiB requests, 2 in flight,
 *                                         through ext_fs on block_file (under
 *                                         `arbor run`)
 *   bench_ext_fs debugfs -n MIB [BUILD]   debugfs -R "dump /file /dev/null"
 *
 * The image is BUILD/bench/ext_fs_<MIB>M.img, ext4 with 4 KiB blocks made
 * by mke2fs -d from a directory holding "file" (a pattern), made once and
 * read whole before each run. ext_fs mounts it read-only. Both print
 * "result <s> s" (lower is better: the target is a ratio <= 1) and
 * "mib_s <MiB/s> MiB/s"; the Arbor side's time is its client's second read
 * of the file, from opening it to its last byte, each packet's data used
 * where it arrived (as debugfs hands its to /dev/null); "first_mib_s" is
 * the first read (every buffer's pages touched for the first time) and
 * "copied_mib_s" a read with fs_read() into the client's memory. debugfs's
 * time is its whole run (its start and the open of the file system, a few
 * milliseconds, included).
 *
 * Request sizes: every byte is copied twice on the Arbor side (page cache
 * to block_file's bulk buffer, to ext_fs's), so they are kept to a few MiB,
 * where the copies still hit the caches; 16 MiB requests measured slower.
 */
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

#define CHUNK      (1u << 20)
#define TIMEOUT_MS 300000

static unsigned char chunk[CHUNK];

/* BUILD/bench/bench_ext_fs: the build directory is one level up. */
static void build_dir(char *build, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", build, size - 1);

	if (len <= 0)
		bench_die("cannot find the build directory", -ENOENT);
	build[len] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
}

/* Run argv with its output to /dev/null; its exit status (127: not there). */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork", -errno);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void require_tools(void)
{
	char *mke2fs[] = { "mke2fs", "-V", NULL }, *debugfs[] = { "debugfs", "-V", NULL };

	if (run(mke2fs) == 127 || run(debugfs) == 127) {
		printf("e2fsprogs (mke2fs, debugfs) are not installed\n");
		exit(77);
	}
}

/* The image with an n MiB file, made once; then read whole, into the page cache. */
static void prepare_image(const char *build, long n, char *image, size_t size)
{
	char tree[4200], file[4300], size_arg[32];
	struct stat st;
	int fd;

	snprintf(image, size, "%s/bench/ext_fs_%ldM.img", build, n);
	if (stat(image, &st)) {
		char *mke2fs[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree,
		                   image, size_arg, NULL };

		snprintf(tree, sizeof(tree), "%s/bench/ext_fs_tree.%d", build, (int)getpid());
		snprintf(file, sizeof(file), "%s/file", tree);
		if (mkdir(tree, 0755) || (fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
			bench_die(tree, -errno);
		for (long at = 0; at < n; at++) {
			for (size_t i = 0; i < CHUNK; i += 8)
				memcpy(chunk + i, &(uint64_t){ (uint64_t)at * CHUNK + i }, 8);
			if (write(fd, chunk, CHUNK) != CHUNK)
				bench_die("writing the file", -errno);
		}
		close(fd);
		/* room for the file, the metadata and the journal */
		snprintf(size_arg, sizeof(size_arg), "%ldM", n + n / 4 + 64);
		if (run(mke2fs) != 0) {
			unlink(image);
			bench_die("mke2fs -d", -EIO);
		}
		unlink(file);
		rmdir(tree);
	}
	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bench_die(image, -errno);
	while (read(fd, chunk, CHUNK) > 0)
		;
	close(fd);
}

static double debugfs(const char *image)
{
	char *argv[] = { "debugfs", "-R", "dump /file /dev/null", (char *)image, NULL };
	uint64_t t0 = bench_now_ns();

	if (run(argv) != 0)
		bench_die("debugfs dump", -EIO);
	return (double)(bench_now_ns() - t0) / 1e9;
}

/*
 * The client's figures: the second read in place (the result), the first
 * one (with the first touches of every buffer) and the copying one.
 */
static double arbor(const char *build, const char *image, double *first, double *copied)
{
	static struct bench_core core;
	char rest[256];
	const char *name = strrchr(image, '/') + 1;
	double value;

	bench_core_run(&core, build, "ext-fs", "bench", "bench",
	        "<config>\n"
	        " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	        " <service name=\"CPU\"/> <service name=\"LOG\"/> <service name=\"Host_file\"/>"
	        " </parent-provides>\n"
	        " <default-route>\n"
	        "  <service name=\"ROM\"> <parent/> </service> <service name=\"PD\"> <parent/> </service>\n"
	        "  <service name=\"CPU\"> <parent/> </service> <service name=\"LOG\"> <parent/> </service>\n"
	        "  <service name=\"Block\"> <child name=\"block_file\"/> </service>\n"
	        "  <service name=\"File_system\"> <child name=\"ext_fs\"/> </service>\n"
	        " </default-route>\n"
	        " <default caps=\"100\" ram=\"4M\"/>\n"
	        " <start name=\"block_file\"> <provides> <service name=\"Block\"/> </provides>\n"
	        "  <route> <service name=\"Host_file\"> <parent/> </service>"
	        " <any-service> <parent/> </any-service> </route>\n"
	        "  <config> <default-policy file=\"%s\"/> </config> </start>\n"
	        " <start name=\"ext_fs\" ram=\"64M\"> <provides> <service name=\"File_system\"/>"
	        " </provides>\n"
	        "  <config writeable=\"no\"> <default-policy root=\"/\"/>"
	        " </config> </start>\n"
	        " <start name=\"bench_ext_fs_client\" ram=\"64M\">"
	        " <config path=\"/file\" request=\"4M\" depth=\"2\" buffer=\"8M\"/> </start>\n"
	        "</config>\n", name);
	if (bench_core_wait_tag(&core, "bench_ext_fs_client: first", rest, sizeof(rest),
	                        TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("bench_ext_fs_client gave no figure", -ETIMEDOUT);
	}
	*first = strtod(rest, NULL);
	if (bench_core_wait_tag(&core, "bench_ext_fs_client: result", rest, sizeof(rest),
	                        TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("bench_ext_fs_client gave no result", -ETIMEDOUT);
	}
	value = strtod(rest, NULL);
	if (bench_core_wait_tag(&core, "bench_ext_fs_client: copied", rest, sizeof(rest),
	                        TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("bench_ext_fs_client gave no second figure", -ETIMEDOUT);
	}
	*copied = strtod(rest, NULL);
	bench_core_finish(&core, SIGTERM, 10000);
	return value;
}

int main(int argc, char **argv)
{
	const char *side = argc > 1 ? argv[1] : "";
	long n = bench_iterations(argc, argv, 100);
	char build[4096], image[4200];
	double s, first = 0, copied = 0;

	if (strcmp(side, "arbor") && strcmp(side, "debugfs")) {
		fprintf(stderr, "usage: bench_ext_fs arbor|debugfs -n MIB [BUILD]\n");
		return 2;
	}
	if (n < 1 || n > 4096)
		bench_die("-n is the file's size in MiB, 1..4096", -EINVAL);
	signal(SIGPIPE, SIG_IGN);
	require_tools();
	build_dir(build, sizeof(build));
	prepare_image(build, n, image, sizeof(image));
	s = !strcmp(side, "arbor") ? arbor(build, image, &first, &copied) : debugfs(image);
	if (s <= 0)
		bench_die("no time measured", -EBADMSG);
	bench_report("result", s, "s");
	bench_report("mib_s", (double)n / s, "MiB/s");
	if (first > 0)
		bench_report("first_mib_s", (double)n / first, "MiB/s");
	if (copied > 0)
		bench_report("copied_mib_s", (double)n / copied, "MiB/s");
	return 0;
}

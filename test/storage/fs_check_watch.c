/*
 * fs_check's watch checks: a second session of the same label changes
 * nodes while the session under test watches a file and its directory;
 * each change is reported once the watch is armed, none when nothing
 * changed, and a change while disarmed is remembered.
 */
#include <string.h>
#include <arbor/error.h>
#include "fs_check.h"

#define R fs_check_result

/* How long a change may take to be reported, and how long "nothing" is watched for. */
#define CHANGE_MS 5000
#define QUIET_MS  200

static struct fs_connection *fs(void)
{
	return fs_check.fs;
}

/* The next watch reported within CHANGE_MS is want. */
static void reported(int want, const char *what)
{
	int got = fs_watch_poll(fs(), CHANGE_MS);

	fs_check_that(got == want, "%s: watch %d reported (%s)", what, want,
	              got >= 0 ? "yes" : fs_check_error_name(got));
}

/* Both watches are reported, in any order. */
static void both_reported(int a, int b, const char *what)
{
	int first = fs_watch_poll(fs(), CHANGE_MS), second = fs_watch_poll(fs(), CHANGE_MS);

	fs_check_that((first == a && second == b) || (first == b && second == a),
	              "%s: watches %d and %d reported (%d, %d)", what, a, b, first, second);
}

static void quiet(const char *what)
{
	R(fs_watch_poll(fs(), QUIET_MS), ARBOR_E_AGAIN, what);
}

void fs_check_watch(void)
{
	static struct fs_connection other;
	struct fs_args args = { .label = fs_check.label, .writeable = 1 };
	struct arbor_fs_status st;
	int wf, wd, wr, dir, od, of;

	R(fs_connection_open(fs_check.env, &other, &args), 0, "a second session");
	dir = fs_dir(fs(), "/w", 1);
	of = fs_file(fs(), (uint32_t)dir, "file", ARBOR_FS_READ_WRITE, 1);
	fs_close(fs(), (uint32_t)of);
	wf = fs_watch(fs(), "/w/file");
	wd = fs_watch(fs(), "/w");
	R(wf < 0 || wd < 0 ? (wf < 0 ? wf : wd) : 0, 0, "watch /w/file and /w");
	R(fs_watch(fs(), "/w/missing"), ARBOR_FS_E_LOOKUP_FAILED, "watch a missing node");
	R(fs_status(fs(), (uint32_t)wf, &st), 0, "status of a watch handle");
	R(fs_watch_arm(fs(), (uint32_t)wf), 0, "arm the file's watch");
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "arm the directory's watch");
	quiet("nothing changed yet");

	od = fs_dir(&other, "/w", 0);
	of = fs_file(&other, (uint32_t)od, "file", ARBOR_FS_READ_WRITE, 0);
	R(fs_write(&other, (uint32_t)of, 0, "changed", 7), 7, "the other session writes /w/file");
	both_reported(wf, wd, "a write tells the file's and its directory's watchers");
	R(fs_watch_arm(fs(), (uint32_t)wf), 0, "re-arm the file's watch");
	quiet("no change, no report");

	/* wd is disarmed: its change is remembered */
	int nf = fs_file(&other, (uint32_t)od, "new", ARBOR_FS_READ_WRITE, 1);
	fs_close(&other, (uint32_t)nf);
	quiet("a new entry in /w does not concern the file");
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "arm the directory's watch after the change");
	reported(wd, "a change while disarmed is reported on arming");

	R(fs_truncate(&other, (uint32_t)of, 2), 0, "the other session truncates /w/file");
	reported(wf, "truncate");
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "re-arm the directory's watch");
	R(fs_watch_arm(fs(), (uint32_t)wf), 0, "re-arm the file's watch");
	int w2 = fs_dir(&other, "/w2", 1);
	int ww2 = fs_watch(fs(), "/w2");
	R(fs_watch_arm(fs(), (uint32_t)ww2), 0, "watch /w2");
	R(fs_move(&other, (uint32_t)od, "new", (uint32_t)w2, "new"), 0, "move /w/new to /w2/new");
	both_reported(wd, ww2, "a move tells both directories");
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "re-arm the directory's watch");
	fs_close(&other, (uint32_t)of);
	R(fs_unlink(&other, (uint32_t)od, "file"), 0, "the other session unlinks /w/file");
	both_reported(wf, wd, "an unlink tells the node's and the directory's watchers");

	/* the session's own changes count as well */
	wr = fs_watch(fs(), "/");
	R(fs_watch_arm(fs(), (uint32_t)wr), 0, "watch /");
	int own = fs_file(fs(), (uint32_t)dir, "own", ARBOR_FS_READ_WRITE, 1);
	R(own < 0 ? own : 0, 0, "this session creates /w/own");
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "re-arm the directory's watch");
	reported(wd, "its own change");
	int top = fs_dir(fs(), "/top", 1);
	reported(wr, "a new directory in /");
	fs_close(fs(), (uint32_t)top);

	/* closing an armed watch reports nothing */
	R(fs_watch_arm(fs(), (uint32_t)wd), 0, "arm the directory's watch once more");
	R(fs_close(fs(), (uint32_t)wd), 0, "close it armed");
	fs_unlink(&other, (uint32_t)od, "own");
	quiet("a closed watch is not reported");

	fs_close(fs(), (uint32_t)own);
	fs_close(fs(), (uint32_t)wf);
	fs_close(fs(), (uint32_t)wr);
	fs_close(fs(), (uint32_t)ww2);
	fs_close(fs(), (uint32_t)dir);
	fs_unlink(&other, (uint32_t)w2, "new");
	fs_close(&other, (uint32_t)w2);
	fs_close(&other, (uint32_t)od);
	int root = fs_dir(&other, "/", 0);
	R(fs_unlink(&other, (uint32_t)root, "w"), 0, "clean up /w");
	fs_unlink(&other, (uint32_t)root, "w2");
	fs_unlink(&other, (uint32_t)root, "top");
	fs_close(&other, (uint32_t)root);
	fs_connection_close(&other);
}

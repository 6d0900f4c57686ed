/* Runner for one unit test binary: forks per test, prints PASS:/FAIL:/SKIPPED: lines. */
#include "unit.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/wait.h>

#define UNIT_SKIP_STATUS 77

struct unit_test {
	const char *name;
	unit_fn fn;
	int line;
};

static struct unit_test tests[512];
static int ntests;
static int failed;
static char tmpdir[256];

void unit_register(const char *name, unit_fn fn, int line)
{
	if (ntests == (int)ARRAY_SIZE(tests)) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests++] = (struct unit_test){name, fn, line};
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("    %s:%d: ", bb_basename(file), line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed = 1;
}

void unit_skip(const char *fmt, ...)
{
	char path[300];
	va_list ap;
	FILE *f;

	/* The parent prints the line, with the test's name, from this file. */
	snprintf(path, sizeof(path), "%s/.skip-reason", unit_tmpdir());
	f = fopen(path, "w");
	if (f) {
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fclose(f);
	}
	fflush(stdout);
	_exit(UNIT_SKIP_STATUS);
}

const char *unit_tmpdir(void)
{
	return tmpdir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

int unit_run_child(void (*fn)(void *), void *arg, char **err)
{
	int pipefd[2], status;
	struct strbuf sb = STRBUF_INIT;
	pid_t pid;

	fflush(NULL);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 2);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t r;
		sb_grow(&sb, 1024);
		r = read(pipefd[0], sb.buf + sb.len, sb.cap - sb.len - 1);
		if (r <= 0)
			break;
		sb.len += r;
		sb.buf[sb.len] = '\0';
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (err)
		*err = sb_steal(&sb);
	else
		sb_release(&sb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int by_line(const void *a, const void *b)
{
	return ((const struct unit_test *)a)->line - ((const struct unit_test *)b)->line;
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (STREQ(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *prog = bb_basename(argv[0]);
	int nfail = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, ntests, sizeof(tests[0]), by_line);
	for (int i = 0; i < ntests; i++) {
		int status;
		pid_t pid;

		if (!selected(tests[i].name, argc, argv))
			continue;
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/unit.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			return 2;
		}
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			tests[i].fn();
			fflush(NULL);
			_exit(failed ? 1 : 0);
		}
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("PASS: unit/%s/%s\n", prog, tests[i].name);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == UNIT_SKIP_STATUS) {
			char path[300], *why;
			snprintf(path, sizeof(path), "%s/.skip-reason", tmpdir);
			why = read_file_at(AT_FDCWD, path, 4096, NULL);
			printf("SKIPPED: unit/%s/%s (%s)\n", prog, tests[i].name, why ? why : "?");
			free(why);
		} else {
			if (WIFSIGNALED(status))
				printf("    killed by signal %d\n", WTERMSIG(status));
			printf("FAIL: unit/%s/%s\n", prog, tests[i].name);
			nfail++;
		}
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	return nfail ? 1 : 0;
}

/* The C tier of the tests: TEST(name) { CHECK(...); } in tests/unit/<area>.c, one binary per
 * file, run by tests/runtest (under qemu-user for cross builds). Each test runs in its own
 * child process, so a crash or a die() fails that test only. */
#ifndef OCIBOX_UNIT_H
#define OCIBOX_UNIT_H

#include "libbb.h"

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn, int line);
void unit_fail(const char *file, int line, const char *fmt, ...) PRINTF(3, 4);
NORETURN void unit_skip(const char *fmt, ...) PRINTF(1, 2);
/* Runs fn in a child and returns its exit status (128+signal if killed), its stderr in *err. */
int unit_run_child(void (*fn)(void *), void *arg, char **err);
/* A scratch directory that is removed after the test. */
const char *unit_tmpdir(void);

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		unit_register(#name, test_##name, __LINE__);                                       \
	}                                                                                          \
	static void test_##name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			unit_fail(__FILE__, __LINE__, "%s", #cond);                                \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			unit_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_,   \
				  #b, b_);                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_))                                                  \
			unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,         \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_))                                                        \
			unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected it to contain \"%s\"",  \
				  #hay, h_ ? h_ : "(null)", n_);                                   \
	} while (0)

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			unit_skip("needs root");                                                   \
	} while (0)

#endif

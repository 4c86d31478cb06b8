/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A tiny test harness in the spirit of redis' testhelp.h. A test is a
 * function; CHECK records a failure with its line and goes on, so one run
 * shows every broken expectation. Each test prints one line, "ok NAME" or
 * "not ok NAME", which tests/run.sh counts.
 */
#ifndef MT_CHECK_H
#define MT_CHECK_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_failures;
static int check_test_failed;
static int check_tests_failed;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                \
			check_failures++;                                              \
			check_test_failed = 1;                                         \
		}                                                                      \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                             \
	do {                                                                           \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
		if (check_a_ != check_b_) {                                            \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n",  \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_);       \
			check_failures++;                                              \
			check_test_failed = 1;                                         \
		}                                                                      \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                             \
	do {                                                                           \
		const char *check_a_ = (a), *check_b_ = (b);                           \
		if (!check_a_ || !check_b_ ? check_a_ != check_b_                      \
					   : strcmp(check_a_, check_b_) != 0) {        \
			fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n",    \
				__FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)", \
				check_b_ ? check_b_ : "(null)");                       \
			check_failures++;                                              \
			check_test_failed = 1;                                         \
		}                                                                      \
	} while (0)

#define RUN_TEST(fn)                                                                   \
	do {                                                                           \
		check_test_failed = 0;                                                 \
		fn();                                                                  \
		printf("%s %s\n", check_test_failed ? "not ok" : "ok", #fn);           \
		check_tests_failed += check_test_failed;                               \
	} while (0)

#define CHECK_DONE() (check_tests_failed ? 1 : 0)

/* Runs a subcommand, fn(argc, args), with stdout and stderr going to the
 * files out and err (truncated), for tests of what commands print and
 * exit with. args is copied: getopt may permute argv. */
static inline int check_run(int (*fn)(int, char **), int argc, const char *const *args,
			    const char *out, const char *err)
{
	char *argv[32];
	int o, e, so, se, rc, i;

	if (argc > 31)
		argc = 31;
	for (i = 0; i < argc; i++)
		argv[i] = strdup(args[i]);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	while (argc--)
		free(argv[argc]);
	return rc;
}

/* The number of strings before the NULL that ends args. */
static inline int check_argc(const char *const *args)
{
	int n = 0;

	while (args[n])
		n++;
	return n;
}

#endif

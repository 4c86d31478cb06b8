/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A tiny test harness in the spirit of redis' testhelp.h. A test is a
 * function; CHECK records a failure with its line and goes on, so one run
 * shows every broken expectation. Each test prints one line, "ok NAME" or
 * "not ok NAME", which tests/run.sh counts.
 */
#ifndef MT_CHECK_H
#define MT_CHECK_H

#include <stdio.h>
#include <string.h>

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

#endif

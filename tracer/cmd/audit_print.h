/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * audit_print: the findings of mcptrace audit as a table for people, JSON
 * Lines for scripts, and SARIF 2.1.0 for code scanning (GitHub's among
 * them). Findings accepted by a baseline (baselined) are left out of all
 * three; the table and JSON say how many there were.
 */
#ifndef MT_AUDIT_PRINT_H
#define MT_AUDIT_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "audit/audit.h"

struct audit_print {
	const char *db_path;   /* the DB, as typed: SARIF's artifact */
	enum audit_sev fail_on;
	size_t baselined;      /* findings left out for the baseline */
	bool stored;	       /* written to the findings table */
};

/* Counts the shown findings at or above sev. */
size_t audit_print__count(const struct audit_result *r, enum audit_sev sev);

void audit_print__table(FILE *out, const struct audit_result *r, const struct audit_print *p);
/* One object per finding, then {"summary": {...}}. Returns 0 or -ENOMEM. */
int audit_print__json(FILE *out, const struct audit_result *r, const struct audit_print *p);
void audit_print__sarif(FILE *out, const struct audit_result *r, const struct audit_print *p);

#endif

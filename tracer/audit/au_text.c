// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * text: the rules that read the text servers send.
 *  - hidden-characters: Unicode tag characters, zero-width and other
 *    invisible characters, bidirectional controls, variation selectors of
 *    the supplement (which can carry bytes), and terminal controls (ANSI
 *    escapes, C1). A zero-width joiner between two emoji is how emoji are
 *    written, and is not counted.
 *  - concealment-instruction: a fixed phrase list, matched with case,
 *    spacing and invisible characters ignored ("Do  NOT tell the\nuser").
 * Definitions are checked by au_defs.c through au_text__hidden and
 * au_text__conceal; au_text__results checks everything else a server sends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"
#include "cmd/text.h"

/* Lower case, single spaces; matched with spacing ignored (README, Audit,
 * lists them). Keep the two lists in step. */
const char *const au_conceal_phrases[] = {
    /* keeping things from the user */
    "do not tell the user",
    "don't tell the user",
    "never tell the user",
    "do not inform the user",
    "do not notify the user",
    "do not mention this",
    "don't mention this",
    "do not mention that",
    "don't mention that",
    "without telling the user",
    "without informing the user",
    "without notifying the user",
    "without the user knowing",
    "without asking the user",
    "hide this from the user",
    "keep this from the user",
    "keep this secret",
    "the user must not know",
    "the user should not know",
    "the user must not see",
    "not visible to the user",
    "do not show the user",
    "don't show the user",
    "do not show this to the user",
    "do not reveal",
    "don't reveal",
    "never reveal",
    "do not disclose",
    "never disclose",
    /* overriding the model's instructions */
    "ignore previous instructions",
    "ignore all previous instructions",
    "ignore the previous instructions",
    "ignore prior instructions",
    "ignore your instructions",
    "disregard previous instructions",
    "disregard all previous instructions",
    "disregard any previous instructions",
    "<important>",
    /* running before or instead of other tools */
    "before using any other tool",
    "before calling any other tool",
    "before any other tool",
    "instead of any other tool",
    "instead of the other tool",
    "use this tool instead of",
    "always use this tool instead",
    "call this tool first",
    "must be called before any other",
    NULL,
};

/* Whether cp is drawn as an emoji (the neighbours a ZWJ joins). */
static bool emoji_like(unsigned cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) ||
	       cp == 0xfe0f || (cp >= 0x1f3fb && cp <= 0x1f3ff);
}

struct hidden_scan {
	unsigned counts[AU_CONTROL + 1];
	size_t first; /* byte offset of the first one */
	size_t first_len;
	bool any;
	struct au_buf tags; /* the ASCII the tag characters spell */
};

static void scan_hidden(const char *s, size_t len, struct hidden_scan *h)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp, prev = 0, next;
	size_t i = 0, n, m;

	while (i < len) {
		enum au_hidden k;

		n = text__utf8_seq(p + i, len - i, &cp);
		if (!n) {
			i++;
			prev = 0;
			continue;
		}
		k = au__hidden_class(cp);
		if (k == AU_ZW && cp == 0x200d) {
			m = i + n < len ? text__utf8_seq(p + i + n, len - i - n, &next) : 0;
			if (emoji_like(prev) && m && emoji_like(next))
				k = AU_VISIBLE;
		}
		if (k != AU_VISIBLE) {
			if (!h->any) {
				h->first = i;
				h->first_len = n;
			}
			h->any = true;
			h->counts[k]++;
			if (k == AU_TAG && cp >= 0xe0020 && cp <= 0xe007e && h->tags.len < 200) {
				char ch = (char)(cp - 0xe0000);

				au__buf_add(&h->tags, &ch, 1);
			}
		}
		prev = cp;
		i += n;
	}
}

int au_text__hidden(struct audit_ctx *c, const struct au_msg *m, const char *tool, const char *path,
		 const char *s, size_t len, enum audit_sev sev)
{
	struct hidden_scan h = {0};
	struct au_buf what = {0}, key = {0};
	const char *red;
	char *owned = NULL, *ex = NULL, *tags = NULL;
	size_t rlen, total = 0;
	int err, k;
	struct au_where w = {m->s, m->id, m->call_id, tool};

	err = au__redact(c, s, len, &red, &rlen, &owned);
	if (err)
		return err;
	scan_hidden(red, rlen, &h);
	if (!h.any)
		goto out;
	au__buf_add(&key, path, strlen(path));
	for (k = AU_TAG; k <= AU_CONTROL; k++) {
		if (!h.counts[k])
			continue;
		total += h.counts[k];
		au__buf_printf(&what, "%s%s", what.len ? ", " : "", au__hidden_name(k));
		au__buf_printf(&key, "|%d", k);
	}
	if (h.counts[AU_TAG])
		sev = AUDIT_HIGH;
	ex = au__excerpt(red, rlen, h.first, h.first_len, 48);
	tags = au__buf_take(&h.tags);
	if (!ex || what.oom || key.oom || (h.counts[AU_TAG] && !tags)) {
		err = -ENOMEM;
		goto out;
	}
	au__add(c, AR_HIDDEN, sev, &w, key.s, ex, NULL,
		"%s (%zu) in %s%s%s, sent by the %s%s%s%s", what.s, total, path,
		tool ? " of " : "", tool ? tool : "", au__sender(m),
		tags && *tags ? "; the tag characters spell \"" : "", tags && *tags ? tags : "",
		tags && *tags ? "\"" : "");
	err = c->err;
out:
	free(what.s);
	free(key.s);
	free(ex);
	free(tags);
	free(h.tags.s);
	free(owned);
	return err;
}

/* The phrases squashed (au__squash), made at the first use. */
static char *squashed[sizeof(au_conceal_phrases) / sizeof(au_conceal_phrases[0])];

/* Maps the offset of byte j of au__squash(s) back into s. */
static size_t unsquash(const char *s, size_t len, size_t j)
{
	char *sq;
	size_t lo = 0, hi = len;

	/* The squashed prefix grows with the prefix of s: find the
	 * shortest prefix of s whose squash is longer than j. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		sq = au__squash(s, mid);
		if (sq && strlen(sq) > j)
			hi = mid;
		else
			lo = mid + 1;
		free(sq);
	}
	return lo ? lo - 1 : 0;
}

int au_text__conceal(struct audit_ctx *c, const struct au_msg *m, const char *tool, const char *path,
		  const char *s, size_t len)
{
	const char *red, *hit = NULL;
	char *owned = NULL, *sq = NULL, *ex = NULL, *key = NULL;
	size_t rlen, i, at, first = 0, found = 0;
	struct au_buf all = {0};
	int err;
	struct au_where w = {m->s, m->id, m->call_id, tool};

	err = au__redact(c, s, len, &red, &rlen, &owned);
	if (err)
		return err;
	sq = au__squash(red, rlen);
	if (!sq) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; au_conceal_phrases[i]; i++) {
		if (!squashed[i]) {
			squashed[i] = au__squash(au_conceal_phrases[i],
						 strlen(au_conceal_phrases[i]));
			if (!squashed[i]) {
				err = -ENOMEM;
				goto out;
			}
		}
		if (!strstr(sq, squashed[i]))
			continue;
		/* the first phrase found is the evidence; all of them are named */
		if (!hit) {
			hit = strstr(sq, squashed[i]);
			first = i;
		}
		if (found < 6)
			au__buf_printf(&all, "%s\"%s\"", found ? ", " : "", au_conceal_phrases[i]);
		found++;
	}
	if (!hit)
		goto out;
	at = unsquash(red, rlen, (size_t)(hit - sq));
	ex = au__excerpt(red, rlen, at, strlen(au_conceal_phrases[first]), 60);
	if (!ex || all.oom || asprintf(&key, "%s|%s", path, au_conceal_phrases[first]) < 0) {
		key = NULL;
		err = -ENOMEM;
		goto out;
	}
	au__add(c, AR_CONCEAL, AUDIT_HIGH, &w, key, ex, NULL, "%s%s%s tells the model %s", path,
		tool ? " of " : "", tool ? tool : "", all.s);
	err = c->err;
out:
	free(owned);
	free(sq);
	free(ex);
	free(key);
	free(all.s);
	return err;
}

/* Methods whose results are definitions: au_defs.c reads them. */
static bool is_definition(const char *method)
{
	static const char *const defs[] = {"initialize", "tools/list", "prompts/list",
					   "resources/list", "resources/templates/list",
					   "server/discover", NULL};

	for (int i = 0; method && defs[i]; i++)
		if (!strcmp(method, defs[i]))
			return true;
	return false;
}

struct results_arg {
	struct audit_ctx *c;
	const struct au_msg *m;
	const char *tool;
	size_t before;
	int err;
};

static bool result_string(void *arg, const char *path, const char *s, size_t len)
{
	struct results_arg *a = arg;

	a->err = au_text__hidden(a->c, a->m, a->tool, path, s, len, AUDIT_MEDIUM);
	/* one finding a message is enough */
	return !a->err && a->c->res->n == a->before;
}

int au_text__results(struct audit_ctx *c, const struct au_msg *m)
{
	struct results_arg a = {c, m, NULL, c->res->n, 0};
	const cJSON *part;

	if (m->c2s || !m->json || (!strcmp(m->kind, "response") && is_definition(m->method)))
		return 0;
	a.tool = au__msg_tool(m);
	if (!a.tool)
		a.tool = m->method;
	part = cJSON_GetObjectItemCaseSensitive(m->json, "result");
	if (!part)
		part = cJSON_GetObjectItemCaseSensitive(m->json, "params");
	if (!part)
		part = cJSON_GetObjectItemCaseSensitive(m->json, "error");
	au__walk_strings(part, part ? part->string : "", true, result_string, &a);
	return a.err;
}

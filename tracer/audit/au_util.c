// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * util: what the rules need to handle text from traced programs: UTF-8
 * decoding, the classes of hidden characters, cleaning for display,
 * excerpts, redaction, walking a JSON value's strings, canonical JSON and a
 * line diff of it, phrase normalisation, loopback addresses, and a small
 * hash map. Nothing here reads the DB.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"
#include "cmd/text.h"
#include "mcp/redact.h"

enum au_hidden au__hidden_class(unsigned cp)
{
	if (cp >= 0xe0000 && cp <= 0xe007f)
		return AU_TAG;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
	    cp == 0x200f || cp == 0x061c)
		return AU_BIDI;
	if ((cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
	    cp == 0x180e || cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0)
		return AU_ZW;
	if (cp >= 0xe0100 && cp <= 0xe01ef)
		return AU_VARSEL;
	if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f))
		return AU_CONTROL;
	return AU_VISIBLE;
}

const char *au__hidden_name(enum au_hidden h)
{
	switch (h) {
	case AU_TAG:
		return "Unicode tag characters (invisible ASCII)";
	case AU_BIDI:
		return "bidirectional controls";
	case AU_ZW:
		return "zero-width characters";
	case AU_VARSEL:
		return "variation selectors carrying data";
	case AU_CONTROL:
		return "terminal control characters";
	default:
		return "characters";
	}
}

char *au__clean(const char *s, size_t len, size_t max_cp, bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	struct au_buf b = {0};
	size_t i = 0, n, count = 0;
	unsigned cp;
	char esc[16];

	au__buf_add(&b, "", 0);
	while (i < len) {
		if (max_cp && count >= max_cp) {
			au__buf_add(&b, "...", 3);
			break;
		}
		n = text__utf8_seq(p + i, len - i, &cp);
		count++;
		if (!n) {
			au__buf_add(&b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		if (cp == '\n' || cp == '\r' || cp == '\t') {
			if (keep_newlines && cp != '\r')
				au__buf_add(&b, (const char *)p + i, 1);
			else if (cp == '\t')
				au__buf_add(&b, " ", 1);
			else
				au__buf_add(&b, cp == '\n' ? "\\n" : "\\r", 2);
		} else if (au__hidden_class(cp) != AU_VISIBLE) {
			snprintf(esc, sizeof(esc), "<U+%04X>", cp);
			au__buf_add(&b, esc, strlen(esc));
		} else {
			au__buf_add(&b, (const char *)p + i, n);
		}
		i += n;
	}
	return au__buf_take(&b);
}

/* Moves i back to the start of a UTF-8 character (at most 3 bytes). */
static size_t char_start(const char *s, size_t i)
{
	for (int k = 0; k < 3 && i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80; k++)
		i--;
	return i;
}

/* If i falls inside a redaction marker, where that marker starts and ends
 * (*m0, *m1); false otherwise. A marker is at most REDACT_MARKER_MAX
 * bytes. */
static bool in_marker(const char *s, size_t len, size_t i, size_t *m0, size_t *m1)
{
	size_t from = i > REDACT_MARKER_MAX ? i - REDACT_MARKER_MAX : 0;

	for (size_t k = i; k-- > from;) {
		const char *close;

		if (s[k] != '[' || len - k < 10 || memcmp(s + k, "[redacted:", 10))
			continue;
		close = memchr(s + k, ']', len - k < REDACT_MARKER_MAX ? len - k : REDACT_MARKER_MAX);
		if (!close || (size_t)(close - s) < i)
			return false;
		*m0 = k;
		*m1 = (size_t)(close - s) + 1;
		return true;
	}
	return false;
}

char *au__excerpt(const char *s, size_t len, size_t at, size_t n, size_t ctx)
{
	size_t a = at > ctx ? char_start(s, at - ctx) : 0;
	size_t e = at + n + ctx < len ? char_start(s, at + n + ctx) : len;
	size_t m0, m1;
	struct au_buf b = {0};
	char *mid;

	if (e < at + n)
		e = at + n < len ? at + n : len;
	/* a marker is shown whole or not at all */
	if (a > 0 && in_marker(s, len, a, &m0, &m1))
		a = m0;
	if (e < len && in_marker(s, len, e, &m0, &m1))
		e = m1;
	mid = au__clean(s + a, e - a, 0, false);
	if (!mid)
		return NULL;
	if (a > 0)
		au__buf_add(&b, "...", 3);
	au__buf_add(&b, mid, strlen(mid));
	if (e < len)
		au__buf_add(&b, "...", 3);
	free(mid);
	return au__buf_take(&b);
}

int au__redact(const struct audit_ctx *c, const char *s, size_t len, const char **out,
	       size_t *out_len, char **owned)
{
	char *r = NULL;
	size_t rlen = 0;
	int rc = redactor__apply(c->red, s, len, &r, &rlen);

	*owned = NULL;
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = s;
		*out_len = len;
		return 0;
	}
	*owned = r;
	*out = r;
	*out_len = rlen;
	return 0;
}

bool au__walk_strings(const cJSON *node, const char *path, bool keys, au_str_fn fn, void *arg)
{
	const cJSON *ch;
	char sub[256];
	size_t i = 0;

	if (!node)
		return true;
	if (cJSON_IsString(node) && node->valuestring)
		return fn(arg, path, node->valuestring, strlen(node->valuestring));
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return true;
	for (ch = node->child; ch; ch = ch->next, i++) {
		if (cJSON_IsObject(node)) {
			const char *k = ch->string ? ch->string : "";

			snprintf(sub, sizeof(sub), "%s%s%.64s", path, *path ? "." : "", k);
			if (keys && !fn(arg, sub, k, strlen(k)))
				return false;
		} else {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		}
		if (!au__walk_strings(ch, sub, keys, fn, arg))
			return false;
	}
	return true;
}

static int cmp_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* Sorts the members of every object under node, in place. */
static bool sort_keys(cJSON *node)
{
	cJSON *ch, **v;
	size_t n = 0, i;

	for (ch = node->child; ch; ch = ch->next) {
		if (!sort_keys(ch))
			return false;
		n++;
	}
	if (!cJSON_IsObject(node) || n < 2)
		return true;
	v = malloc(n * sizeof(*v));
	if (!v)
		return false;
	for (i = 0, ch = node->child; ch; ch = ch->next)
		v[i++] = ch;
	qsort(v, n, sizeof(*v), cmp_key);
	for (i = 0; i < n; i++) {
		v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the head's prev is the tail */
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	}
	node->child = v[0];
	free(v);
	return true;
}

char *au__canon(const cJSON *node, const char *skip, bool pretty)
{
	cJSON *dup = cJSON_Duplicate(node, 1);
	char *out = NULL;

	if (!dup)
		return NULL;
	if (skip && cJSON_IsObject(dup))
		cJSON_DeleteItemFromObjectCaseSensitive(dup, skip);
	if (sort_keys(dup))
		out = pretty ? cJSON_Print(dup) : cJSON_PrintUnformatted(dup);
	cJSON_Delete(dup);
	return out;
}

/* Splits s into lines (in place); returns how many, at most max. */
static size_t split_lines(char *s, char **v, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		char *nl = strchr(s, '\n');

		v[n++] = s;
		if (!nl)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	return n;
}

#define DIFF_MAX_LINES 400

char *au__diff(const char *a, const char *b, size_t max_lines)
{
	char *ca = strdup(a), *cb = strdup(b), **la = NULL, **lb = NULL;
	struct au_buf out = {0};
	unsigned short *t = NULL; /* LCS lengths, (na+1) x (nb+1) */
	size_t na, nb, i, j, shown = 0, more = 0;

	la = malloc(DIFF_MAX_LINES * sizeof(*la));
	lb = malloc(DIFF_MAX_LINES * sizeof(*lb));
	if (!ca || !cb || !la || !lb)
		goto oom;
	na = split_lines(ca, la, DIFF_MAX_LINES);
	nb = split_lines(cb, lb, DIFF_MAX_LINES);
	t = calloc((na + 1) * (nb + 1), sizeof(*t));
	if (!t)
		goto oom;
	for (i = na; i-- > 0;)
		for (j = nb; j-- > 0;)
			t[i * (nb + 1) + j] =
			    !strcmp(la[i], lb[j])
				? t[(i + 1) * (nb + 1) + j + 1] + 1
				: (t[(i + 1) * (nb + 1) + j] > t[i * (nb + 1) + j + 1]
				       ? t[(i + 1) * (nb + 1) + j]
				       : t[i * (nb + 1) + j + 1]);
	au__buf_add(&out, "", 0);
	for (i = 0, j = 0; i < na || j < nb;) {
		const char *sign, *line;

		if (i < na && j < nb && !strcmp(la[i], lb[j])) {
			i++, j++;
			continue;
		}
		if (j >= nb || (i < na && t[(i + 1) * (nb + 1) + j] >= t[i * (nb + 1) + j + 1])) {
			sign = "- ";
			line = la[i++];
		} else {
			sign = "+ ";
			line = lb[j++];
		}
		if (shown >= max_lines) {
			more++;
			continue;
		}
		au__buf_add(&out, sign, 2);
		/* cJSON_Print indents with tabs and puts one after a key: two
		 * spaces and one read better */
		while (*line == '\t') {
			au__buf_add(&out, "  ", 2);
			line++;
		}
		for (const char *t; (t = strchr(line, '\t'));) {
			au__buf_add(&out, line, (size_t)(t - line));
			au__buf_add(&out, " ", 1);
			line = t + 1;
		}
		au__buf_add(&out, line, strlen(line));
		au__buf_add(&out, "\n", 1);
		shown++;
	}
	if (more)
		au__buf_printf(&out, "(%zu more changed lines)\n", more);
	free(ca), free(cb), free(la), free(lb), free(t);
	return au__buf_take(&out);
oom:
	free(ca), free(cb), free(la), free(lb), free(t);
	free(out.s);
	return NULL;
}

char *au__squash(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len + 1), *o = out;
	size_t i = 0, n;
	unsigned cp;

	if (!out)
		return NULL;
	while (i < len) {
		n = text__utf8_seq(p + i, len - i, &cp);
		if (!n) {
			i++;
			continue;
		}
		if (cp == 0x2018 || cp == 0x2019 || cp == 0x02bc || cp == 0x0060 || cp == 0x00b4)
			*o++ = '\'';
		else if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0 ||
			 (cp >= 0x2000 && cp <= 0x200a) || cp == 0x3000 || cp == 0x202f ||
			 au__hidden_class(cp) != AU_VISIBLE)
			; /* spacing and the invisible: gone */
		else if (cp < 0x80)
			*o++ = (char)(cp >= 'A' && cp <= 'Z' ? cp | 0x20 : cp);
		else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

bool au__is_loopback(const char *addr)
{
	if (!addr || !*addr)
		return false;
	if (addr[0] == '/' || addr[0] == '@')
		return true; /* a unix socket */
	if (!strncmp(addr, "127.", 4) || !strncmp(addr, "[::1]", 5) ||
	    !strncmp(addr, "[::ffff:127.", 12) || !strncmp(addr, "localhost", 9))
		return true;
	return false;
}

uint64_t au__hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- the map: open addressing on FNV-1a, entries in insertion order ---- */

struct au_entry {
	char *key;
	void *val;
};

struct au_map {
	struct au_entry *ents; /* insertion order */
	size_t n, cap;
	size_t *slots; /* index + 1 into ents; 0 empty */
	size_t nslots;
};

struct au_map *au__map_new(void)
{
	return calloc(1, sizeof(struct au_map));
}

static size_t *find(const struct au_map *m, const char *key)
{
	size_t i;

	if (!m->nslots)
		return NULL;
	i = au__hash(key, strlen(key), AU_HASH_INIT) & (m->nslots - 1);
	while (m->slots[i] && strcmp(m->ents[m->slots[i] - 1].key, key))
		i = (i + 1) & (m->nslots - 1);
	return &m->slots[i];
}

static bool rehash(struct au_map *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 64, i;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return false;
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
	for (i = 0; i < m->n; i++)
		*find(m, m->ents[i].key) = i + 1;
	return true;
}

void **au__map_slot(struct au_map *m, const char *key)
{
	size_t *s;

	if ((m->n + 1) * 2 > m->nslots && !rehash(m))
		return NULL;
	s = find(m, key);
	if (*s)
		return &m->ents[*s - 1].val;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct au_entry *e = realloc(m->ents, cap * sizeof(*e));

		if (!e)
			return NULL;
		m->ents = e;
		m->cap = cap;
	}
	m->ents[m->n].key = strdup(key);
	if (!m->ents[m->n].key)
		return NULL;
	m->ents[m->n].val = NULL;
	*s = ++m->n;
	return &m->ents[m->n - 1].val;
}

void *au__map_get(const struct au_map *m, const char *key)
{
	size_t *s = find(m, key);

	return s && *s ? m->ents[*s - 1].val : NULL;
}

void au__map_each(const struct au_map *m, void (*fn)(void *arg, const char *key, void *val),
		  void *arg)
{
	for (size_t i = 0; i < m->n; i++)
		fn(arg, m->ents[i].key, m->ents[i].val);
}

size_t au__map_count(const struct au_map *m)
{
	return m->n;
}

void au__map_free(struct au_map *m, void (*free_val)(void *val))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		if (free_val)
			free_val(m->ents[i].val);
		free(m->ents[i].key);
	}
	free(m->ents);
	free(m->slots);
	free(m);
}

/* ---- growing strings ---- */

void au__buf_add(struct au_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void au__buf_printf(struct au_buf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	au__buf_add(b, s, (size_t)n);
	free(s);
}

char *au__buf_take(struct au_buf *b)
{
	char *s = b->s;

	if (b->oom) {
		free(s);
		s = NULL;
	}
	memset(b, 0, sizeof(*b));
	return s;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * redact: replaces the credentials in one framed text by markers
 * "[redacted:TYPE:HHHHHHHH]" before the text is decoded, stored or printed.
 * The text is untrusted and may be anything, so nothing here parses JSON:
 * one pass walks the bytes, stops only at the few bytes that can start a
 * rule (the first letters of the token prefixes, '-' of a PEM header, ':' of
 * "://", '"' of a member name) and tries the rules of that byte there. The
 * output is allocated at the first secret found, so a text without any (the
 * common case) costs one read and no allocation.
 *
 * Every rule looks ahead only over bytes of its own shape, and the token
 * rules start only after a byte that cannot be part of a token, so no byte
 * is read by more than a few rules: the pass is linear on any input. A
 * secret that is already a marker is left alone, and a marker holds no byte
 * any rule starts on, so redacting twice gives what redacting once gave.
 *
 * Edges: the rules know shapes, not meaning. A member name is recognised
 * wherever `"NAME":"` appears (also inside a JSON string holding JSON, one to
 * three levels deep, as MCP tool results often do), without knowing whether
 * it is really a member; names written with \u escapes pass. Members are
 * redacted only when their value is a string.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "mcp/redact.h"

/* Byte classes; a byte has exactly one. */
enum {
	C_UP = 1,     /* A-Z */
	C_LO = 2,     /* a-z */
	C_DIG = 4,    /* 0-9 */
	C_US = 8,     /* _ */
	C_DASH = 16,  /* - */
	C_PUNCT = 32, /* . ~ + / = : the rest of a bearer token's bytes */
};
#define C_UPNUM (C_UP | C_DIG)
#define C_ALNUM (C_UP | C_LO | C_DIG)
#define C_B64U (C_ALNUM | C_US | C_DASH) /* base64url; also member-name bytes */
#define C_BEARER (C_B64U | C_PUNCT)

/* clang-format off */
static const unsigned char cls[256] = {
	['A' ... 'Z'] = C_UP, ['a' ... 'z'] = C_LO, ['0' ... '9'] = C_DIG,
	['_'] = C_US, ['-'] = C_DASH,
	['.'] = C_PUNCT, ['~'] = C_PUNCT, ['+'] = C_PUNCT, ['/'] = C_PUNCT, ['='] = C_PUNCT,
};

/* The bytes a rule can start on. */
static const bool anchor[256] = {
	['A'] = true, ['g'] = true, ['x'] = true, ['s'] = true, ['r'] = true, ['e'] = true,
	['B'] = true, ['b'] = true, ['-'] = true, [':'] = true, ['"'] = true,
};

/* Member names whose string values are secrets, normalised (see
 * normalise()). */
static const char *const default_keys[] = {
	"password", "passwd", "pwd", "secret", "clientsecret",
	"token", "accesstoken", "refreshtoken", "idtoken",
	"apikey", "authorization", "privatekey", "secretkey", "awssecretaccesskey",
};
/* clang-format on */

struct redactor {
	char (*keys)[REDACT_KEY_MAX]; /* normalised, not NUL-terminated */
	unsigned char *key_lens;
	size_t nkeys, cap;
	uint64_t len_mask; /* bit n-1 set: some key is n bytes long */
};

/* One pass over one text. Bytes before done are already in out (copied or
 * replaced); out stays NULL until the first secret. */
struct scan {
	const unsigned char *t;
	size_t len;
	size_t done;
	char *out;
	size_t out_len, cap;
	int err;
};

/* What a rule found: bytes [start, end) are the secret; the pass goes on at
 * resume. A URL password is deferred: the user name before it is scanned
 * first (from resume), then the password is replaced. */
struct hit {
	size_t start, end, resume;
	const char *type;
	bool defer;
};

/* Lower-cases a member name and drops '-' and '_'; name holds only
 * C_B64U bytes. Returns the length written to dst. */
static size_t normalise(const unsigned char *name, size_t n, char *dst)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (cls[name[i]] & (C_US | C_DASH))
			continue;
		dst[m++] = (char)(cls[name[i]] & C_UP ? name[i] | 0x20 : name[i]);
	}
	return m;
}

static bool key_listed(const struct redactor *r, const unsigned char *name, size_t n)
{
	char norm[REDACT_KEY_MAX];
	size_t m = normalise(name, n, norm), i;

	if (!m || !(r->len_mask & (1ull << (m - 1))))
		return false;
	for (i = 0; i < r->nkeys; i++)
		if (r->key_lens[i] == m && !memcmp(r->keys[i], norm, m))
			return true;
	return false;
}

int redactor__add_key(struct redactor *r, const char *name)
{
	size_t n = name ? strlen(name) : 0, m, i;
	char norm[REDACT_KEY_MAX];

	if (!n || n > REDACT_KEY_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!(cls[(unsigned char)name[i]] & C_B64U))
			return -EINVAL;
	m = normalise((const unsigned char *)name, n, norm);
	if (!m)
		return -EINVAL;
	if (key_listed(r, (const unsigned char *)name, n))
		return 0;
	if (r->nkeys == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		char(*keys)[REDACT_KEY_MAX] = realloc(r->keys, cap * sizeof(*keys));
		unsigned char *lens;

		if (!keys)
			return -ENOMEM;
		r->keys = keys;
		lens = realloc(r->key_lens, cap);
		if (!lens)
			return -ENOMEM;
		r->key_lens = lens;
		r->cap = cap;
	}
	memcpy(r->keys[r->nkeys], norm, m);
	r->key_lens[r->nkeys++] = (unsigned char)m;
	r->len_mask |= 1ull << (m - 1);
	return 0;
}

struct redactor *redactor__new(void)
{
	struct redactor *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < sizeof(default_keys) / sizeof(default_keys[0]); i++) {
		if (redactor__add_key(r, default_keys[i])) {
			redactor__free(r);
			return NULL;
		}
	}
	return r;
}

void redactor__free(struct redactor *r)
{
	if (!r)
		return;
	free(r->keys);
	free(r->key_lens);
	free(r);
}

/* Whether p[0..n) is a whole marker, of any type: those are left alone. */
static bool is_marker(const unsigned char *p, size_t n)
{
	size_t i;

	if (n < 21 || n > REDACT_MARKER_MAX || memcmp(p, "[redacted:", 10) || p[n - 1] != ']' ||
	    p[n - 10] != ':')
		return false;
	for (i = n - 9; i < n - 1; i++)
		if (!(cls[p[i]] & C_DIG) && !(p[i] >= 'a' && p[i] <= 'f'))
			return false;
	for (i = 10; i < n - 10; i++)
		if (!(cls[p[i]] & (C_LO | C_DASH)))
			return false;
	return true;
}

/* Makes room for need bytes in out. Doubling keeps the copying linear
 * however many small secrets there are. */
static int grow(struct scan *s, size_t need)
{
	size_t cap = s->cap ? s->cap : s->len + 4 * REDACT_MARKER_MAX;
	char *out;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	out = realloc(s->out, cap);
	if (!out)
		return -ENOMEM;
	s->out = out;
	s->cap = cap;
	return 0;
}

/* Copies the bytes up to start and puts the marker of t[start..end) in
 * place of the secret. */
static void emit(struct scan *s, size_t start, size_t end, const char *type)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t gap = start - s->done;

	if (start == end || is_marker(s->t + start, end - start))
		return;
	s->err = grow(s, s->out_len + gap + REDACT_MARKER_MAX + 1);
	if (s->err)
		return;
	memcpy(s->out + s->out_len, s->t + s->done, gap);
	s->out_len += gap;
	SHA256(s->t + start, end - start, md);
	s->out_len +=
	    (size_t)snprintf(s->out + s->out_len, REDACT_MARKER_MAX + 1,
			     "[redacted:%s:%02x%02x%02x%02x]", type, md[0], md[1], md[2], md[3]);
	s->done = end;
}

static bool has(const struct scan *s, size_t i, const char *lit, size_t n)
{
	return i <= s->len && s->len - i >= n && !memcmp(s->t + i, lit, n);
}

/* The byte at i, or -1 past the end. */
static int at(const struct scan *s, size_t i)
{
	return i < s->len ? s->t[i] : -1;
}

/* How many bytes of class mask start at i, counting at most max. */
static size_t run(const struct scan *s, size_t i, unsigned mask, size_t max)
{
	size_t n = 0;

	while (i + n < s->len && n < max && (cls[s->t[i + n]] & mask))
		n++;
	return n;
}

/* Whether the byte before i could belong to a token: token rules start only
 * after one that cannot, so "task-..." holds no "sk-" key, and no token
 * starts inside the alnum run of another (whose length decides whether that
 * one matches). '=', '/', '.' do not count: KEY=AKIA... is a key. A byte
 * already replaced counts as the ']' of its marker, so the answer is the
 * same on a second pass. */
static bool word_before(const struct scan *s, size_t i)
{
	return i > s->done && (cls[s->t[i - 1]] & C_B64U);
}

static bool set_hit(struct hit *h, size_t start, size_t end, const char *type)
{
	h->start = start;
	h->end = end;
	h->resume = end;
	h->type = type;
	h->defer = false;
	return true;
}

/* A prefix of plen bytes at i then at least min bytes of mask, greedily. */
static bool token(const struct scan *s, size_t i, size_t plen, unsigned mask, size_t min,
		  const char *type, struct hit *h)
{
	size_t n = run(s, i + plen, mask, SIZE_MAX);

	return n >= min && set_hit(h, i, i + plen + n, type);
}

/* AKIA/ASIA + 16 [A-Z0-9] (exactly: a longer alnum run is not a key id);
 * AIza + 35 [A-Za-z0-9_-] (exactly). */
static bool rule_A(const struct scan *s, size_t i, struct hit *h)
{
	if (has(s, i, "AKIA", 4) || has(s, i, "ASIA", 4))
		return run(s, i + 4, C_ALNUM, 17) == 16 && run(s, i + 4, C_UPNUM, 16) == 16 &&
		       set_hit(h, i, i + 20, "aws-key");
	if (has(s, i, "AIza", 4))
		return run(s, i + 4, C_B64U, 36) == 35 && set_hit(h, i, i + 39, "api-key");
	return false;
}

/* ghp_ gho_ ghu_ ghs_ ghr_ + 36 or more alnum; github_pat_ + 22 or more
 * [A-Za-z0-9_]. */
static bool rule_g(const struct scan *s, size_t i, struct hit *h)
{
	int c = at(s, i + 2);

	if (has(s, i, "gh", 2) && c > 0 && strchr("pousr", c) && at(s, i + 3) == '_')
		return token(s, i, 4, C_ALNUM, 36, "github-token", h);
	if (has(s, i, "github_pat_", 11))
		return token(s, i, 11, C_ALNUM | C_US, 22, "github-token", h);
	return false;
}

/* xoxb- xoxp- xoxa- xoxr- xoxs- + 10 or more [A-Za-z0-9-]. */
static bool rule_x(const struct scan *s, size_t i, struct hit *h)
{
	int c = at(s, i + 3);

	return has(s, i, "xox", 3) && c > 0 && strchr("bpars", c) && at(s, i + 4) == '-' &&
	       token(s, i, 5, C_ALNUM | C_DASH, 10, "slack-token", h);
}

/* sk- + 20 or more [A-Za-z0-9_-] (OpenAI, Anthropic); sk_live_ and
 * rk_live_ + 16 or more alnum (Stripe). */
static bool rule_sr(const struct scan *s, size_t i, struct hit *h)
{
	if (has(s, i, "sk-", 3))
		return token(s, i, 3, C_B64U, 20, "api-key", h);
	if (has(s, i + 1, "k_live_", 7))
		return token(s, i, 8, C_ALNUM, 16, "api-key", h);
	return false;
}

/* A JWT: three base64url segments of 10 or more bytes joined by dots, the
 * first starting eyJ (base64 of '{"'). */
static bool rule_e(const struct scan *s, size_t i, struct hit *h)
{
	size_t j = i, seg, n;

	if (!has(s, i, "eyJ", 3))
		return false;
	for (seg = 0; seg < 3; seg++) {
		n = run(s, j, C_B64U, SIZE_MAX);
		if (n < 10)
			return false;
		j += n;
		if (seg < 2) {
			if (at(s, j) != '.')
				return false;
			j++;
		}
	}
	return set_hit(h, i, j, "jwt");
}

/* "Bearer " or "bearer " + 16 or more token bytes: the token goes, the word
 * stays. */
static bool rule_b(const struct scan *s, size_t i, struct hit *h)
{
	size_t n;

	if (!has(s, i + 1, "earer ", 6))
		return false;
	n = run(s, i + 7, C_BEARER, SIZE_MAX);
	return n >= 16 && set_hit(h, i + 7, i + 7 + n, "bearer");
}

/* At i a PEM boundary line "-----WORD LABEL-----" (WORD is "BEGIN " or
 * "END ") whose label ends "PRIVATE KEY". Returns the end of the line, or
 * 0. */
static size_t pem_line(const struct scan *s, size_t i, const char *word, size_t wlen)
{
	size_t j, n = 0;

	if (!has(s, i, "-----", 5) || !has(s, i + 5, word, wlen))
		return 0;
	j = i + 5 + wlen;
	while (j + n < s->len && n < 64 && (s->t[j + n] == ' ' || (cls[s->t[j + n]] & C_UP)))
		n++;
	if (n < 11 || memcmp(s->t + j + n - 11, "PRIVATE KEY", 11) || !has(s, j + n, "-----", 5))
		return 0;
	return j + n + 5;
}

/* A PEM private key from its BEGIN line through its END line. Inside a JSON
 * string the lines are joined by \n escapes; a block without an END line
 * (cut short) runs to the end of the string: the next unescaped '"'. */
static bool rule_pem(const struct scan *s, size_t i, struct hit *h)
{
	size_t k = pem_line(s, i, "BEGIN ", 6), e;

	if (!k)
		return false;
	/* After a token byte this is part of something else, except after
	 * the n of a \n escape. */
	if (i > s->done && (cls[s->t[i - 1]] & C_B64U) &&
	    !(s->t[i - 1] == 'n' && i >= s->done + 2 && s->t[i - 2] == '\\'))
		return false;
	while (k < s->len) {
		if (s->t[k] == '\\') {
			k += 2;
			continue;
		}
		if (s->t[k] == '"')
			return set_hit(h, i, k, "private-key");
		if (s->t[k] == '-' && (e = pem_line(s, k, "END ", 4)))
			return set_hit(h, i, e, "private-key");
		k++;
	}
	return set_hit(h, i, s->len, "private-key");
}

/* Bytes that end the user or password of a URL. '[' and ']' too, so that a
 * password holding a marker is not taken whole on a second pass. */
static bool url_stop(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr("@/?#\"\\[]<>", c);
}

/* scheme://user:PASSWORD@host, at the ':' of "://": only the password goes.
 * The user may be empty (redis://:pw@host). */
static bool rule_url(const struct scan *s, size_t i, struct hit *h)
{
	size_t u0 = i + 3, u1, p1;

	/* The byte before is the scheme's last; one already replaced is not. */
	if (!has(s, i, "://", 3) || i <= s->done || !(cls[s->t[i - 1]] & C_ALNUM))
		return false;
	for (u1 = u0; u1 < s->len && s->t[u1] != ':' && !url_stop(s->t[u1]); u1++)
		;
	if (at(s, u1) != ':')
		return false;
	for (p1 = u1 + 1; p1 < s->len && !url_stop(s->t[p1]); p1++)
		;
	if (p1 == u1 + 1 || at(s, p1) != '@')
		return false;
	set_hit(h, u1 + 1, p1, "url-password");
	h->resume = u0;
	h->defer = true;
	return true;
}

/* Whether t[j..) is q backslashes then '"': a quote q+1 bytes wide. */
static bool quote_at(const struct scan *s, size_t j, size_t q)
{
	size_t n;

	if (j >= s->len || s->len - j <= q)
		return false;
	for (n = 0; n < q; n++)
		if (s->t[j + n] != '\\')
			return false;
	return s->t[j + q] == '"';
}

/* Skips JSON white space, and its escaped forms (\n, \\n ...) that
 * pretty-printed JSON inside a string has. */
static size_t skip_ws(const struct scan *s, size_t j)
{
	for (;;) {
		size_t n = 0;
		int c = at(s, j);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			j++;
			continue;
		}
		while (at(s, j + n) == '\\')
			n++;
		c = at(s, j + n);
		if (!n || (c != 'n' && c != 't' && c != 'r'))
			return j;
		j += n + 1;
	}
}

/* Where the JSON string whose content starts at c0 ends, the string being
 * d levels deep (its quotes are preceded by 2^d - 1 backslashes). A quote
 * after a run of r backslashes, with 2^e the largest power of two dividing
 * r + 1, is a quote of level e: a deeper one is content and the scan goes
 * on; one of this level or a shallower one ends the string, before its own
 * 2^e - 1 backslashes. No quote: the text was cut, the string runs to its
 * end. */
static size_t string_end(const struct scan *s, size_t c0, unsigned d)
{
	size_t k = c0;

	for (;;) {
		const unsigned char *p = memchr(s->t + k, '"', s->len - k);
		size_t qp, r = 0;
		unsigned e;

		if (!p)
			return s->len;
		qp = (size_t)(p - s->t);
		while (qp - r > c0 && s->t[qp - r - 1] == '\\')
			r++;
		e = (unsigned)__builtin_ctzll((unsigned long long)r + 1);
		if (e <= d)
			return qp - ((1ull << e) - 1);
		k = qp + 1;
	}
}

/* "NAME":"VALUE" with NAME listed: VALUE's content goes. At a quote after
 * 2^d - 1 backslashes (d < 4) the member is d levels deep in strings, and
 * all its quotes must be that wide. */
static bool rule_key(const struct redactor *r, const struct scan *s, size_t i, struct hit *h)
{
	size_t q = 0, k0 = i + 1, n, j, c0, end;

	while (q < 8 && i > s->done + q && s->t[i - q - 1] == '\\')
		q++;
	if (q & (q + 1))
		return false;
	n = run(s, k0, C_B64U, REDACT_KEY_MAX + 1);
	if (!n || n > REDACT_KEY_MAX || !quote_at(s, k0 + n, q))
		return false;
	j = skip_ws(s, k0 + n + q + 1);
	if (at(s, j) != ':')
		return false;
	j = skip_ws(s, j + 1);
	if (!quote_at(s, j, q) || !key_listed(r, s->t + k0, n))
		return false;
	c0 = j + q + 1;
	end = string_end(s, c0, (unsigned)__builtin_ctzll((unsigned long long)q + 1));
	return set_hit(h, c0, end, "key");
}

/* Tries the rules that can start on the byte at i. */
static bool match(const struct redactor *r, const struct scan *s, size_t i, struct hit *h)
{
	switch (s->t[i]) {
	case '"':
		return rule_key(r, s, i, h);
	case ':':
		return rule_url(s, i, h);
	case '-':
		return rule_pem(s, i, h);
	}
	if (word_before(s, i))
		return false;
	switch (s->t[i]) {
	case 'A':
		return rule_A(s, i, h);
	case 'g':
		return rule_g(s, i, h);
	case 'x':
		return rule_x(s, i, h);
	case 's':
	case 'r':
		return rule_sr(s, i, h);
	case 'e':
		return rule_e(s, i, h);
	case 'B':
	case 'b':
		return rule_b(s, i, h);
	}
	return false;
}

int redactor__apply(const struct redactor *r, const char *text, size_t len, char **out,
		    size_t *out_len)
{
	struct scan s = {.t = (const unsigned char *)text, .len = len};
	struct hit h, pend = {.start = SIZE_MAX};
	size_t i = 0;

	while (i < len && !s.err) {
		size_t limit = pend.start < len ? pend.start : len;

		while (i < limit && !anchor[s.t[i]])
			i++;
		if (i >= pend.start) {
			emit(&s, pend.start, pend.end, pend.type);
			i = pend.end;
			pend.start = SIZE_MAX;
			continue;
		}
		if (i >= len)
			break;
		/* Nothing found in a URL's user name reaches its password
		 * (a user name holds no ':'); the check keeps it so. */
		if (!match(r, &s, i, &h) || (pend.start != SIZE_MAX && h.end > pend.start)) {
			i++;
			continue;
		}
		if (h.defer) {
			pend = h;
			i = h.resume;
			continue;
		}
		emit(&s, h.start, h.end, h.type);
		i = h.resume;
	}
	if (!s.err && pend.start != SIZE_MAX)
		emit(&s, pend.start, pend.end, pend.type);
	if (!s.err && s.out)
		s.err = grow(&s, s.out_len + (len - s.done) + 1);
	if (s.err) {
		free(s.out);
		return s.err;
	}
	if (!s.out)
		return 0;
	memcpy(s.out + s.out_len, s.t + s.done, len - s.done);
	s.out_len += len - s.done;
	s.out[s.out_len] = '\0';
	*out = s.out;
	*out_len = s.out_len;
	return 1;
}

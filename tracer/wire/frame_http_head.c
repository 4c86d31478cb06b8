// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_http_head: the grammar of an HTTP/1.x head (RFC 9112 sections 3-5,
 * RFC 9110 for the fields framing depends on). A start line is checked
 * with a partial mode, so that frame_http can tell junk from a message
 * start while the line is still coming in, without buffering it. Header
 * lines are parsed only once the whole head is there, in place: names and
 * trimmed values are NUL-terminated inside the head buffer, obsolete line
 * folding joined with one space. Nothing here keeps state between calls;
 * what a bad head does to the stream is frame_http.c's business.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/frame_http_head.h"

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static const char ver[] = "HTTP/1.";

/* Matches the HTTP-version "HTTP/1.<digit>" at s[*i..n), whose first from
 * bytes the caller already matched. Returns 1 (minor set, *i past it), 0
 * if a byte differs, -1 if s ends first. */
static int version_at(const char *s, size_t n, size_t *i, size_t from, unsigned *minor)
{
	size_t j;

	for (j = from; j < 7; j++, (*i)++) {
		if (*i >= n)
			return -1;
		if (s[*i] != ver[j])
			return 0;
	}
	if (*i >= n)
		return -1;
	if (s[*i] < '0' || s[*i] > '9')
		return 0;
	*minor = s[(*i)++] - '0';
	return 1;
}

bool http_head__check_start(const char *s, size_t n, bool partial, struct start *st)
{
	size_t i, j;
	int r;

#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (i + (k) > n)                                                                   \
			return partial;                                                            \
	} while (0)

	memset(st, 0, sizeof(*st));
	if (n >= 5 && !memcmp(s, ver, 5)) {
		st->response = true;
		i = 5;
		r = version_at(s, n, &i, 5, &st->minor);
		if (r <= 0)
			return r < 0 ? partial : false;
		NEED(1);
		if (s[i++] != ' ')
			return false;
		for (j = 0; j < 3; j++, i++) {
			NEED(1);
			if (s[i] < '0' || s[i] > '9' || (j == 0 && s[i] == '0'))
				return false;
			st->status = st->status * 10 + (s[i] - '0');
		}
		st->reason_off = i;
		if (i == n)
			return true;
		if (s[i] != ' ')
			return false;
		st->reason_off = ++i;
		for (; i < n; i++)
			if (is_ctl(s[i]) && s[i] != '\t')
				return false;
		st->reason_len = n - st->reason_off;
		return true;
	}
	if (n < 5 && !memcmp(s, ver, n))
		return partial;

	for (i = 0; i < n && i <= 32 && is_tchar(s[i]); i++)
		;
	if (i > 32)
		return false;
	NEED(1);
	if (i == 0 || s[i] != ' ')
		return false;
	st->method_len = i;
	st->target_off = ++i;
	for (; i < n && s[i] != ' ' && !is_ctl(s[i]); i++)
		;
	NEED(1);
	if (i == st->target_off || s[i] != ' ')
		return false;
	st->target_len = i - st->target_off;
	i++;
	r = version_at(s, n, &i, 0, &st->minor);
	if (r <= 0)
		return r < 0 ? partial : false;
	return i == n;
#undef NEED
}

bool http__looks_like(const char *s, size_t n)
{
	size_t i;
	char c;

	if (n >= 7 && !memcmp(s, "HTTP/1.", 7))
		return true;
	for (i = 0; i < n && i < 20 && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_');
	     i++)
		;
	if (i == 0 || i + 2 > n || s[i] != ' ')
		return false;
	c = s[i + 1];
	return c == '/' || c == '*' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '[';
}

const char *http_head__get(const struct http_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nheaders; i++)
		if (!strcasecmp(h->headers[i].name, name))
			return h->headers[i].value;
	return NULL;
}

static char *trim(char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

int http_head__split(char *buf, size_t len, size_t from, struct http_header *hdrs, const char **why)
{
	char *end = buf + len;
	size_t w = from, r = from;
	int n = 0;

	while (buf + r < end) {
		char *line = buf + r, *nl = memchr(line, '\n', end - line);
		size_t ll = nl - line;

		r = nl + 1 - buf;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			/* obs-fold: joins the previous value with one space. */
			char *v = trim(line, &ll);

			if (n == 0) {
				*why = "bad header line";
				return -1;
			}
			if (ll) {
				buf[w - 1] = ' ';
				memmove(buf + w, v, ll);
				w += ll;
				buf[w++] = '\0';
			}
			continue;
		} else {
			char *colon = memchr(line, ':', ll), *v;
			size_t nl_len, vl, i;

			if (!colon || colon == line) {
				*why = "bad header line";
				return -1;
			}
			nl_len = colon - line;
			for (i = 0; i < nl_len; i++)
				if (!is_tchar(line[i])) {
					*why = "bad header line";
					return -1;
				}
			if (n == HTTP_MAX_HEADERS) {
				*why = "too many headers";
				return -1;
			}
			vl = ll - nl_len - 1;
			v = trim(colon + 1, &vl);
			memmove(buf + w, line, nl_len);
			hdrs[n].name = buf + w;
			w += nl_len;
			buf[w++] = '\0';
			memmove(buf + w, v, vl);
			hdrs[n].value = buf + w;
			w += vl;
			buf[w++] = '\0';
			n++;
		}
	}
	return n;
}

int64_t http_head__content_length(const struct http_head *h)
{
	int64_t len = -1;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *s = h->headers[i].value;

		if (strcasecmp(h->headers[i].name, "content-length"))
			continue;
		for (;;) {
			int64_t v = 0;
			int digits = 0;

			while (*s >= '0' && *s <= '9') {
				if (++digits > 18)
					return -2;
				v = v * 10 + (*s++ - '0');
			}
			if (!digits || (len >= 0 && v != len))
				return -2;
			len = v;
			while (*s == ' ' || *s == '\t')
				s++;
			if (!*s)
				break;
			if (*s++ != ',')
				return -2;
			while (*s == ' ' || *s == '\t')
				s++;
		}
	}
	return len;
}

int http_head__transfer_encoding(const struct http_head *h)
{
	int te = 0;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value, *last = strrchr(v, ',');
		size_t n;

		if (strcasecmp(h->headers[i].name, "transfer-encoding"))
			continue;
		last = last ? last + 1 : v;
		while (*last == ' ' || *last == '\t')
			last++;
		n = strlen(last);
		te = (n == 7 && !strncasecmp(last, "chunked", 7)) ? 1 : 2;
	}
	return te;
}

int http_head__content_coding(const struct http_head *h)
{
	int coding = HTTP_CODING_IDENTITY, seen = 0;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value;

		if (strcasecmp(h->headers[i].name, "content-encoding"))
			continue;
		if (seen++)
			return HTTP_CODING_OTHER; /* stacked codings */
		if (!strcasecmp(v, "gzip") || !strcasecmp(v, "x-gzip"))
			coding = HTTP_CODING_GZIP;
		else if (!strcasecmp(v, "deflate"))
			coding = HTTP_CODING_DEFLATE;
		else if (*v && strcasecmp(v, "identity"))
			coding = HTTP_CODING_OTHER;
	}
	return coding;
}

void http_head__media_type(const struct http_head *h, char *ctype)
{
	const char *v = http_head__get(h, "content-type");
	size_t n = 0;

	if (v) {
		for (; v[n] && v[n] != ';' && n < HTTP_CTYPE_MAX; n++)
			ctype[n] = (v[n] >= 'A' && v[n] <= 'Z') ? v[n] + 32 : v[n];
		while (n && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
			n--;
	}
	ctype[n] = '\0';
}

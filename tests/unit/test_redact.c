// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the redactor. The main table is (input, expected output); in the
 * expected text "@{TYPE:SECRET}" stands for the marker of SECRET, so a row
 * says which bytes were the secret. A NULL output means the text passes
 * unchanged. Every row is also redacted twice (nothing more may change) and,
 * where the input is JSON, the output must still parse. Further tests: the
 * marker's hash, member names added at run time, binary input, 8 MiB of
 * hostile patterns, and a throughput figure on secret-free JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/sha.h>

#include "check.h"
#include "mcp/redact.h"

#define AWS "AKIAIOSFODNN7EXAMPLE"
#define AWS_STS "ASIAY34FZKBOKMUTVV7A"
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define GHP "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
#define GHS "ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789xyz"
#define GHPAT "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"
#define SLACK "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
#define OPENAI "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz12345"
#define ANTHROPIC "sk-ant-api03-abcdefghijklmnopqrstuvwxyz_ABCDEFG-1234567890"
#define GOOGLE "AIzaSyA1b2C3d4E5f6G7h8I9j0K_L-mNoPqRsTu"
#define STRIPE "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
#define STRIPE_R "rk_live_4eC39HqLyjWDarjtT1zdp7dc"
#define JWT                                                                                        \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."                        \
	"dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
#define BEARER "abc.def-ghi_jkl~mno+pqr/st="
#define PEM_BODY "\\nMIIEowIBAAKCAQEAx7\\nabc+/=\\n"
#define PEM "-----BEGIN RSA PRIVATE KEY-----" PEM_BODY "-----END RSA PRIVATE KEY-----"
#define PEM_OPEN "-----BEGIN OPENSSH PRIVATE KEY-----" PEM_BODY "b3BlbnNzaC1rZXk"

struct redact_case {
	const char *in;
	const char *out; /* NULL: unchanged */
};

/* clang-format off */
static const struct redact_case cases[] = {
	/* token shapes */
	{ "{\"k\":\"" AWS "\"}", "{\"k\":\"@{aws-key:" AWS "}\"}" },
	{ "id=" AWS_STS ".", "id=@{aws-key:" AWS_STS "}." },
	{ "[\"" GHP "\",\"" GHS "\"]", "[\"@{github-token:" GHP "}\",\"@{github-token:" GHS "}\"]" },
	{ "{\"t\":\"" GHPAT "\"}", "{\"t\":\"@{github-token:" GHPAT "}\"}" },
	{ "{\"t\":\"" SLACK "\"}", "{\"t\":\"@{slack-token:" SLACK "}\"}" },
	{ "{\"t\":\"" OPENAI "\"}", "{\"t\":\"@{api-key:" OPENAI "}\"}" },
	{ "export KEY=" ANTHROPIC "\n", "export KEY=@{api-key:" ANTHROPIC "}\n" },
	{ "{\"t\":\"" GOOGLE "\"}", "{\"t\":\"@{api-key:" GOOGLE "}\"}" },
	{ "{\"t\":\"" STRIPE " " STRIPE_R "\"}",
	  "{\"t\":\"@{api-key:" STRIPE "} @{api-key:" STRIPE_R "}\"}" },
	{ "{\"t\":\"" JWT "\"}", "{\"t\":\"@{jwt:" JWT "}\"}" },
	{ "{\"cmd\":\"curl -H 'Authorization: Bearer " BEARER "' x\"}",
	  "{\"cmd\":\"curl -H 'Authorization: Bearer @{bearer:" BEARER "}' x\"}" },
	{ "authorization: bearer " JWT "\r\n", "authorization: bearer @{bearer:" JWT "}\r\n" },
	/* PEM: whole block; cut short, to the end of the string or text */
	{ "{\"k\":\"" PEM "\\n\"}", "{\"k\":\"@{private-key:" PEM "}\\n\"}" },
	{ "{\"k\":\"x\\n" PEM "\"}", "{\"k\":\"x\\n@{private-key:" PEM "}\"}" },
	{ "{\"k\":\"" PEM_OPEN "\",\"n\":1}", "{\"k\":\"@{private-key:" PEM_OPEN "}\",\"n\":1}" },
	{ "{\"k\":\"" PEM_OPEN "a\\\"b\"}", "{\"k\":\"@{private-key:" PEM_OPEN "a\\\"b}\"}" },
	{ "-----BEGIN PRIVATE KEY-----\nMIIE\n", "@{private-key:-----BEGIN PRIVATE KEY-----\nMIIE\n}" },
	/* URL passwords */
	{ "{\"db\":\"postgres://admin:s3cr3t@db.example.com:5432/app\"}",
	  "{\"db\":\"postgres://admin:@{url-password:s3cr3t}@db.example.com:5432/app\"}" },
	{ "redis://:p4ss:w0rd@cache:6379", "redis://:@{url-password:p4ss:w0rd}@cache:6379" },
	{ "git clone https://" AWS ":x-oauth@github.com/a/b",
	  "git clone https://@{aws-key:" AWS "}:@{url-password:x-oauth}@github.com/a/b" },
	/* named members */
	{ "{\"password\":\"hunter2\"}", "{\"password\":\"@{key:hunter2}\"}" },
	{ "{\"apiKey\":\"a\",\"API-KEY\":\"b\",\"api_key\":\"c\"}",
	  "{\"apiKey\":\"@{key:a}\",\"API-KEY\":\"@{key:b}\",\"api_key\":\"@{key:c}\"}" },
	{ "{ \"Client_Secret\" :\n\t\"x y\" }", "{ \"Client_Secret\" :\n\t\"@{key:x y}\" }" },
	{ "{\"aws_secret_access_key\":\"" AWS_SECRET "\"}",
	  "{\"aws_secret_access_key\":\"@{key:" AWS_SECRET "}\"}" },
	{ "{\"passwd\":\"a\\\"b\\\\\",\"pwd\":\"\\u00e9\"}",
	  "{\"passwd\":\"@{key:a\\\"b\\\\}\",\"pwd\":\"@{key:\\u00e9}\"}" },
	{ "{\"headers\":{\"Authorization\":\"Bearer " BEARER "\"}}",
	  "{\"headers\":{\"Authorization\":\"@{key:Bearer " BEARER "}\"}}" },
	{ "{\"token\":\"" GHP "\",\"id_token\":\"" JWT "\"}",
	  "{\"token\":\"@{key:" GHP "}\",\"id_token\":\"@{key:" JWT "}\"}" },
	/* JSON inside a JSON string (an MCP tool result), one and two levels */
	{ "{\"text\":\"{\\\"password\\\":\\\"hun\\\\\\\"ter\\\",\\\"n\\\":1}\"}",
	  "{\"text\":\"{\\\"password\\\":\\\"@{key:hun\\\\\\\"ter}\\\",\\\"n\\\":1}\"}" },
	{ "{\"t\":\"{\\\"a\\\":\\\"{\\\\\\\"secret\\\\\\\":\\\\\\\"s\\\\\\\"}\\\"}\"}",
	  "{\"t\":\"{\\\"a\\\":\\\"{\\\\\\\"secret\\\\\\\":\\\\\\\"@{key:s}\\\\\\\"}\\\"}\"}" },
	{ "{\"t\":\"{\\n  \\\"token\\\": \\\"abc\\\"\\n}\"}",
	  "{\"t\":\"{\\n  \\\"token\\\": \\\"@{key:abc}\\\"\\n}\"}" },
	/* a cut message: the value runs to the end */
	{ "{\"password\":\"abc", "{\"password\":\"@{key:abc}" },
	/* several kinds in one message, and one secret inside another's span */
	{ "{\"secret\":\"" AWS "\",\"u\":\"ftp://a:b@h\",\"j\":\"" JWT "\"}",
	  "{\"secret\":\"@{key:" AWS "}\",\"u\":\"ftp://a:@{url-password:b}@h\",\"j\":\"@{jwt:" JWT
	  "}\"}" },

	/* no false positives */
	{ "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	  "\"2025-06-18\",\"capabilities\":{\"roots\":{\"listChanged\":true},\"sampling\":{}},"
	  "\"clientInfo\":{\"name\":\"example-client\",\"version\":\"1.0.0\"}}}",
	 NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"get_task\",\"description\":"
	  "\"Gets a task; a skeleton key to secrets docs. Returns tokens used and a password "
	  "hint.\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\","
	  "\"description\":\"e.g. https://example.com:8080/path or http://user@host/\"}},"
	  "\"required\":[\"url\"]}}],\"nextCursor\":\"eyJwYWdlIjoyfQ\"}}",
	 NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"search\","
	  "\"arguments\":{\"query\":\"Bearer of news\",\"max_tokens\":100,\"token\":42,\"password\":"
	  "null,\"secret\":[\"x\"],\"sk\":\"sk-1\",\"task\":\"task-1234567890abcdefghijklmnop\"},"
	  "\"_meta\":{\"progressToken\":\"tok-1234567890abcdefghij\"}}}",
	 NULL },
	{ "{\"type\":\"image\",\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
	  "CAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"}",
	 NULL },
	{ "{\"password\":\"\",\"x\":\"eyJhbGciOiJIUzI1NiJ9.short.x\",\"y\":\"Bearer short\"}", NULL },
	{ "AKIAIOSFODNN7EXAMPLEX xAKIAIOSFODNN7EXAMPLE AKIAiosfodnn7example ghp_short", NULL },
	{ "http://[::1]:8080/ https://host:443/a@b xoxb-short sk_live_short AIzaShort", NULL },
	{ "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----", NULL },
	{ "{\"password\":\"[redacted:key:0123abcd]\"}", NULL },
};
/* clang-format on */

/* The marker of secret[0..n), computed here from its definition. */
static void marker(char *dst, const char *type, const char *secret, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)secret, n, md);
	sprintf(dst, "[redacted:%s:%02x%02x%02x%02x]", type, md[0], md[1], md[2], md[3]);
}

/* Expands "@{TYPE:SECRET}" in tmpl into markers. */
static char *expand(const char *tmpl)
{
	char *out = malloc(strlen(tmpl) * 2 + 64), *o = out;
	const char *p = tmpl;

	while (*p) {
		const char *colon, *close;
		char type[32];

		if (p[0] != '@' || p[1] != '{') {
			*o++ = *p++;
			continue;
		}
		colon = strchr(p, ':');
		close = strchr(colon, '}');
		memcpy(type, p + 2, (size_t)(colon - p - 2));
		type[colon - p - 2] = '\0';
		marker(o, type, colon + 1, (size_t)(close - colon - 1));
		o += strlen(o);
		p = close + 1;
	}
	*o = '\0';
	return out;
}

static int apply_str(const struct redactor *r, const char *in, size_t len, char **out,
		     size_t *out_len)
{
	*out = (char *)"untouched";
	*out_len = 7;
	return redactor__apply(r, in, len, out, out_len);
}

static void test_table(void)
{
	struct redactor *r = redactor__new();

	CHECK(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct redact_case *c = &cases[i];
		char *want = c->out ? expand(c->out) : NULL, *out, *again;
		size_t out_len, again_len;
		int rc = apply_str(r, c->in, strlen(c->in), &out, &out_len);
		cJSON *in_json = cJSON_Parse(c->in), *out_json;

		if (rc != (want ? 1 : 0))
			fprintf(stderr, "  row %zu: %s\n", i, c->in);
		CHECK_EQ_INT(rc, want ? 1 : 0);
		if (rc != 1) {
			CHECK_EQ_STR(out, "untouched");
			CHECK_EQ_INT(out_len, 7);
			free(want);
			cJSON_Delete(in_json);
			continue;
		}
		CHECK_EQ_STR(out, want);
		CHECK_EQ_INT(out_len, strlen(want));
		CHECK_EQ_INT(apply_str(r, out, out_len, &again, &again_len), 0);
		if (in_json) {
			out_json = cJSON_Parse(out);
			CHECK(out_json);
			cJSON_Delete(out_json);
		}
		cJSON_Delete(in_json);
		free(want);
		free(out);
	}
	redactor__free(r);
}

/* in redacted by the default rules; NULL when nothing changed. */
static char *redact(const char *in)
{
	struct redactor *r = redactor__new();
	char *out = NULL;
	size_t n;

	CHECK(r && redactor__apply(r, in, strlen(in), &out, &n) >= 0);
	redactor__free(r);
	return out;
}

/* The marker's digits are SHA-256's: printf hunter2 | sha256sum gives
 * f52fbd32... */
static void test_known_hash(void)
{
	char *out = redact("{\"password\":\"hunter2\"}");

	CHECK_EQ_STR(out, "{\"password\":\"[redacted:key:f52fbd32]\"}");
	free(out);
}

/* The same secret under a name or in a shape gives equal digits; two
 * secrets give two. */
static void test_equal_secrets(void)
{
	char *out = redact("{\"password\":\"" AWS "\",\"k\":\"" AWS "\",\"pwd\":\"" AWS "\"}");
	char *out2 = redact("{\"password\":\"hunter3\",\"pwd\":\"hunter2\"}");
	char *a = out ? strstr(out, "[redacted:key:") : NULL;
	char *b = out ? strstr(out, "[redacted:aws-key:") : NULL;

	CHECK(a && b && !memcmp(a + 14, b + 18, 8));
	CHECK(a && strstr(a + 1, "[redacted:key:") &&
	      !memcmp(a, strstr(a + 1, "[redacted:key:"), 23));
	CHECK(out2 && memcmp(strstr(out2, "[redacted"), strstr(out2, "\"pwd") + 7, 23) != 0);
	free(out);
	free(out2);
}

static void test_add_key(void)
{
	struct redactor *r = redactor__new();
	const char *in = "{\"X-Custom-Auth\":\"v1\",\"x_custom_auth\":\"v2\",\"session\":\"s\"}";
	char *out, *want, long_name[REDACT_KEY_MAX + 2];
	size_t n;

	CHECK_EQ_INT(redactor__apply(r, in, strlen(in), &out, &n), 0);
	CHECK_EQ_INT(redactor__add_key(r, "xCustomAuth"), 0);
	CHECK_EQ_INT(redactor__add_key(r, "X_CUSTOM_AUTH"), 0); /* the same name again */
	CHECK_EQ_INT(redactor__add_key(r, "session"), 0);
	CHECK_EQ_INT(redactor__add_key(r, ""), -EINVAL);
	CHECK_EQ_INT(redactor__add_key(r, NULL), -EINVAL);
	CHECK_EQ_INT(redactor__add_key(r, "__-"), -EINVAL);
	CHECK_EQ_INT(redactor__add_key(r, "a.b"), -EINVAL);
	CHECK_EQ_INT(redactor__add_key(r, "a b"), -EINVAL);
	memset(long_name, 'k', sizeof(long_name) - 1);
	long_name[REDACT_KEY_MAX + 1] = '\0';
	CHECK_EQ_INT(redactor__add_key(r, long_name), -EINVAL);
	long_name[REDACT_KEY_MAX] = '\0';
	CHECK_EQ_INT(redactor__add_key(r, long_name), 0);
	CHECK_EQ_INT(redactor__apply(r, in, strlen(in), &out, &n), 1);
	want = expand("{\"X-Custom-Auth\":\"@{key:v1}\",\"x_custom_auth\":\"@{key:v2}\","
		      "\"session\":\"@{key:s}\"}");
	CHECK_EQ_STR(out, want);
	free(out);
	free(want);
	/* many names: the list grows */
	for (int i = 0; i < 200; i++) {
		char name[16];

		snprintf(name, sizeof(name), "name%d", i);
		CHECK_EQ_INT(redactor__add_key(r, name), 0);
	}
	in = "{\"name0\":\"a\",\"name199\":\"b\",\"name200\":\"c\"}";
	CHECK_EQ_INT(redactor__apply(r, in, strlen(in), &out, &n), 1);
	want = expand("{\"name0\":\"@{key:a}\",\"name199\":\"@{key:b}\",\"name200\":\"c\"}");
	CHECK_EQ_STR(out, want);
	free(out);
	free(want);
	redactor__free(r);
}

/* Binary and invalid UTF-8: no crash, and a key after them is still found. */
static void test_binary(void)
{
	struct redactor *r = redactor__new();
	size_t len = 1 << 20, n, n2, i;
	char *buf = malloc(len + 64), *out, *out2, *hit;
	uint32_t x = 12345;

	for (i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (char)(x >> 16);
	}
	memcpy(buf + len, "\xff\xfe\xc3( " AWS "\x00\x80", 27);
	CHECK_EQ_INT(redactor__apply(r, buf, len + 27, &out, &n), 1);
	hit = memmem(out, n, "\xc3( [redacted:aws-key:", 21);
	CHECK(hit);
	CHECK(!memmem(out, n, AWS, strlen(AWS)));
	CHECK_EQ_INT(redactor__apply(r, out, n, &out2, &n2), 0);
	free(out);
	free(buf);
	redactor__free(r);
}

/* One hostile pattern repeated up to 8 MiB. */
static char *repeat(const char *head, const char *unit, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), count = ((8u << 20) - hl) / ul, i;
	char *buf = malloc(hl + count * ul + 1);

	memcpy(buf, head, hl);
	for (i = 0; i < count; i++)
		memcpy(buf + hl + i * ul, unit, ul);
	*len = hl + count * ul;
	buf[*len] = '\0';
	return buf;
}

static void check_hostile(const struct redactor *r, const char *head, const char *unit, int want_rc,
			  const char *want_unit, const char *want_tail)
{
	size_t len, n, ul = strlen(unit), count, i, wl = want_unit ? strlen(want_unit) : 0;
	char *buf = repeat(head, unit, &len), *out = NULL;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = redactor__apply(r, buf, len, &out, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# hostile \"%s%s...\": %.0f ms\n", head, unit,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	CHECK_EQ_INT(rc, want_rc);
	if (rc == 1 && want_unit) {
		/* want_unit once per two units, then want_tail */
		count = (len - strlen(head)) / ul;
		CHECK_EQ_INT(n, count / 2 * wl + (count % 2 ? strlen(want_tail) : 0));
		for (i = 0; i + wl <= n && i < count / 2 * wl; i += wl)
			if (memcmp(out + i, want_unit, wl))
				break;
		CHECK_EQ_INT(i, count / 2 * wl);
	} else if (rc == 1) {
		CHECK_EQ_STR(out, want_tail);
	}
	if (rc == 1)
		free(out);
	free(buf);
}

/* Patterns that start rules which all fail: nothing changes. */
static const char *const hostile_clean[] = {
	"eyJ.",
	"eyJaaaaaaa",
	"\"",
	"\\\"",
	"\\",
	"\\\"token\\",
	"://a:",
	"x://:",
	"Bearer ",
	"-----BEGIN",
	"-----END PRIVATE KEY-----",
	"AKIA",
};

static void test_hostile(void)
{
	struct redactor *r = redactor__new();
	char unit[160], whole[160];
	size_t len;
	char *buf;

	/* "password":"password": pairs up: every second one is a value */
	marker(whole, "key", "password", 8);
	snprintf(unit, sizeof(unit), "\"password\":\"%.*s\":", REDACT_MARKER_MAX, whole);
	check_hostile(r, "", "\"password\":", 1, unit, "\"password\":");
	for (size_t i = 0; i < sizeof(hostile_clean) / sizeof(*hostile_clean); i++)
		check_hostile(r, "", hostile_clean[i], 0, NULL, NULL);
	check_hostile(r, " ", "eyJaaaa.", 0, NULL, NULL);
	/* one secret as long as the text */
	buf = repeat("", "sk-", &len);
	marker(whole, "api-key", buf, len);
	check_hostile(r, "", "sk-", 1, NULL, whole);
	free(buf);
	buf = repeat("", "-----BEGIN PRIVATE KEY-----", &len);
	marker(whole, "private-key", buf, len);
	check_hostile(r, "", "-----BEGIN PRIVATE KEY-----", 1, NULL, whole);
	free(buf);
	buf = repeat("\"token\":\"", "\\\\\\\"", &len);
	marker(unit, "key", buf + 9, len - 9);
	snprintf(whole, sizeof(whole), "\"token\":\"%.*s", REDACT_MARKER_MAX, unit);
	check_hostile(r, "\"token\":\"", "\\\\\\\"", 1, NULL, whole);
	free(buf);
	redactor__free(r);
}

/* Throughput on 1 MiB of secret-free JSON (a long tools/list result). */
static void test_bench(void)
{
	struct redactor *r = redactor__new();
	const char *tool = "{\"name\":\"search_docs\",\"description\":\"Search the knowledge base "
			   "for documents that match a query; returns titles, snippets and "
			   "scores. Use it for research tasks.\",\"inputSchema\":{\"type\":"
			   "\"object\",\"properties\":{\"query\":{\"type\":\"string\"},\"limit\":"
			   "{\"type\":\"integer\",\"minimum\":1}},\"required\":[\"query\"]}},";
	size_t cap = 1 << 20, len = 0, tl = strlen(tool), n;
	char *buf = malloc(cap), *out;
	struct timespec t0, t1;
	double secs;
	int i, rc = 0, rounds = 50;

	len += (size_t)sprintf(buf, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[");
	while (len + tl + 8 < cap) {
		memcpy(buf + len, tool, tl);
		len += tl;
	}
	memcpy(buf + len - 1, "]}}", 3);
	len += 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++)
		rc |= redactor__apply(r, buf, len, &out, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ_INT(rc, 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# redact: %.0f MB/s on %zu bytes of JSON without secrets\n",
	       (double)len * rounds / secs / 1e6, len);
	free(buf);
	redactor__free(r);
}

int main(void)
{
	RUN_TEST(test_table);
	RUN_TEST(test_known_hash);
	RUN_TEST(test_equal_secrets);
	RUN_TEST(test_add_key);
	RUN_TEST(test_binary);
	RUN_TEST(test_hostile);
	RUN_TEST(test_bench);
	return CHECK_DONE();
}

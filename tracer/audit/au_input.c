// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * input: what servers ask of the client: elicitations (a 2025
 * elicitation/create request, or a 2026-07-28 input request inside an
 * input_required result) and samplings (sampling/createMessage, either
 * way).
 *  - credential-elicitation: a form elicitation whose schema field (its
 *    name, title or description: high) or whose message (medium) asks for
 *    a credential. Words are matched whole, after splitting camelCase and
 *    punctuation, so "githubToken" and "API key" match and "maxTokens" or
 *    "footprint" do not. URL-mode elicitations are the specified way to ask
 *    for credentials and pass.
 *  - sampling-request: low, one per server and tool; medium when the
 *    prompt carries text another server returned (au_flow.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"

#define MAX_TOKENS 64
#define TOKEN_LEN 24

/* Words that name a credential by themselves. */
static const char *const cred_words[] = {
    "password", "passwd", "passphrase", "passcode", "pin", "token", "secret",
    "apikey", "apitoken", "privatekey", "secretkey", "accesskey", "credential",
    "credentials", "cvv", "cvc", "ssn", "otp", "totp", "2fa", "mfa", "iban", NULL,
};
/* Two words that do. */
static const char *const cred_pairs[][2] = {
    {"api", "key"},	    {"access", "key"},	 {"secret", "key"},  {"private", "key"},
    {"card", "number"},	    {"credit", "card"},	 {"debit", "card"},  {"security", "code"},
    {"one", "time"},	    {"social", "security"}, {"access", "token"}, {"auth", "token"},
    {"client", "secret"},   {"pass", "word"},
};

/* Splits s into lower-case words at anything that is not an ASCII letter
 * or digit, and where camelCase turns upper. */
static int split_words(const char *s, char tok[][TOKEN_LEN], int max)
{
	int n = 0;
	size_t len = 0;
	char prev = 0;

	for (const char *p = s;; p++) {
		char ch = *p;
		bool alnum = ch && isascii((unsigned char)ch) && isalnum((unsigned char)ch);
		bool boundary = !alnum || (isupper((unsigned char)ch) && prev &&
					   (islower((unsigned char)prev) || isdigit((unsigned char)prev)));

		if (boundary && len) {
			tok[n][len] = '\0';
			if (++n == max)
				return n;
			len = 0;
		}
		if (!ch)
			return n;
		if (alnum && len + 1 < TOKEN_LEN)
			tok[n][len++] = (char)tolower((unsigned char)ch);
		prev = alnum ? ch : 0;
	}
}

/* The credential word s names, or NULL. */
static const char *credential_word(const char *s)
{
	static char tok[MAX_TOKENS][TOKEN_LEN];
	static char found[2 * TOKEN_LEN + 2];
	int n = split_words(s, tok, MAX_TOKENS);

	for (int i = 0; i < n; i++) {
		for (int k = 0; cred_words[k]; k++)
			if (!strcmp(tok[i], cred_words[k]))
				return cred_words[k];
		for (size_t k = 0; i + 1 < n && k < sizeof(cred_pairs) / sizeof(cred_pairs[0]); k++)
			if (!strcmp(tok[i], cred_pairs[k][0]) && !strcmp(tok[i + 1], cred_pairs[k][1])) {
				snprintf(found, sizeof(found), "%s %s", cred_pairs[k][0],
					 cred_pairs[k][1]);
				return found;
			}
	}
	return NULL;
}

static const char *str_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int elicitation(struct audit_ctx *c, const struct au_msg *m, const cJSON *params,
		      const char *how)
{
	const char *mode = str_member(params, "mode"), *message = str_member(params, "message");
	const cJSON *props, *p;
	const char *word = NULL, *field = NULL;
	char *key = NULL, *ex = NULL, wordbuf[2 * TOKEN_LEN + 2];
	enum audit_sev sev = AUDIT_HIGH;
	char *during = m->target ? NULL : au__inflight_tool(c, m);
	struct au_where w = {m->s, m->id, m->call_id,
			     m->target ? m->target : during ? during : "elicitation/create"};
	int err = 0;

	if (mode && strcmp(mode, "form"))
		goto out; /* url mode: the specified way for credentials */
	props = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(params, "requestedSchema"), "properties");
	cJSON_ArrayForEach(p, props)
	{
		const char *type = str_member(p, "type");
		const char *texts[] = {p->string, str_member(p, "title"), str_member(p, "description")};

		/* a number is no token or password, but may be a card's */
		for (int i = 0; i < 3 && !word; i++) {
			const char *wd = texts[i] ? credential_word(texts[i]) : NULL;

			if (wd && type && strcmp(type, "string") && !strcmp(wd, "token"))
				wd = NULL;
			if (wd) {
				snprintf(wordbuf, sizeof(wordbuf), "%s", wd);
				word = wordbuf;
				field = p->string ? p->string : "";
			}
		}
		if (word)
			break;
	}
	if (!word && message && (word = credential_word(message))) {
		snprintf(wordbuf, sizeof(wordbuf), "%s", word);
		word = wordbuf;
		sev = AUDIT_MEDIUM;
	}
	if (!word)
		goto out;
	if (field) {
		const char *title = str_member(p, "title");

		if (asprintf(&ex, "field \"%s\"%s%s%s; message: %s", field, title ? " (" : "",
			     title ? title : "", title ? ")" : "", message ? message : "-") < 0)
			ex = NULL;
	} else if (message) {
		ex = strdup(message);
	}
	if (!ex || asprintf(&key, "%s|%s", field ? field : "message", word) < 0) {
		key = NULL;
		err = -ENOMEM;
		goto out;
	}
	/* the excerpt is cleaned by au__add; credentials in it are the
	 * server's words, not the user's answer */
	au__add(c, AR_ELICIT, sev, &w, key, ex, NULL,
		"the server asks the user for a %s (%s%s%s) through %s", word,
		field ? "field " : "its message", field ? field : "", "", how);
	err = c->err;
out:
	free(key);
	free(ex);
	free(during);
	return err;
}

static int sampling(struct audit_ctx *c, const struct au_msg *m, const cJSON *params,
		    const char *how)
{
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(params, "messages"), *e;
	const char *from = NULL, *text = NULL;
	char *during = m->target ? NULL : au__inflight_tool(c, m);
	struct au_where w = {m->s, m->id, m->call_id,
			     m->target ? m->target : during ? during : "sampling/createMessage"};
	char *key = NULL;
	bool other;

	cJSON_ArrayForEach(e, msgs)
	{
		text = str_member(cJSON_GetObjectItemCaseSensitive(e, "content"), "text");
		if (text)
			break;
	}
	other = au_flow__carries_other(c, m->s, params, &from);
	if (c->err || asprintf(&key, "%s", other ? from : "") < 0) {
		free(during);
		return c->err ? c->err : -ENOMEM;
	}
	if (other)
		au__add(c, AR_SAMPLING, AUDIT_MEDIUM, &w, key, text, NULL,
			"the server asks the client's model to generate (%s), with text that "
			"server %s returned to this host",
			how, from);
	else
		au__add(c, AR_SAMPLING, AUDIT_LOW, &w, key, text, NULL,
			"the server asks the client's model to generate (%s)", how);
	free(key);
	free(during);
	return c->err;
}

int au_input__message(struct audit_ctx *c, const struct au_msg *m)
{
	const cJSON *params, *result, *reqs, *r;
	const char *rt;
	int err = 0;

	if (m->c2s || !m->json || !m->method)
		return 0;
	if (!strcmp(m->kind, "request")) {
		params = cJSON_GetObjectItemCaseSensitive(m->json, "params");
		if (!strcmp(m->method, "elicitation/create"))
			return elicitation(c, m, params, "elicitation/create");
		if (!strcmp(m->method, "sampling/createMessage"))
			return sampling(c, m, params, "sampling/createMessage");
		return 0;
	}
	if (strcmp(m->kind, "response"))
		return 0;
	result = cJSON_GetObjectItemCaseSensitive(m->json, "result");
	rt = str_member(result, "resultType");
	if (!rt || strcmp(rt, "input_required"))
		return 0;
	reqs = cJSON_GetObjectItemCaseSensitive(result, "inputRequests");
	cJSON_ArrayForEach(r, reqs)
	{
		const char *method = str_member(r, "method");

		params = cJSON_GetObjectItemCaseSensitive(r, "params");
		if (!method)
			continue;
		if (!strcmp(method, "elicitation/create"))
			err = elicitation(c, m, params, "an input request of an input_required result");
		else if (!strcmp(method, "sampling/createMessage"))
			err = sampling(c, m, params, "an input request of an input_required result");
		if (err)
			break;
	}
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the JSON-RPC decoder. Lone messages are a table: one line of
 * input and every field expected of the one message it gives; a field left
 * out of a row must come out NULL / false / 0, so each row checks the whole
 * struct. Batches, bodies and hostile inputs have their own tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mcp/jsonrpc.h"

struct rpc_case {
	const char *in;
	enum rpc_kind kind;
	const char *id, *method, *target;
	bool has_err_code;
	long long err_code;
	const char *err_message;
	bool tool_error;
	const char *progress_token;
	double progress, total;
	bool has_total;
	const char *cancel_id, *reason;
	const char *peer_name, *peer_version, *protocol_version;
	enum rpc_result_type result_type;
	const char *request_state;
	bool input_responses, has_args;
	const char *subscription_id;
	const char *parse_error; /* a substring of it; NULL: parse_error NULL */
};

#define J "\"jsonrpc\":\"2.0\""

static const struct rpc_case cases[] = {
	/* kinds and ids */
	{ "{" J ",\"id\":1,\"method\":\"ping\"}", RPC_REQUEST, .id = "1", .method = "ping" },
	{ "{" J ",\"id\":\"1\",\"method\":\"ping\"}", RPC_REQUEST, .id = "\"1\"", .method = "ping" },
	{ "{" J ",\"id\":\"a\\\"b\",\"method\":\"ping\"}", RPC_REQUEST, .id = "\"a\\\"b\"",
	  .method = "ping" },
	{ "{" J ",\"id\":\"t\\u0001\\/\\n\\u00e9\",\"method\":\"ping\"}", RPC_REQUEST,
	  .id = "\"t\\u0001/\\n\xc3\xa9\"", .method = "ping" },
	{ "{" J ",\"id\":0,\"method\":\"ping\"}", RPC_REQUEST, .id = "0", .method = "ping" },
	{ "{" J ",\"id\":-7,\"method\":\"ping\"}", RPC_REQUEST, .id = "-7", .method = "ping" },
	{ "{" J ",\"id\":1.0,\"method\":\"ping\"}", RPC_REQUEST, .id = "1", .method = "ping" },
	{ "{" J ",\"id\":1e3,\"method\":\"ping\"}", RPC_REQUEST, .id = "1000", .method = "ping" },
	{ "{" J ",\"id\":1.5,\"method\":\"ping\"}", RPC_REQUEST, .id = "1.5", .method = "ping" },
	{ "{" J ",\"id\":9007199254740991,\"method\":\"ping\"}", RPC_REQUEST,
	  .id = "9007199254740991", .method = "ping" },
	{ "{" J ",\"id\":1e30,\"method\":\"ping\"}", RPC_REQUEST, .id = "1e+30",
	  .method = "ping" },
	{ "{" J ",\"method\":\"notifications/initialized\"}", RPC_NOTIFICATION,
	  .method = "notifications/initialized" },
	{ "{\"result\":{},\"jsonrpc\":\"2.0\",\"id\":3}", RPC_RESPONSE, .id = "3" },
	{ "{" J ",\"id\":\"x\",\"result\":null}", RPC_RESPONSE, .id = "\"x\"" },
	{ "{" J ",\"id\":5,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}", RPC_ERROR,
	  .id = "5", .has_err_code = true, .err_code = -32601, .err_message = "Method not found" },
	{ "{" J ",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}", RPC_ERROR,
	  .id = "null", .has_err_code = true, .err_code = -32700, .err_message = "Parse error" },
	{ "{\"error\":{\"message\":\"no code\",\"code\":\"x\"}," J "}", RPC_ERROR,
	  .err_message = "no code" },

	/* invalid ids */
	{ "{" J ",\"id\":null,\"method\":\"ping\"}", RPC_INVALID, .parse_error = "request id" },
	{ "{" J ",\"id\":true,\"method\":\"ping\"}", RPC_INVALID, .parse_error = "request id" },
	{ "{" J ",\"id\":{},\"method\":\"ping\"}", RPC_INVALID, .parse_error = "request id" },
	{ "{" J ",\"id\":[1],\"method\":\"ping\"}", RPC_INVALID, .parse_error = "request id" },
	{ "{" J ",\"id\":null,\"result\":{}}", RPC_INVALID, .parse_error = "response id" },
	{ "{" J ",\"result\":{}}", RPC_INVALID, .parse_error = "no id" },

	/* not JSON-RPC */
	{ "{\"id\":1,\"method\":\"ping\"}", RPC_INVALID, .parse_error = "missing jsonrpc" },
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", RPC_INVALID,
	  .parse_error = "jsonrpc is not \"2.0\"" },
	{ "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}", RPC_INVALID,
	  .parse_error = "jsonrpc is not \"2.0\"" },
	{ "{" J ",\"id\":1,\"result\":{},\"error\":{\"code\":1}}", RPC_INVALID,
	  .parse_error = "both result and error" },
	{ "{" J ",\"id\":1}", RPC_INVALID, .parse_error = "no method, result or error" },
	{ "{" J ",\"id\":1,\"method\":7}", RPC_INVALID, .parse_error = "method is not a string" },
	{ "{" J ",\"id\":1,\"method\":\"x\",\"result\":1}", RPC_INVALID, .parse_error = "method" },
	{ "{" J ",\"id\":1,\"error\":\"bad\"}", RPC_INVALID, .parse_error = "error is not an object" },
	{ "{\"hello\":\"world\"}", RPC_INVALID, .parse_error = "missing jsonrpc" },
	{ "\"just a string\"", RPC_INVALID, .parse_error = "not an object" },
	{ "42", RPC_INVALID, .parse_error = "not an object" },
	{ "[]", RPC_INVALID, .parse_error = "empty batch" },
	{ "[ ]", RPC_INVALID, .parse_error = "empty batch" },
	{ "", RPC_INVALID, .parse_error = "invalid json" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,", RPC_INVALID, .parse_error = "invalid json" },
	{ "{\"a\":tru}", RPC_INVALID, .parse_error = "invalid json" },
	{ "not json", RPC_INVALID, .parse_error = "invalid json" },
	{ "{" J ",\"method\":\"ping\",\"id\":1} {}", RPC_INVALID, .parse_error = "after the json" },
	{ "[{" J ",\"method\":\"a\"}] x", RPC_INVALID, .parse_error = "after the json" },

	/* MCP fields */
	{ "{" J ",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"get_weather\","
	  "\"arguments\":{\"city\":\"Oslo\"},\"_meta\":{\"progressToken\":\"tok-1\"}}}",
	  RPC_REQUEST, .id = "2", .method = "tools/call", .target = "get_weather",
	  .progress_token = "\"tok-1\"", .has_args = true },
	{ "{" J ",\"id\":3,\"method\":\"tools/call\",\"params\":{\"_meta\":{\"progressToken\":7},"
	  "\"name\":\"echo\"}}",
	  RPC_REQUEST, .id = "3", .method = "tools/call", .target = "echo", .progress_token = "7" },
	{ "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"boom\"}],\"isError\":true},"
	  "\"jsonrpc\":\"2.0\",\"id\":2}",
	  RPC_RESPONSE, .id = "2", .tool_error = true },
	{ "{\"result\":{\"content\":[],\"isError\":false}," J ",\"id\":2}", RPC_RESPONSE, .id = "2" },
	{ "{\"result\":{\"isError\":\"true\"}," J ",\"id\":2}", RPC_RESPONSE, .id = "2" },
	{ "{" J ",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"review\"}}", RPC_REQUEST,
	  .id = "4", .method = "prompts/get", .target = "review" },
	{ "{" J ",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///a.txt\"}}",
	  RPC_REQUEST, .id = "5", .method = "resources/read", .target = "file:///a.txt" },
	{ "{" J ",\"id\":6,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"x://y\"}}",
	  RPC_REQUEST, .id = "6", .method = "resources/subscribe", .target = "x://y" },
	{ "{" J ",\"id\":7,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"x://y\"}}",
	  RPC_REQUEST, .id = "7", .method = "resources/unsubscribe", .target = "x://y" },
	{ "{" J ",\"id\":8,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":"
	  "\"ref/prompt\",\"name\":\"review\"},\"argument\":{\"name\":\"lang\",\"value\":\"c\"}}}",
	  RPC_REQUEST, .id = "8", .method = "completion/complete", .target = "review" },
	{ "{" J ",\"id\":9,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":"
	  "\"ref/resource\",\"uri\":\"file:///{path}\"}}}",
	  RPC_REQUEST, .id = "9", .method = "completion/complete", .target = "file:///{path}" },
	{ "{" J ",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":42}}", RPC_REQUEST,
	  .id = "10", .method = "tools/call" },
	{ "{" J ",\"id\":11,\"method\":\"tools/call\",\"params\":[\"echo\"]}", RPC_REQUEST,
	  .id = "11", .method = "tools/call" },
	{ "{" J ",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"tok-1\","
	  "\"progress\":50,\"total\":100,\"message\":\"half\"}}",
	  RPC_NOTIFICATION, .method = "notifications/progress", .progress_token = "\"tok-1\"",
	  .progress = 50, .total = 100, .has_total = true },
	{ "{" J ",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":7,"
	  "\"progress\":0.25}}",
	  RPC_NOTIFICATION, .method = "notifications/progress", .progress_token = "7",
	  .progress = 0.25 },
	{ "{" J ",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"abc\","
	  "\"reason\":\"user gave up\"}}",
	  RPC_NOTIFICATION, .method = "notifications/cancelled", .cancel_id = "\"abc\"",
	  .reason = "user gave up" },
	{ "{" J ",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":12}}",
	  RPC_NOTIFICATION, .method = "notifications/cancelled", .cancel_id = "12" },
	{ "{" J ",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
	  "\"capabilities\":{},\"clientInfo\":{\"name\":\"claude-code\",\"version\":\"1.0.3\"}}}",
	  RPC_REQUEST, .id = "0", .method = "initialize", .peer_name = "claude-code",
	  .peer_version = "1.0.3", .protocol_version = "2025-06-18" },
	{ "{\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
	  "\"serverInfo\":{\"name\":\"weather\",\"version\":\"0.1.0\"},\"instructions\":\"hi\"},"
	  "\"jsonrpc\":\"2.0\",\"id\":0}",
	  RPC_RESPONSE, .id = "0", .peer_name = "weather", .peer_version = "0.1.0",
	  .protocol_version = "2025-06-18" },
	/* server-to-client request */
	{ "{" J ",\"id\":0,\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[],"
	  "\"maxTokens\":10}}",
	  RPC_REQUEST, .id = "0", .method = "sampling/createMessage" },
	/* 2026-07-28, as the v2 SDK (2.4.0) writes them: the envelope in
	 * params._meta, serverInfo in result._meta, resultType */
	{ "{" J ",\"id\":\"server-discover-probe-1\",\"method\":\"server/discover\",\"params\":"
	  "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
	  "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"mt-v2-client\",\"version\":\"2.4\"},"
	  "\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
	  RPC_REQUEST, .id = "\"server-discover-probe-1\"", .method = "server/discover",
	  .peer_name = "mt-v2-client", .peer_version = "2.4", .protocol_version = "2026-07-28" },
	{ "{" J ",\"id\":\"server-discover-probe-1\",\"result\":{\"_meta\":"
	  "{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"srv\",\"version\":\"9\"}},"
	  "\"supportedVersions\":[\"2026-07-28\"],\"resultType\":\"complete\"}}",
	  RPC_RESPONSE, .id = "\"server-discover-probe-1\"", .peer_name = "srv", .peer_version = "9",
	  .result_type = RESULT_COMPLETE },
	{ "{\"method\":\"tools/call\",\"params\":{\"name\":\"confirm\",\"arguments\":"
	  "{\"what\":\"deploy\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	  "\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"c\"}}},"
	  J ",\"id\":14}",
	  RPC_REQUEST, .id = "14", .method = "tools/call", .target = "confirm", .peer_name = "c",
	  .protocol_version = "2026-07-28", .has_args = true },
	{ "{" J ",\"id\":14,\"result\":{\"resultType\":\"input_required\",\"inputRequests\":"
	  "{\"ok\":{\"method\":\"elicitation/create\",\"params\":{\"message\":\"sure?\"}}},"
	  "\"requestState\":\"state-deploy\"}}",
	  RPC_RESPONSE, .id = "14", .result_type = RESULT_INPUT_REQUIRED,
	  .request_state = "state-deploy" },
	{ "{\"method\":\"tools/call\",\"params\":{\"name\":\"confirm\",\"arguments\":"
	  "{\"what\":\"deploy\"},\"inputResponses\":{\"ok\":{\"action\":\"accept\"}},"
	  "\"requestState\":\"state-deploy\"}," J ",\"id\":15}",
	  RPC_REQUEST, .id = "15", .method = "tools/call", .target = "confirm",
	  .request_state = "state-deploy", .input_responses = true, .has_args = true },
	/* a notification on a subscriptions/listen stream names its request;
	 * only a string names one */
	{ "{" J ",\"method\":\"notifications/tools/list_changed\",\"params\":{\"_meta\":"
	  "{\"io.modelcontextprotocol/subscriptionId\":\"listen:0\"}}}",
	  RPC_NOTIFICATION, .method = "notifications/tools/list_changed",
	  .subscription_id = "\"listen:0\"" },
	{ "{" J ",\"method\":\"notifications/tools/list_changed\",\"params\":{\"_meta\":"
	  "{\"io.modelcontextprotocol/subscriptionId\":{}}}}",
	  RPC_NOTIFICATION, .method = "notifications/tools/list_changed" },
	/* odd shapes: unknown or non-string resultType, a requestState on a
	 * complete result (not a round's state), an envelope that is not
	 * an object, inputResponses that is not an object */
	{ "{" J ",\"id\":1,\"result\":{\"resultType\":\"later\",\"requestState\":\"s\"}}",
	  RPC_RESPONSE, .id = "1", .result_type = RESULT_OTHER },
	{ "{" J ",\"id\":1,\"result\":{\"resultType\":7}}", RPC_RESPONSE, .id = "1",
	  .result_type = RESULT_OTHER },
	{ "{" J ",\"id\":1,\"result\":{\"resultType\":\"complete\",\"requestState\":\"s\"}}",
	  RPC_RESPONSE, .id = "1", .result_type = RESULT_COMPLETE },
	{ "{" J ",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":["
	  "\"io.modelcontextprotocol/clientInfo\"],\"inputResponses\":[1],\"requestState\":2}}",
	  RPC_REQUEST, .id = "1", .method = "tools/list" },
	/* an initialize result's serverInfo wins over an envelope's */
	{ "{" J ",\"id\":0,\"result\":{\"serverInfo\":{\"name\":\"a\",\"version\":\"1\"},"
	  "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"b\",\"version\":\"2\"}}}}",
	  RPC_RESPONSE, .id = "0", .peer_name = "a", .peer_version = "1" },
	/* duplicate keys: the first wins, as in cJSON_GetObjectItem */
	{ "{" J ",\"id\":1,\"id\":2,\"method\":\"ping\"}", RPC_REQUEST, .id = "1", .method = "ping" },
	/* leading and trailing whitespace is fine */
	{ "  {" J ",\"method\":\"ping\",\"id\":1}\r\n ", RPC_REQUEST, .id = "1", .method = "ping" },
};

static void check_case(size_t i, const struct rpc_case *c)
{
	size_t len = strlen(c->in), n = 99;
	struct rpc_msg *m = NULL;
	/* The input is not NUL-terminated: a framer hands on a slice. */
	char *text = malloc(len + 1);
	int err;

	memcpy(text, c->in, len);
	text[len] = '}';
	err = jsonrpc__decode(text, len, &m, &n);
	CHECK_EQ_INT(err, 0);
	CHECK_EQ_INT(n, 1);
	if (err || n != 1) {
		free(text);
		return;
	}
	if ((int)m->kind != (int)c->kind)
		fprintf(stderr, "  case %zu: %s\n", i, c->in);
	CHECK_EQ_INT(m->kind, c->kind);
	CHECK_EQ_STR(m->id, c->id);
	CHECK_EQ_STR(m->method, c->method);
	CHECK_EQ_STR(m->target, c->target);
	CHECK_EQ_INT(m->has_err_code, c->has_err_code);
	CHECK_EQ_INT(m->err_code, c->err_code);
	CHECK_EQ_STR(m->err_message, c->err_message);
	CHECK_EQ_INT(m->tool_error, c->tool_error);
	CHECK_EQ_STR(m->progress_token, c->progress_token);
	CHECK(m->progress == c->progress);
	CHECK(m->total == c->total);
	CHECK_EQ_INT(m->has_total, c->has_total);
	CHECK_EQ_STR(m->cancel_id, c->cancel_id);
	CHECK_EQ_STR(m->reason, c->reason);
	CHECK_EQ_STR(m->peer_name, c->peer_name);
	CHECK_EQ_STR(m->peer_version, c->peer_version);
	CHECK_EQ_STR(m->protocol_version, c->protocol_version);
	CHECK_EQ_INT(m->result_type, c->result_type);
	CHECK_EQ_STR(m->request_state, c->request_state);
	CHECK_EQ_INT(m->input_responses, c->input_responses);
	CHECK_EQ_INT(m->args_digest != 0, c->has_args);
	CHECK_EQ_STR(m->subscription_id, c->subscription_id);
	if (c->parse_error) {
		CHECK(m->parse_error && strstr(m->parse_error, c->parse_error));
		if (m->parse_error && !strstr(m->parse_error, c->parse_error))
			fprintf(stderr, "  case %zu: parse_error \"%s\"\n", i, m->parse_error);
		CHECK(m->parse_error && !strchr(m->parse_error, '\n'));
	} else {
		CHECK_EQ_STR(m->parse_error, NULL);
	}
	/* A lone message's body is exactly its input. */
	CHECK_EQ_INT(m->body_len, len);
	CHECK(m->body && memcmp(m->body, c->in, len) == 0 && m->body[len] == '\0');
	CHECK_EQ_INT(m->in_batch, false);
	jsonrpc__free(m, n);
	free(text);
}

static void test_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(i, &cases[i]);
}

static void test_batch(void)
{
	const char *in = "[{" J ",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\"}},"
			 " {\"method\":\"notifications/initialized\", " J "},"
			 "{\"result\":{\"isError\":true},\"jsonrpc\":\"2.0\",\"id\":\"1\"},"
			 "{" J ",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"bad\"}},"
			 "17,"
			 "{\"id\":2,\"method\":\"ping\"}]";
	struct rpc_msg *m = NULL;
	size_t n = 0, i;

	CHECK_EQ_INT(jsonrpc__decode(in, strlen(in), &m, &n), 0);
	CHECK_EQ_INT(n, 6);
	if (n != 6)
		goto out;
	for (i = 0; i < n; i++)
		CHECK(m[i].in_batch);

	CHECK_EQ_INT(m[0].kind, RPC_REQUEST);
	CHECK_EQ_STR(m[0].id, "1");
	CHECK_EQ_STR(m[0].target, "a");
	CHECK_EQ_STR(m[0].body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
				"\"params\":{\"name\":\"a\"}}");
	CHECK_EQ_INT(m[0].body_len, strlen(m[0].body));

	CHECK_EQ_INT(m[1].kind, RPC_NOTIFICATION);
	CHECK_EQ_STR(m[1].id, NULL);
	/* re-serialised: the blanks of the input are gone */
	CHECK_EQ_STR(m[1].body, "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}");

	CHECK_EQ_INT(m[2].kind, RPC_RESPONSE);
	CHECK_EQ_STR(m[2].id, "\"1\"");
	CHECK(m[2].tool_error);

	CHECK_EQ_INT(m[3].kind, RPC_ERROR);
	CHECK_EQ_STR(m[3].id, "null");
	CHECK_EQ_INT(m[3].err_code, -32600);

	CHECK_EQ_INT(m[4].kind, RPC_INVALID);
	CHECK_EQ_STR(m[4].parse_error, "batch member is not an object");
	CHECK_EQ_STR(m[4].body, "17");

	CHECK_EQ_INT(m[5].kind, RPC_INVALID);
	CHECK_EQ_STR(m[5].parse_error, "missing jsonrpc member");
out:
	jsonrpc__free(m, n);
}

static void test_batch_limit(void)
{
	size_t cnt = RPC_BATCH_MAX + 1, len = 0, i, n = 0;
	char *in = malloc(cnt * 3 + 2);
	struct rpc_msg *m = NULL;

	in[len++] = '[';
	for (i = 0; i < cnt; i++) {
		memcpy(in + len, "{},", 3);
		len += 3;
	}
	in[len - 1] = ']';
	CHECK_EQ_INT(jsonrpc__decode(in, len, &m, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(m[0].kind, RPC_INVALID);
	CHECK(m[0].parse_error && strstr(m[0].parse_error, "batch has more than"));
	jsonrpc__free(m, n);

	/* one fewer member is a batch */
	in[len - 4] = ']';
	CHECK_EQ_INT(jsonrpc__decode(in, len - 3, &m, &n), 0);
	CHECK_EQ_INT(n, RPC_BATCH_MAX);
	CHECK_EQ_INT(m[0].kind, RPC_INVALID);
	CHECK_EQ_INT(m[0].in_batch, true);
	jsonrpc__free(m, n);
	free(in);
}

/* Deep nesting past cJSON's limit fails cleanly; just under it parses. */
static void test_deep_nesting(void)
{
	size_t depth = 200000, i, n = 0;
	char *in = malloc(2 * depth + 64);
	struct rpc_msg *m = NULL;
	size_t len = 0;

	for (i = 0; i < depth; i++)
		in[len++] = '[';
	for (i = 0; i < depth; i++)
		in[len++] = ']';
	CHECK_EQ_INT(jsonrpc__decode(in, len, &m, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(m[0].kind, RPC_INVALID);
	CHECK(m[0].parse_error && strstr(m[0].parse_error, "invalid json"));
	jsonrpc__free(m, n);

	/* {"jsonrpc":"2.0","method":"x","params":[[[...]]]} at depth 900 */
	len = (size_t)sprintf(in, "{" J ",\"method\":\"x\",\"params\":");
	for (i = 0; i < 900; i++)
		in[len++] = '[';
	for (i = 0; i < 900; i++)
		in[len++] = ']';
	in[len++] = '}';
	CHECK_EQ_INT(jsonrpc__decode(in, len, &m, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(m[0].kind, RPC_NOTIFICATION);
	jsonrpc__free(m, n);
	free(in);
}

/* A batch member's body is re-serialised; cJSON alone would print
 * 8888888888888881 with 15 digits (8.88888888888888e+15, another id) and
 * 0.30000000000000004 as 0.3. The body must re-decode to the same id and
 * keep every number as sent (found by fuzz_stdio_rpc). */
static void test_batch_exact_numbers(void)
{
	const char *in = "[{\"method\":\"\",\"id\":8888888888888881," J "},"
			 "{\"id\":2,\"result\":{\"v\":[0.30000000000000004,1.5,-0,1e400],"
			 "\"w\":123456789012345678}},8888888888888881]";
	struct rpc_msg *m = NULL, *r = NULL;
	size_t n = 0, rn = 0;

	CHECK_EQ_INT(jsonrpc__decode(in, strlen(in), &m, &n), 0);
	CHECK_EQ_INT(n, 3);
	if (n != 3)
		goto out;
	CHECK_EQ_STR(m[0].id, "8888888888888881");
	CHECK_EQ_STR(m[0].body, "{\"method\":\"\",\"id\":8888888888888881,\"jsonrpc\":\"2.0\"}");
	CHECK_EQ_INT(jsonrpc__decode(m[0].body, m[0].body_len, &r, &rn), 0);
	CHECK_EQ_INT(rn, 1);
	if (rn == 1)
		CHECK_EQ_STR(r[0].id, m[0].id);
	jsonrpc__free(r, rn);
	/* Past 2^53 the double is what is kept: 17 digits print it exactly. */
	CHECK_EQ_STR(m[1].body, "{\"id\":2,\"result\":{\"v\":[0.30000000000000004,1.5,-0,null],"
				"\"w\":1.2345678901234568e+17}}");
	CHECK_EQ_STR(m[2].body, "8888888888888881");
out:
	jsonrpc__free(m, n);
}

static void test_odd_numbers(void)
{
	static const struct {
		const char *in;
		enum rpc_kind kind;
		const char *id;
	} t[] = {
		{ "{" J ",\"id\":-0,\"method\":\"p\"}", RPC_REQUEST, "0" },
		{ "{" J ",\"id\":1E2,\"method\":\"p\"}", RPC_REQUEST, "100" },
		{ "{" J ",\"id\":-9223372036854775808,\"method\":\"p\"}", RPC_REQUEST,
		  "-9223372036854775808" },
		{ "{" J ",\"id\":9223372036854775808,\"method\":\"p\"}", RPC_REQUEST,
		  "9.2233720368547758e+18" },
		{ "{" J ",\"id\":1e400,\"method\":\"p\"}", RPC_REQUEST, "inf" },
		{ "{" J ",\"id\":1234567890123456789012345678901234567890123456789012345678901234567890,"
		  "\"method\":\"p\"}",
		  RPC_REQUEST, "1.2345678901234567e+69" },
		/* cJSON is lenient here (strtod): a leading zero passes */
		{ "{" J ",\"id\":01,\"method\":\"p\"}", RPC_REQUEST, "1" },
		{ "{" J ",\"id\":1.,\"method\":\"p\"}", RPC_REQUEST, "1" },
		{ "{" J ",\"id\":-,\"method\":\"p\"}", RPC_INVALID, NULL },
	};
	size_t i, n;
	struct rpc_msg *m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_EQ_INT(jsonrpc__decode(t[i].in, strlen(t[i].in), &m, &n), 0);
		CHECK_EQ_INT(m[0].kind, t[i].kind);
		CHECK_EQ_STR(m[0].id, t[i].id);
		jsonrpc__free(m, n);
	}
}

/* Rounds of one call match on the arguments' digest: the same arguments
 * give the same digest whatever their spacing, other arguments another. */
static void test_args_digest(void)
{
	static const char *const in[] = {
		"{" J ",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
		"\"arguments\":{\"a\":1,\"b\":\"x\"}}}",
		"{" J ",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
		"\"arguments\": { \"a\" : 1.0, \"b\":\"\\u0078\" } }}",
		"{" J ",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"t\","
		"\"arguments\":{\"a\":2,\"b\":\"x\"}}}",
	};
	uint64_t d[3] = { 0 };

	for (size_t i = 0; i < 3; i++) {
		struct rpc_msg *m = NULL;
		size_t n = 0;

		CHECK_EQ_INT(jsonrpc__decode(in[i], strlen(in[i]), &m, &n), 0);
		if (n == 1)
			d[i] = m->args_digest;
		jsonrpc__free(m, n);
	}
	CHECK(d[0] != 0);
	CHECK(d[0] == d[1]);
	CHECK(d[0] != d[2]);
}

static void test_kind_names(void)
{
	CHECK_EQ_STR(jsonrpc__kind_name(RPC_REQUEST), "request");
	CHECK_EQ_STR(jsonrpc__kind_name(RPC_NOTIFICATION), "notification");
	CHECK_EQ_STR(jsonrpc__kind_name(RPC_RESPONSE), "response");
	CHECK_EQ_STR(jsonrpc__kind_name(RPC_ERROR), "error");
	CHECK_EQ_STR(jsonrpc__kind_name(RPC_INVALID), "invalid");
}

/* Heads of messages cut short: what the keys before the cut show. */
static void test_heads(void)
{
	static const struct {
		const char *head;
		enum rpc_kind kind;
		const char *id, *method;
	} cases[] = {
		{ "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"m\":\"xxxx",
		  RPC_REQUEST, NULL, "tools/call" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":\"a,}\",\"method\":\"tools/call\",\"params\":{\"x\":[1,{\"y\":\"}",
		  RPC_REQUEST, "\"a,}\"", "tools/call" },
		{ "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"Echo: xxx", RPC_RESPONSE, NULL, NULL },
		{ "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[", RPC_RESPONSE, "7", NULL },
		{ "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32000,\"message\":\"a lo", RPC_ERROR, "7", NULL },
		{ "{\"method\":\"notifications/message\",\"params\":{\"data\":\"xx", RPC_NOTIFICATION, NULL,
		  "notifications/message" },
		{ "{\"params\":{\"huge\":\"xx", RPC_INVALID, NULL, NULL },
		{ "[{\"method\":\"ping\"", RPC_INVALID, NULL, NULL },
		{ "{\"meth", RPC_INVALID, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct rpc_msg *m = calloc(1, sizeof(*m));

		CHECK_EQ_INT(jsonrpc__decode_head(cases[i].head, strlen(cases[i].head), m), 0);
		CHECK_EQ_INT(m->kind, cases[i].kind);
		CHECK_EQ_STR(m->id, cases[i].id);
		CHECK_EQ_STR(m->method, cases[i].method);
		CHECK_EQ_INT(m->body_len, strlen(cases[i].head));
		jsonrpc__free(m, 1);
	}
}

int main(void)
{
	RUN_TEST(test_heads);
	RUN_TEST(test_table);
	RUN_TEST(test_batch);
	RUN_TEST(test_batch_limit);
	RUN_TEST(test_deep_nesting);
	RUN_TEST(test_batch_exact_numbers);
	RUN_TEST(test_odd_numbers);
	RUN_TEST(test_kind_names);
	RUN_TEST(test_args_digest);
	return CHECK_DONE();
}

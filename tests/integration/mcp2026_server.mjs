// A v2 SDK server (2026-07-28 and 2025 eras from one factory) for
// test_mcp2026.sh: over stdio with serveStdio, or, with --http PORT, over
// node:http with createMcpHandler. Tools: echo, fail (a tool error), slow
// (answers after ms, so concurrent calls come back out of order), confirm
// (input_required with an elicitation, then complete).
import http from 'node:http';
import { McpServer, createMcpHandler, inputRequired, acceptedContent } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

function factory() {
	const server = new McpServer({ name: 'mt-v2-server', version: '2.4.0-test' }, { capabilities: { tools: {} } });
	server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) },
		async ({ text }) => ({ content: [{ type: 'text', text }] }));
	server.registerTool('fail', { inputSchema: z.object({}) },
		async () => ({ isError: true, content: [{ type: 'text', text: 'it failed' }] }));
	server.registerTool('slow', { inputSchema: z.object({ ms: z.number() }) },
		async ({ ms }) => {
			await new Promise((r) => setTimeout(r, ms));
			return { content: [{ type: 'text', text: `slept ${ms}` }] };
		});
	server.registerTool('confirm', { inputSchema: z.object({ what: z.string() }) },
		async ({ what }, ctx) => {
			const ok = acceptedContent(ctx.mcpReq.inputResponses, 'ok');
			if (!ok)
				return inputRequired({
					inputRequests: {
						ok: inputRequired.elicit({
							message: `really ${what}?`,
							requestedSchema: { type: 'object', properties: { yes: { type: 'boolean' } } },
						}),
					},
					requestState: 'state-' + what,
				});
			return { content: [{ type: 'text', text: `confirmed ${what}: ${ok.yes}` }] };
		});
	return server;
}

const i = process.argv.indexOf('--http');
if (i < 0) {
	serveStdio(factory);
} else {
	const handler = createMcpHandler(factory);
	const srv = http.createServer(async (req, res) => {
		const chunks = [];
		for await (const c of req) chunks.push(c);
		const body = Buffer.concat(chunks);
		const headers = new Headers();
		for (const [k, v] of Object.entries(req.headers))
			headers.set(k, Array.isArray(v) ? v.join(', ') : v);
		const r = await handler.fetch(new Request(`http://${req.headers.host}${req.url}`, {
			method: req.method, headers, body: body.length ? body : undefined,
		}));
		res.writeHead(r.status, Object.fromEntries(r.headers));
		if (r.body) for await (const c of r.body) res.write(c);
		res.end();
	});
	srv.listen(Number(process.argv[i + 1]), '127.0.0.1', () => console.error('listening'));
	process.on('SIGTERM', () => srv.close(() => process.exit(0)));
}

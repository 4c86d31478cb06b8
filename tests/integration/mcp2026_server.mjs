// A v2 SDK server (2026-07-28 and 2025 eras from one factory) for
// test_mcp2026.sh: over stdio with serveStdio, or, with --http PORT, over
// node:http with createMcpHandler. Tools: echo, fail (a tool error), chain
// (n concurrent calls answered in reverse order), confirm
// (input_required with an elicitation, then complete), poke (tells the
// subscriptions/listen streams that the tool list changed).
import http from 'node:http';
import { McpServer, createMcpHandler, inputRequired, acceptedContent } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

let handler = null;

// One promise per chain call, opened when that call has answered.
const gates = new Map();
function gate(key) {
	if (!gates.has(key)) {
		let open;
		const opened = new Promise((resolve) => { open = resolve; });
		gates.set(key, { opened, open });
	}
	return gates.get(key);
}

function factory() {
	const server = new McpServer({ name: 'mt-v2-server', version: '2.4.0-test' }, { capabilities: { tools: {} } });
	server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) },
		async ({ text }) => ({ content: [{ type: 'text', text }] }));
	server.registerTool('fail', { inputSchema: z.object({}) },
		async () => ({ isError: true, content: [{ type: 'text', text: 'it failed' }] }));
	server.registerTool('chain', { inputSchema: z.object({ run: z.string(), k: z.number(), n: z.number() }) },
		async ({ run, k, n }) => {
			// Call k of n answers only once call k+1 has: the answers come
			// back in reverse order whatever the timing, no sleep involved.
			if (k + 1 < n)
				await gate(`${run}:${k + 1}`).opened;
			gate(`${run}:${k}`).open();
			return { content: [{ type: 'text', text: `chain ${k}` }] };
		});
	server.registerTool('poke', { inputSchema: z.object({}) }, async () => {
		if (handler)
			handler.notify.toolsChanged();
		else
			server.sendToolListChanged();
		return { content: [{ type: 'text', text: 'poked' }] };
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
	handler = createMcpHandler(factory);
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

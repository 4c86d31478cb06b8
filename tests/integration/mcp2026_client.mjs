// A v2 SDK client pinned to 2026-07-28 for test_mcp2026.sh. Spawns
// mcp2026_server.mjs over stdio; with --http URL talks to one over HTTP;
// with --spawn-http PORT first starts one on that port as its child (so
// one `mcptrace run` traces both ends) and stops it at the end. With
// --everything it spawns the 2025-only server-everything instead, lets the
// client negotiate (mode 'auto': a server/discover probe, then initialize)
// and only lists the tools and calls echo. With --legacy it speaks 2025
// only (mode 'legacy': initialize, no envelopes) and does the same. With
// --hold FILE (stdio) it starts the server, writes "CLIENTPID SERVERPID" to
// FILE.pids and says nothing until FILE exists, so that a test can attach
// mcptrace to either end first. Writes
// its own log of every JSON-RPC message it sent or received, one JSON line
// {dir, msg} each, to the file named by --log: the truth the trace DB is
// compared with.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const arg = (name) => { const i = process.argv.indexOf(name); return i < 0 ? null : process.argv[i + 1]; };
const log = fs.openSync(arg('--log'), 'w');
const serverPath = new URL('./mcp2026_server.mjs', import.meta.url).pathname;
let url = arg('--http');
let child = null;
if (arg('--spawn-http')) {
	child = spawn(process.execPath, [serverPath, '--http', arg('--spawn-http')], { stdio: ['ignore', 'inherit', 'pipe'] });
	// It says "listening" on stderr once the port is open: no guessing.
	await new Promise((resolve, reject) => {
		let seen = '';
		child.stderr.on('data', (d) => {
			seen += d;
			if (seen.includes('listening')) resolve();
		});
		child.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
	});
	url = `http://127.0.0.1:${arg('--spawn-http')}/mcp`;
}
const inner = url ? new StreamableHTTPClientTransport(new URL(url))
	: new StdioClientTransport({ command: process.execPath, stderr: 'inherit',
		args: [process.argv.includes('--everything') ? new URL(
			'./node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url).pathname
			: serverPath] });

// Every message either way passes through here on its way: the client's
// own handler is kept aside, so wrapping it again logs nothing twice.
let handler = null;
inner.onmessage = (m, extra) => {
	fs.writeSync(log, JSON.stringify({ dir: 's2c', msg: m }) + '\n');
	handler?.(m, extra);
};
let started = null;
const transport = {
	set onmessage(f) { handler = f; }, get onmessage() { return handler; },
	set onclose(f) { inner.onclose = f; }, get onclose() { return inner.onclose; },
	set onerror(f) { inner.onerror = f; }, get onerror() { return inner.onerror; },
	start: () => (started ??= inner.start()),
	close: () => inner.close(),
	send: (m, o) => { fs.writeSync(log, JSON.stringify({ dir: 'c2s', msg: m }) + '\n'); return inner.send(m, o); },
	setProtocolVersion: (v) => inner.setProtocolVersion?.(v),
	get sessionId() { return inner.sessionId; },
};

const hold = arg('--hold');
if (hold && !url) {
	await transport.start();
	fs.writeFileSync(hold + '.pids', `${process.pid} ${inner.pid}\n`);
	while (!fs.existsSync(hold))
		await new Promise((resolve) => setTimeout(resolve, 20));
}

const client = new Client({ name: 'mt-v2-client', version: '2.4.0-test' },
	{ capabilities: { elicitation: { form: {} } },
		versionNegotiation: { mode: process.argv.includes('--everything') ? 'auto'
			: process.argv.includes('--legacy') ? 'legacy' : { pin: '2026-07-28' } } });
client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { yes: true } }));
await client.connect(transport);

const out = {};
if (process.argv.includes('--everything') || process.argv.includes('--legacy')) {
	out.tools = (await client.listTools()).tools.length;
	out.echo = (await client.callTool({ name: 'echo',
		arguments: process.argv.includes('--legacy') ? { text: 'hello' } : { message: 'hello' } })).content[0].text;
	console.log(JSON.stringify(out));
	await client.close();
	process.exit(0);
}
out.echo = (await client.callTool({ name: 'echo', arguments: { text: 'hello' } })).content[0].text;
out.fail = (await client.callTool({ name: 'fail', arguments: {} })).isError;
try { await client.callTool({ name: 'nope', arguments: {} }); out.unknown = 'answered'; }
catch (e) { out.unknown = e.code ?? String(e); }
// Ten at once, answered in reverse order (the server chains them).
const run = `${process.pid}`;
const chain = await Promise.all([...Array(10).keys()].map((k) =>
	client.callTool({ name: 'chain', arguments: { run, k, n: 10 } })));
out.chain = chain.map((r) => r.content[0].text);
out.big = (await client.callTool({ name: 'echo', arguments: { text: 'x'.repeat(200 * 1024) } })).content[0].text.length;
out.confirm = (await client.callTool({ name: 'confirm', arguments: { what: 'deploy' } })).content[0].text;
// A subscriptions/listen stream gets the change a tool call causes.
{
	const changed = new Promise((resolve) =>
		client.setNotificationHandler('notifications/tools/list_changed', () => resolve(true)));
	const sub = await client.listen({ toolsListChanged: true });
	await client.callTool({ name: 'poke', arguments: {} });
	out.listen = await changed;
	await sub.close();
}
console.log(JSON.stringify(out));
await client.close();
if (child) {
	child.removeAllListeners('exit');
	child.kill('SIGTERM');
	await new Promise((resolve) => child.on('exit', resolve));
}

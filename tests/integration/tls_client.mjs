// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// HTTPS client for test_tls.sh through node's https (OpenSSL linked into the
// node executable, over memory BIOs): POSTs BODYFILE to
// https://127.0.0.1:PORT/mcp, certificate unchecked, prints the response.
//
//   node tls_client.mjs PORT BODYFILE
import fs from 'node:fs';
import https from 'node:https';

const body = fs.readFileSync(process.argv[3]);
const req = https.request({
  host: '127.0.0.1', port: Number(process.argv[2]), path: '/mcp', method: 'POST',
  rejectUnauthorized: false,
  headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
}, (res) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c) => { text += c; });
  res.on('end', () => { console.log(text); });
});
req.on('error', (e) => { console.error(e.message); process.exit(1); });
req.end(body);

// webhook-receiver.mjs - a local stand-in for an operator's alert webhook
// (an n8n Webhook node, a Slack or Discord incoming webhook), for tests.
//
// Usage: node webhook-receiver.mjs [PORT]   (PORT 0 or absent: any free port)
// Listens on 127.0.0.1 and prints the chosen port as the first line of stdout.
// No npm dependencies.
//
// POST <any other path>  records {path, headers: {content-type, user-agent},
//                        body (parsed JSON, or the raw text), at (epoch ms)}
//                        and answers the current status after the current
//                        delay (default 204 at once)
// POST /_control  {"status":500, "delay_ms":MS}  sets how hooks are answered
// GET  /_requests every hook request received so far (JSON array), including
//                 those still being delayed
// POST /_reset    forget the requests and answer 204 at once again

import http from 'node:http';

let control = { status: 204, delay_ms: 0 };
let requests = [];
const sockets = new Set();

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function json(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer(async (req, res) => {
  const text = await readBody(req);
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/_requests') return json(res, 200, requests);
  if (req.method === 'POST' && path === '/_reset') {
    requests = [];
    control = { status: 204, delay_ms: 0 };
    return json(res, 200, { ok: true });
  }
  if (req.method === 'POST' && path === '/_control') {
    try {
      const c = JSON.parse(text || '{}');
      control = { status: c.status || 204, delay_ms: c.delay_ms || 0 };
      return json(res, 200, control);
    } catch (e) {
      return json(res, 400, { error: 'invalid JSON' });
    }
  }
  if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
  let body;
  try { body = JSON.parse(text); } catch (e) { body = text; }
  requests.push({
    path,
    headers: { 'content-type': req.headers['content-type'] || null, 'user-agent': req.headers['user-agent'] || null },
    body,
    at: Date.now(),
  });
  const { status, delay_ms } = control;
  const answer = () => { if (!res.destroyed) { res.writeHead(status); res.end(); } };
  if (delay_ms > 0) setTimeout(answer, delay_ms); else answer();
});

server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
const port = Number(process.argv[2] || 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const s of sockets) s.destroy();
    server.close(() => process.exit(0));
  });
}

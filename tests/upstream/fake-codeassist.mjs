#!/usr/bin/env node
// fake-codeassist.mjs - a local stand-in for Google's Code Assist API
// (cloudcode-pa), enough for the real Gemini CLI to run one prompt.
//
// Usage: node fake-codeassist.mjs   (no npm dependencies)
// Listens on 127.0.0.1, port 0; prints the port alone on stdout's first
// line. Point the CLI at it with CODE_ASSIST_ENDPOINT=http://127.0.0.1:PORT.
//
// Endpoints (all POST /v1internal:<method>):
//   loadCodeAssist       -> currentTier + cloudaicompanionProject
//   retrieveUserQuota    -> empty buckets
//   listExperiments      -> empty flags (fails with 500 in mode "flaky")
//   streamGenerateContent?alt=sse -> the reply as SSE events, several chunks,
//                           only the last with finishReason
//   anything else        -> {}
// Behaviour of streamGenerateContent is chosen by a marker in the prompt,
// [[upstream:MODE]], or for every request by POST /_mode {"mode":"MODE"}:
//   ok (default)   reply "Hello from the fake upstream." in 4 chunks
//   echo           reply "bytes=<N> sha256=<hex>" of the whole prompt text
//   slow=MS        sleep MS between chunks
//   401, 403       that HTTP status with a Google RPC error body (on every
//                  method when set by /_mode, so the CLI fails early)
//   429            daily quota: "You have exhausted your capacity on this
//                  model. Your quota will reset after 13h21m5s." + RetryInfo
//   429-backoff    a 429 with no retry information
//   500            an internal error
//   hang           accept the request and never answer
// The tool scenario (any mode but the errors): when the request offers a
// function whose name ends in "Calculator" or "calculator" and no content
// holds a functionResponse yet, the reply is one functionCall of it with
// args {"input":"17*23"} (two calls, "17*23" and "2+2", when the last user
// text contains [[fake:parallel]]); once a functionResponse is there, the
// reply is the text "The result is <the last response's text>."
// Google's OAuth endpoints, for the oauth_creds.json route: the server is
// also an HTTPS proxy (HTTPS_PROXY=http://127.0.0.1:PORT for the CLI). A
// CONNECT is answered by TLS with FAKE_TLS_CERT / FAKE_TLS_KEY (a leaf for
// oauth2.googleapis.com signed by a test CA that the CLI trusts through
// NODE_EXTRA_CA_CERTS); without them CONNECT gets 502. Served there:
//   GET|POST /tokeninfo   -> scope, expires_in, email for any access token
//   POST /token           -> grant_type=refresh_token: a new access token
//                            "ya29.fake-refreshed-N" (expires_in 3599);
//                            mode "oauth-invalid-grant": 400 invalid_grant
//   anything else         -> {}
// Control and inspection:
//   GET  /_requests      every request so far: [{method,path,body,done}],
//                        done: the wall clock (ms, fractional) when the
//                        answer was handed to the kernel (the benchmarks'
//                        anchor, bench/real_clis.sh)
//   POST /_reset         forget requests, mode back to "ok"
//   POST /_mode          {"mode":"..."}
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';

const requests = [];
let globalMode = 'ok';
const hung = new Set();

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function rpcError(code, status, message, details = []) {
  return { error: { code, message, status, details } };
}

// All text parts of the user contents, in order.
function promptText(body) {
  const contents = body?.request?.contents ?? [];
  return contents.flatMap((c) => (c.parts ?? []).map((p) => p.text ?? '')).join('');
}

function modeFor(body) {
  const m = /\[\[upstream:([a-z0-9=-]+)\]\]/.exec(promptText(body));
  return m ? m[1] : globalMode;
}

function sendError(res, mode) {
  if (mode === '401')
    return send(res, 401, rpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
  if (mode === '403')
    return send(res, 403, rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission.'));
  if (mode === '429')
    return send(res, 429, rpcError(429, 'RESOURCE_EXHAUSTED',
      'You have exhausted your capacity on this model. Your quota will reset after 13h21m5s.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED',
          domain: 'cloudcode-pa.googleapis.com',
          metadata: { uiMessage: 'true', model: 'gemini-2.5-pro', quotaResetDelay: '13h21m5s' } },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '48065.123s' },
      ]));
  if (mode === '429-backoff')
    return send(res, 429, rpcError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'));
  if (mode === '500')
    return send(res, 500, rpcError(500, 'INTERNAL', 'Internal error encountered.'));
  return false;
}

// The names of the functions the request offers.
function offeredFunctions(body) {
  return (body?.request?.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name));
}

// The text of a functionResponse's response object, as a client would see it.
function responseText(r) {
  if (r == null) return '';
  if (typeof r === 'string') return r;
  for (const k of ['output', 'result', 'content', 'error']) {
    const v = r[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map((b) => (typeof b === 'string' ? b : b?.text ?? '')).join('');
  }
  return JSON.stringify(r);
}

// The last functionResponse of the conversation, or null.
function lastFunctionResponse(body) {
  let last = null;
  for (const c of body?.request?.contents ?? [])
    for (const p of c.parts ?? [])
      if (p.functionResponse) last = p.functionResponse;
  return last;
}

// The text of the last user content that has text.
function lastUserText(body) {
  const users = (body?.request?.contents ?? []).filter((c) => c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string'));
  const c = users[users.length - 1];
  return c ? c.parts.map((p) => p.text ?? '').join('') : '';
}

// The tool scenario's parts, or null when it does not apply.
function toolParts(body) {
  const calc = offeredFunctions(body).find((n) => /[Cc]alculator$/.test(n ?? ''));
  const fr = lastFunctionResponse(body);
  if (fr) return [{ text: `The result is ${responseText(fr.response)}.` }];
  if (!calc) return null;
  const inputs = lastUserText(body).includes('[[fake:parallel]]') ? ['17*23', '2+2'] : ['17*23'];
  return inputs.map((input) => ({ functionCall: { name: calc, args: { input } } }));
}

async function toolReply(res, body, parts) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const event = {
    response: {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 },
      modelVersion: body?.model ?? 'gemini-2.5-pro',
    },
    traceId: crypto.randomBytes(8).toString('hex'),
  };
  res.write(`data: ${JSON.stringify(event)}\n\n`);
  res.end();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function streamReply(req, res, body, mode) {
  let text = 'Hello from the fake upstream.';
  let delay = 0;
  if (mode === 'echo') {
    const p = promptText(body);
    text = `bytes=${Buffer.byteLength(p)} sha256=${crypto.createHash('sha256').update(p).digest('hex')}`;
  } else if (mode.startsWith('slow=')) {
    delay = Number(mode.slice(5)) || 0;
  }
  const chunks = text.length < 8 ? [text] : [
    text.slice(0, Math.floor(text.length / 4)),
    text.slice(Math.floor(text.length / 4), Math.floor(text.length / 2)),
    text.slice(Math.floor(text.length / 2), Math.floor((3 * text.length) / 4)),
    text.slice(Math.floor((3 * text.length) / 4)),
  ];
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const traceId = crypto.randomBytes(8).toString('hex');
  for (let i = 0; i < chunks.length; i++) {
    if (delay && i > 0) await sleep(delay);
    const last = i === chunks.length - 1;
    const candidate = { content: { role: 'model', parts: [{ text: chunks[i] }] } };
    if (last) candidate.finishReason = 'STOP';
    const event = {
      response: {
        candidates: [candidate],
        usageMetadata: last
          ? { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 }
          : { promptTokenCount: 11, totalTokenCount: 11 },
        modelVersion: body?.model ?? 'gemini-2.5-pro',
      },
      traceId,
    };
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  }
  res.end();
}

let refreshCount = 0;

// Requests that came through the proxy, for Google's OAuth hosts.
const oauthServer = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, `https://${req.headers.host || 'oauth2.googleapis.com'}`);
    const form = new URLSearchParams(raw);
    requests.push({ method: req.method, host: url.host, path: url.pathname,
      grant_type: form.get('grant_type') ?? undefined });
    if (url.pathname === '/tokeninfo')
      return send(res, 200, { azp: 'fake.apps.googleusercontent.com', aud: 'fake.apps.googleusercontent.com',
        scope: 'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email',
        exp: String(Math.floor(Date.now() / 1000) + 3000), expires_in: '3000', email: 'test@example.com',
        email_verified: 'true', access_type: 'offline' });
    if (url.pathname === '/token') {
      if (globalMode === 'oauth-invalid-grant' || form.get('grant_type') !== 'refresh_token' || !form.get('refresh_token'))
        return send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      refreshCount++;
      return send(res, 200, { access_token: `ya29.fake-refreshed-${refreshCount}-${crypto.randomBytes(4).toString('hex')}`,
        expires_in: 3599, scope: 'https://www.googleapis.com/auth/cloud-platform', token_type: 'Bearer' });
    }
    return send(res, 200, {});
  });
});

const tlsContext = process.env.FAKE_TLS_CERT && process.env.FAKE_TLS_KEY
  ? tls.createSecureContext({ cert: fs.readFileSync(process.env.FAKE_TLS_CERT), key: fs.readFileSync(process.env.FAKE_TLS_KEY) })
  : null;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/_requests' && req.method === 'GET')
      return send(res, 200, requests);
    if (url.pathname === '/_reset' && req.method === 'POST') {
      requests.length = 0;
      globalMode = 'ok';
      return send(res, 200, { ok: true });
    }
    if (url.pathname === '/_mode' && req.method === 'POST') {
      try { globalMode = JSON.parse(raw).mode || 'ok'; } catch { return send(res, 400, { error: 'bad json' }); }
      return send(res, 200, { mode: globalMode });
    }
    let body = null;
    try { body = raw ? JSON.parse(raw) : null; } catch { body = raw; }
    const entry = { method: req.method, path: url.pathname, query: url.search, body };
    requests.push(entry);
    res.on('finish', () => { entry.done = performance.timeOrigin + performance.now(); });
    const m = /^\/v1internal:([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, rpcError(404, 'NOT_FOUND', 'no such method'));
    const method = m[1];
    if (['401', '403'].includes(globalMode) && sendError(res, globalMode) !== false) return;
    switch (method) {
      case 'loadCodeAssist':
        return send(res, 200, {
          currentTier: { id: 'standard-tier', name: 'Gemini Code Assist', description: 'fake', userDefinedCloudaicompanionProject: false },
          allowedTiers: [{ id: 'standard-tier', name: 'Gemini Code Assist', isDefault: true }],
          cloudaicompanionProject: 'fake-project-1234',
        });
      case 'retrieveUserQuota':
        return send(res, 200, { buckets: [] });
      case 'listExperiments':
        if (globalMode === 'flaky') return send(res, 500, rpcError(500, 'INTERNAL', 'flaky'));
        return send(res, 200, { experimentIds: [], flags: [] });
      case 'streamGenerateContent':
      case 'generateContent': {
        const mode = modeFor(body);
        if (mode === 'hang') {
          hung.add(res);
          res.on('close', () => hung.delete(res));
          return;  // never answer
        }
        if (sendError(res, mode) !== false) return;
        if (method === 'generateContent') {
          return send(res, 200, { response: { candidates: [{ content: { role: 'model', parts: [{ text: '{}' }] }, finishReason: 'STOP' }] } });
        }
        const parts = mode === 'ok' ? toolParts(body) : null;
        if (parts) return toolReply(res, body, parts);
        return streamReply(req, res, body, mode);
      }
      default:
        return send(res, 200, {});
    }
  });
});

server.on('connect', (req, sock, head) => {
  requests.push({ method: 'CONNECT', path: req.url });
  sock.on('error', () => {});
  if (!tlsContext) {
    sock.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    return;
  }
  sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head && head.length) sock.unshift(head);
  const tlsSock = new tls.TLSSocket(sock, { isServer: true, secureContext: tlsContext });
  tlsSock.on('error', () => {});
  oauthServer.emit('connection', tlsSock);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const r of hung) r.destroy();
    server.close();
    process.exit(0);
  });
}

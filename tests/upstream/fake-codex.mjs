// fake-codex.mjs - a local stand-in for the ChatGPT Codex backend, for tests:
// the Responses-style API the official Codex CLI calls with a ChatGPT login.
//
// Usage: node fake-codex.mjs [PORT]     (PORT 0 or absent: any free port)
// Listens on 127.0.0.1 and prints the chosen port as the first line of stdout.
// No npm dependencies.
//
// Point the CLI at it (see providers/codex.c, HUB_CODEX_BASE_URL):
//   -c chatgpt_base_url=http://127.0.0.1:P/backend-api/
//   -c model_provider=hubfake
//   -c 'model_providers.hubfake={name="hubfake",
//        base_url="http://127.0.0.1:P/backend-api/codex",wire_api="responses",
//        requires_openai_auth=true}'
//
// POST <prefix>/responses  streams SSE: response.created,
//   response.output_item.added, response.output_text.delta..., 
//   response.output_item.done, response.completed (with usage). The reply
//   text is DEFAULT_TEXT unless the last user text carries a marker:
//     [[up:error=401|403|429|500|503]]  error reply with that status
//     [[up:hang]]        accept the request and never answer
//     [[up:echo]]        reply text = the roles of input[] message items
//                        and the user texts, "user:A|assistant:B|user:C"
//     [[up:tool=NAME]]   ask for one call of function NAME (args {})
//     [[up:expired]]     401 until the CLI uses a token a refresh gave it
//   A request without an Authorization bearer gets 401.
//   A request whose input[] already holds a function_call_output gets the
//   text "The result is <its output>."
// Every other request (side calls: models, plugins, usage, ...) is
// recorded and answered 404, unless listed in SIDE below.
// GET  /_requests  every request received so far (JSON array):
//   {method, path, headers, body, tools: [names offered], unknown}.
//   The Authorization header is recorded as its scheme and the SHA-256 of
//   its credential, never the credential itself.
// POST <prefix>/oauth/token  a token refresh (CODEX_REFRESH_TOKEN_URL_OVERRIDE):
//   new id/access/refresh tokens, or 401 invalid_grant after
//   POST /_control {"refresh":"refuse"} ({"refresh":"ok"} undoes it).
//   Recorded with the refresh_token as its SHA-256.
// POST /_reset     forget the requests.

import http from 'node:http';
import crypto from 'node:crypto';

const DEFAULT_TEXT = 'Hello from the fake Codex upstream.';
let requests = [];
let seq = 0;
const hanging = new Set();
let refreshes = 0;
let refreshMode = 'ok';
const refreshed = new Set();   // access tokens handed out by refreshes

// A JWT-shaped token (unsigned) with the ChatGPT claims the CLI reads.
function jwt(claims) {
  const b64 = o => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.sig`;
}

// What a refresh answers: new tokens that expire in 10 days.
function newTokens(n) {
  const exp = Math.floor(Date.now() / 1000) + 10 * 86400;
  const auth = { chatgpt_plan_type: 'plus', chatgpt_account_id: 'acct-fake-123', chatgpt_user_id: 'user-1' };
  return {
    id_token: jwt({ email: 'hub@example.test', exp, 'https://api.openai.com/auth': auth }),
    access_token: jwt({ exp, n, 'https://api.openai.com/auth': auth }),
    refresh_token: `rt-refreshed-${n}`,
  };
}

function recordHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === 'authorization') {
      const m = /^(\S+)\s+(.*)$/.exec(String(v));
      out.authorization = m
        ? { scheme: m[1], sha256: crypto.createHash('sha256').update(m[2]).digest('hex') }
        : { scheme: '', sha256: crypto.createHash('sha256').update(String(v)).digest('hex') };
    } else {
      out[k] = v;
    }
  }
  return out;
}

// Text of one content array or string.
function textOf(c) {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map(p => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

// Every tool name the request offers: the top-level tools, and the
// additional_tools developer item's namespaces/functions inside input[].
function toolNames(body) {
  const names = [];
  const walk = (t, prefix) => {
    if (!t || typeof t !== 'object') return;
    if (Array.isArray(t)) { t.forEach(x => walk(x, prefix)); return; }
    const n = t.name ?? t.function?.name ?? t.type;
    if (Array.isArray(t.tools)) { walk(t.tools, n ? `${prefix}${n}.` : prefix); return; }
    if (n) names.push(prefix + n);
  };
  if (Array.isArray(body?.tools)) walk(body.tools, '');
  for (const item of Array.isArray(body?.input) ? body.input : []) {
    if (item && (item.type === 'additional_tools' || Array.isArray(item.tools))) walk(item.tools ?? [], '');
    if (item && Array.isArray(item.content))
      for (const p of item.content) if (p && Array.isArray(p.tools)) walk(p.tools, '');
  }
  return names;
}

function messages(body) {
  return (Array.isArray(body?.input) ? body.input : [])
    .filter(i => i && (i.type === 'message' || i.role) && (i.role === 'user' || i.role === 'assistant'));
}

function lastUserText(body) {
  const m = messages(body).filter(i => i.role === 'user');
  return m.length ? textOf(m[m.length - 1].content) : '';
}

function sse(res, type, obj) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`);
}

function answerResponses(req, res, body) {
  const t = lastUserText(body);
  const bearer = /^Bearer\s+(.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  let m;
  // no login, or (with [[up:expired]]) a token that no refresh made: 401
  if (!bearer || (/\[\[up:expired\]\]/.test(t) && !refreshed.has(bearer))) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'Unauthorized' }));
    return;
  }
  if ((m = /\[\[up:error=(\d+)\]\]/.exec(t))) {
    const status = Number(m[1]);
    const headers = { 'content-type': 'application/json' };
    if (status === 429) headers['retry-after'] = '42';
    res.writeHead(status, headers);
    const err = status === 429
      ? { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus',
          resets_at: Math.floor(Date.now() / 1000) + 42, resets_in_seconds: 42 } }
      : { error: { type: 'server_error', message: `fake status ${status}` } };
    res.end(JSON.stringify(err));
    return;
  }
  if (/\[\[up:hang\]\]/.test(t)) {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return;
  }
  const id = `resp_${++seq}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, 'response.created', { response: { id } });
  const input = Array.isArray(body?.input) ? body.input : [];
  const outputs = input.filter(i => i?.type === 'function_call_output');
  if ((m = /\[\[up:tool=([A-Za-z0-9_.-]+)\]\]/.exec(t)) && outputs.length === 0) {
    const item = { type: 'function_call', id: `fc_${seq}`, call_id: `call_${seq}`, name: m[1], arguments: '{}' };
    sse(res, 'response.output_item.done', { output_index: 0, item });
  } else {
    let text = DEFAULT_TEXT;
    if (outputs.length)
      text = `The result is ${textOf(outputs[outputs.length - 1].output)}.`;
    else if (/\[\[up:echo\]\]/.test(t))
      text = messages(body).map(i => `${i.role}:${textOf(i.content)}`).join('|');
    const item = { type: 'message', id: `msg_${seq}`, role: 'assistant', status: 'in_progress', content: [] };
    sse(res, 'response.output_item.added', { output_index: 0, item });
    const parts = text.match(/.{1,8}/gs) ?? [''];
    for (const p of parts)
      sse(res, 'response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: p });
    sse(res, 'response.output_item.done', {
      output_index: 0,
      item: { ...item, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] },
    });
  }
  sse(res, 'response.completed', {
    response: {
      id,
      usage: {
        input_tokens: 11, input_tokens_details: { cached_tokens: 0 },
        output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18,
      },
    },
  });
  res.end();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    const raw = Buffer.concat(chunks).toString('utf8');
    if (url.pathname === '/_requests' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(requests));
      return;
    }
    if (url.pathname === '/_reset' && req.method === 'POST') {
      requests = [];
      refreshMode = 'ok';
      res.writeHead(204);
      res.end();
      return;
    }
    let body = null;
    try { body = raw ? JSON.parse(raw) : null; } catch { body = { unparsed: raw.slice(0, 2000) }; }
    if (req.method === 'POST' && url.pathname.endsWith('/oauth/token')) {
      const rt = body?.refresh_token;
      requests.push({ method: req.method, path: url.pathname, headers: recordHeaders(req.headers),
        body: { ...body, refresh_token: rt ? { sha256: crypto.createHash('sha256').update(String(rt)).digest('hex') } : rt },
        refresh: true, unknown: false });
      refreshes++;
      if (refreshMode === 'refuse') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'refresh token revoked' }));
        return;
      }
      const tokens = newTokens(refreshes);
      refreshed.add(tokens.access_token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(tokens));
      return;
    }
    if (url.pathname === '/_control' && req.method === 'POST') {
      refreshMode = body?.refresh ?? refreshMode;
      res.writeHead(204);
      res.end();
      return;
    }
    const isTurn = req.method === 'POST' && url.pathname.endsWith('/responses');
    requests.push({
      method: req.method, path: url.pathname + url.search, headers: recordHeaders(req.headers),
      body, tools: isTurn ? toolNames(body) : undefined, unknown: !isTurn,
    });
    if (isTurn) { answerResponses(req, res, body); return; }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'not found' }));
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => { for (const r of hanging) r.destroy(); server.close(); process.exit(0); });

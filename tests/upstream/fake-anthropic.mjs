// fake-anthropic.mjs - a local stand-in for the Anthropic Messages API, for tests.
//
// Usage: node fake-anthropic.mjs [PORT]     (PORT 0 or absent: any free port)
// Listens on 127.0.0.1 and prints the chosen port as the first line of stdout.
// No npm dependencies.
//
// POST <any prefix>/v1/messages[?beta=true]
//   Streams SSE (message_start, content_block_start, ping, content_block_delta
//   text_delta..., content_block_stop, message_delta with usage and
//   stop_reason, message_stop) when the body has "stream": true, else answers
//   one JSON message. The behaviour comes from the current mode (POST /_control)
//   unless the last user message carries a marker:
//     [[up:error=401|403|404|429|500|529]]  error reply with that status
//     [[up:hang]]          accept the request and never answer
//     [[up:stall]]         send headers and message_start, then nothing more
//     [[up:slow=MS]]       wait MS between SSE events
//     [[up:max_tokens]]    stop_reason "max_tokens"
//     [[up:blocks=N]]      reply in N text blocks
//     [[up:echo]]          reply text = the roles of the messages received
//   The tool scenario (every fake upstream has it): when the request offers
//   a tool whose name ends in "Calculator" or "calculator" (after any prefix
//   the CLI adds, e.g. mcp__client__) and no message holds a tool_result yet,
//   the answer is ONE tool_use of it with input {"input":"17*23"} (two, with
//   inputs "17*23" and "2+2", when the last user text holds
//   "[[fake:parallel]]"), stop_reason "tool_use"; streamed like the real API:
//   content_block_start {type:"tool_use",id,name,input:{}}, then
//   input_json_delta fragments (the first one "") and content_block_stop.
//   Once a message holds a tool_result, the answer is the text
//   "The result is <that last result's text>."
// POST <any prefix>/v1/messages/count_tokens  {"input_tokens": N}
// POST /_control  {"mode":"ok"|"error"|"hang"|"stall"|"slow", "status":429,
//                  "retry_after":S, "delay_ms":MS, "text":"..."}  sets the mode
// GET  /_requests  every request received so far (JSON array); the
//                  Authorization header is recorded as its scheme and the
//                  SHA-256 of its credential, never the credential itself;
//                  "done" is the wall clock (ms, fractional) when the answer
//                  was handed to the kernel (bench/real_clis.sh's anchor)
// POST /_reset     forget the requests and go back to mode "ok" and plan
//                  phase "none"
// POST /_plan  {"phase":"none"|"allowed"|"warning"|"overage"|"rejected"|"reset",
//               "reset":EPOCH_S, "utilization":0.9}
//                  the subscription's usage window, sent on every /v1/messages
//                  answer as the anthropic-ratelimit-unified-* headers the
//                  Claude CLI reads (see planHeaders); "rejected" answers 429
// Anything else: 404 at once, recorded with "unknown": true.

import http from 'node:http';
import crypto from 'node:crypto';

const DEFAULT_TEXT = 'Hello from the fake upstream.';
let mode = { mode: 'ok' };
let plan = { phase: 'none' };
let requests = [];
let seq = 0;
const hanging = new Set();

const ERROR_TYPES = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
  404: 'not_found_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};
const ERROR_TEXT = {
  400: 'bad request', 401: 'invalid x-api-key', 403: 'OAuth token has been revoked',
  404: 'model: not-a-model', 429: 'Number of requests has exceeded your rate limit',
  500: 'Internal server error', 529: 'Overloaded',
};

function recordHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === 'authorization') {
      const m = /^(\S+)\s+(.*)$/.exec(String(v));
      out.authorization = m
        ? { scheme: m[1], sha256: crypto.createHash('sha256').update(m[2]).digest('hex') }
        : { scheme: '', sha256: crypto.createHash('sha256').update(String(v)).digest('hex') };
    } else if (k === 'x-api-key') {
      out['x-api-key'] = { present: true };
    } else {
      out[k] = v;
    }
  }
  return out;
}

function lastUserText(body) {
  const msgs = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i].role !== 'user') continue;
    const c = msgs[i].content;
    if (typeof c === 'string') return c;
    if (Array.isArray(c)) return c.filter(b => b.type === 'text').map(b => b.text).join('\n');
  }
  return '';
}

// The text of the last tool_result block of the conversation, or null.
function lastToolResult(body) {
  let found = null;
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content) {
      if (b?.type !== 'tool_result') continue;
      const c = b.content;
      found = typeof c === 'string' ? c
        : Array.isArray(c) ? c.filter(x => x.type === 'text').map(x => x.text).join('') : '';
    }
  }
  return found;
}

// The offered tool whose name ends in Calculator/calculator, or null.
function calculatorTool(body) {
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  return tools.find(t => typeof t?.name === 'string' && /[Cc]alculator$/.test(t.name)) || null;
}

function behaviour(body) {
  const b = { ...mode };
  const t = lastUserText(body);
  let m;
  if ((m = /\[\[up:error=(\d+)\]\]/.exec(t))) { b.mode = 'error'; b.status = Number(m[1]); }
  if (/\[\[up:hang\]\]/.test(t)) b.mode = 'hang';
  if (/\[\[up:stall\]\]/.test(t)) b.mode = 'stall';
  if ((m = /\[\[up:slow=(\d+)\]\]/.exec(t))) { b.mode = 'slow'; b.delay_ms = Number(m[1]); }
  if (/\[\[up:max_tokens\]\]/.test(t)) b.max_tokens = true;
  if ((m = /\[\[up:blocks=(\d+)\]\]/.exec(t))) b.blocks = Math.min(Number(m[1]), 16);
  if (/\[\[up:echo\]\]/.test(t)) {
    b.text = 'roles:' + (body.messages || []).map(x => x.role).join(',');
  }
  const result = lastToolResult(body);
  const calc = calculatorTool(body);
  if (result !== null) {
    b.text = `The result is ${result}.`;
  } else if (calc) {
    const inputs = /\[\[fake:parallel\]\]/.test(t) ? ['17*23', '2+2'] : ['17*23'];
    b.toolUses = inputs.map((input, i) => ({
      type: 'tool_use', id: `toolu_fake_${seq}_${i}`, name: calc.name, input: { input } }));
  }
  return b;
}

function chunksOf(text, n) {
  const words = text.split(/(?<= )/);
  if (words.length >= n) return words;
  return [text];
}

// The unified rate-limit headers of the plan phase, as Claude Code 2.1.330
// reads them: -status is the limiting window's status (allowed, or
// rejected once the plan's window is used up); -reset its reset (epoch s);
// -representative-claim its type; a per-window -5h-utilization /
// -5h-reset / -5h-surpassed-threshold makes it report allowed_warning;
// with -status rejected, -overage-status allowed means the request was
// served from extra usage (isUsingOverage); -overage-status rejected with
// -overage-disabled-reason means it was refused.
function planHeaders() {
  const now = Math.floor(Date.now() / 1000);
  const reset = String(plan.reset ?? now + 3600);
  const h = {};
  switch (plan.phase) {
  case 'allowed':
  case 'reset':
    h['anthropic-ratelimit-unified-status'] = 'allowed';
    h['anthropic-ratelimit-unified-reset'] = reset;
    h['anthropic-ratelimit-unified-representative-claim'] = 'five_hour';
    h['anthropic-ratelimit-unified-5h-utilization'] = String(plan.utilization ?? 0.2);
    h['anthropic-ratelimit-unified-5h-reset'] = reset;
    h['anthropic-ratelimit-unified-5h-status'] = 'allowed';
    break;
  case 'warning':
    h['anthropic-ratelimit-unified-status'] = 'allowed_warning';
    h['anthropic-ratelimit-unified-reset'] = reset;
    h['anthropic-ratelimit-unified-representative-claim'] = 'five_hour';
    h['anthropic-ratelimit-unified-5h-utilization'] = String(plan.utilization ?? 0.92);
    h['anthropic-ratelimit-unified-5h-reset'] = reset;
    h['anthropic-ratelimit-unified-5h-surpassed-threshold'] = '0.9';
    h['anthropic-ratelimit-unified-5h-status'] = 'allowed_warning';
    break;
  case 'overage':
    h['anthropic-ratelimit-unified-status'] = 'rejected';
    h['anthropic-ratelimit-unified-reset'] = reset;
    h['anthropic-ratelimit-unified-representative-claim'] = 'five_hour';
    h['anthropic-ratelimit-unified-5h-utilization'] = '1';
    h['anthropic-ratelimit-unified-5h-reset'] = reset;
    h['anthropic-ratelimit-unified-5h-status'] = 'rejected';
    h['anthropic-ratelimit-unified-overage-status'] = 'allowed';
    h['anthropic-ratelimit-unified-overage-reset'] = String(now + 30 * 86400);
    h['anthropic-ratelimit-unified-overage-in-use'] = 'true';
    break;
  case 'rejected':
    h['anthropic-ratelimit-unified-status'] = 'rejected';
    h['anthropic-ratelimit-unified-reset'] = reset;
    h['anthropic-ratelimit-unified-representative-claim'] = 'five_hour';
    h['anthropic-ratelimit-unified-5h-utilization'] = '1';
    h['anthropic-ratelimit-unified-5h-reset'] = reset;
    h['anthropic-ratelimit-unified-5h-status'] = 'rejected';
    h['anthropic-ratelimit-unified-overage-status'] = 'rejected';
    h['anthropic-ratelimit-unified-overage-disabled-reason'] = 'org_level_disabled';
    break;
  default:
    break;
  }
  return h;
}

function sendError(res, status, retryAfter) {
  const headers = { 'content-type': 'application/json', 'request-id': `req_fake_${seq}`, ...planHeaders() };
  if (status === 429) headers['retry-after'] = String(retryAfter ?? 7);
  res.writeHead(status, headers);
  res.end(JSON.stringify({
    type: 'error',
    error: { type: ERROR_TYPES[status] || 'api_error', message: ERROR_TEXT[status] || 'error' },
    request_id: `req_fake_${seq}`,
  }));
}

function usageOf(body) {
  return { input_tokens: Math.max(1, Math.ceil(JSON.stringify(body.messages || []).length / 4)) };
}

// The reply to a /v1/messages request of behaviour b, built once for both
// shapes: message is the whole reply (stream false); blocks holds, for each
// content block, what the stream sends of it: the block as
// content_block_start announces it and its deltas, which add up to the
// block of message; streamedOutputTokens is the message_delta's count.
function replyOf(b, body) {
  const text = b.text ?? DEFAULT_TEXT;
  const nblocks = b.blocks || 1;
  const words = chunksOf(text, 2);
  const outTok = words.length * nblocks;
  const blocks = b.toolUses
    ? b.toolUses.map(use => {
      // the real API's fragments: an empty one first, then cuts anywhere
      const json = JSON.stringify(use.input);
      const cut = Math.floor(json.length / 2);
      return { whole: use, start: { type: 'tool_use', id: use.id, name: use.name, input: {} },
        deltas: ['', json.slice(0, 3), json.slice(3, cut), json.slice(cut)]
          .map(frag => ({ type: 'input_json_delta', partial_json: frag })) };
    })
    : Array.from({ length: nblocks }, (_, i) => {
      const pieces = nblocks > 1 ? [`[${i}]`, ...words] : words;
      return { whole: { type: 'text', text: pieces.join('') }, start: { type: 'text', text: '' },
        deltas: pieces.map(w => ({ type: 'text_delta', text: w })) };
    });
  const message = {
    id: `msg_fake_${seq}`, type: 'message', role: 'assistant', model: body.model || 'claude-fake',
    content: blocks.map(x => x.whole),
    stop_reason: b.toolUses ? 'tool_use' : b.max_tokens ? 'max_tokens' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: usageOf(body).input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0,
      output_tokens: outTok },
  };
  return { message, blocks, streamedOutputTokens: b.toolUses ? 20 * b.toolUses.length : outTok };
}

async function answer(req, res, body) {
  const b = behaviour(body);

  if (b.mode === 'error') return sendError(res, b.status || 500, b.retry_after);
  if (plan.phase === 'rejected') return sendError(res, 429, 5);
  if (b.mode === 'hang') { hanging.add(res); res.on('close', () => hanging.delete(res)); return; }

  const { message, blocks, streamedOutputTokens } = replyOf(b, body);
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${seq}`, ...planHeaders() });
    res.end(JSON.stringify(message));
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_fake_${seq}`,
    ...planHeaders(),
  });
  const delay = b.mode === 'slow' ? (b.delay_ms ?? 200) : 0;
  const send = async (event, data) => {
    if (res.destroyed) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (delay) await new Promise(r => setTimeout(r, delay));
  };
  await send('message_start', { type: 'message_start', message: {
    ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } });
  if (b.mode === 'stall') { hanging.add(res); res.on('close', () => hanging.delete(res)); return; }
  for (const [i, block] of blocks.entries()) {
    await send('content_block_start', { type: 'content_block_start', index: i, content_block: block.start });
    if (i === 0) await send('ping', { type: 'ping' });
    for (const delta of block.deltas) {
      await send('content_block_delta', { type: 'content_block_delta', index: i, delta });
    }
    await send('content_block_stop', { type: 'content_block_stop', index: i });
  }
  await send('message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: streamedOutputTokens } });
  await send('message_stop', { type: 'message_stop' });
  res.end();
}

function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', c => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

const server = http.createServer(async (req, res) => {
  seq++;
  const url = new URL(req.url, 'http://x');
  const raw = await readBody(req);
  let body = null;
  try { body = raw ? JSON.parse(raw) : null; } catch { body = { unparsed: raw.slice(0, 200) }; }

  if (url.pathname === '/_requests' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(requests));
    return;
  }
  if (url.pathname === '/_control' && req.method === 'POST') {
    mode = body && typeof body === 'object' ? body : { mode: 'ok' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  if (url.pathname === '/_plan' && req.method === 'POST') {
    plan = body && typeof body === 'object' ? body : { phase: 'none' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  if (url.pathname === '/_reset' && req.method === 'POST') {
    requests = []; mode = { mode: 'ok' }; plan = { phase: 'none' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  const entry = { seq, time: Date.now(), method: req.method, path: url.pathname,
    query: url.search, headers: recordHeaders(req.headers), body };
  // the wall clock (ms, fractional) when the answer was handed to the
  // kernel: the benchmarks' anchor (bench/real_clis.sh)
  res.on('finish', () => { entry.done = performance.timeOrigin + performance.now(); });
  if (req.method === 'POST' && url.pathname.endsWith('/v1/messages/count_tokens')) {
    requests.push(entry);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(usageOf(body || {})));
    return;
  }
  if (req.method === 'POST' && url.pathname.endsWith('/v1/messages')) {
    requests.push(entry);
    await answer(req, res, body || {});
    return;
  }
  entry.unknown = true;
  requests.push(entry);
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not Found' } }));
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
const stop = () => { for (const r of hanging) r.destroy(); server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// sse-flood.mjs - hold many idle legacy MCP streams (GET /sse) open.
//
//   node sse-flood.mjs URL COUNT HOLD_SECONDS READY_FILE
//
// Opens COUNT connections to URL (Authorization: Bearer $HUB_TEST_KEY when
// set), each on its own socket, a few at a time. Once every one has either
// sent its "endpoint" event or answered with an error status, it writes one
// JSON line to READY_FILE:
//   {"open":N,"status":{"200":N,"429":M},"ms":T,"endpoints":N}
// and then holds the open streams idle until HOLD_SECONDS have passed since
// the start, or SIGTERM/SIGINT; then it closes every
// socket and exits 0. It never runs longer than HOLD_SECONDS.
import http from 'node:http';
import { writeFileSync } from 'node:fs';

const [url, countText, holdText, readyFile] = process.argv.slice(2);
const count = Number(countText), holdMs = Number(holdText) * 1000;
const started = Date.now();
const requests = [];
const status = {};
let settled = 0, endpoints = 0, open = 0, inFlight = 0, next = 0, reported = false;
const MAX_IN_FLIGHT = 64;

function finish(code) {
  for (const r of requests) r.destroy();
  process.exit(code);
}
setTimeout(() => finish(0), holdMs);
process.on('SIGTERM', () => finish(0));
process.on('SIGINT', () => finish(0));

function report() {
  if (reported || settled < count) return;
  reported = true;
  writeFileSync(readyFile, JSON.stringify({ open, status, endpoints, ms: Date.now() - started }) + '\n');
}

function settle() {
  settled++;
  inFlight--;
  report();
  launch();
}

function openOne() {
  const headers = { Accept: 'text/event-stream' };
  if (process.env.HUB_TEST_KEY) headers.Authorization = `Bearer ${process.env.HUB_TEST_KEY}`;
  let done = false;
  const once = () => { if (!done) { done = true; settle(); } };
  const req = http.get(url, { headers, agent: false }, (res) => {
    status[res.statusCode] = (status[res.statusCode] || 0) + 1;
    if (res.statusCode !== 200) { res.resume(); res.on('end', once); return; }
    open++;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      if (done) return;
      buf += chunk;
      if (/^data: \/messages\?sessionId=/m.test(buf)) { endpoints++; buf = ''; once(); }
    });
    res.on('end', () => { open--; once(); });
    res.on('error', () => {});
  });
  req.on('error', () => { status.error = (status.error || 0) + 1; once(); });
  requests.push(req);
}

function launch() {
  while (next < count && inFlight < MAX_IN_FLIGHT) {
    next++;
    inFlight++;
    openOne();
  }
}
launch();

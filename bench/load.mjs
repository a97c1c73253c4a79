// load.mjs - the benchmarks' HTTP client (Node, no dependencies).
//
//   node load.mjs seq URL N STREAM BODY        N requests one after another
//   node load.mjs conc URL C STREAM BODY       C requests at the same time
//   node load.mjs relay URL N BODY             streaming requests whose deltas
//                                              carry [NS] CLOCK_MONOTONIC stamps
//   node load.mjs spawn N PROGRAM ARG... <INPUT  run PROGRAM N times with INPUT
//   node load.mjs spawnline N TEXT PROGRAM ARG... <INPUT   the same, one run
//                                              at a time, also timing the first
//                                              stdout line holding TEXT
//
// spawn and spawnline run PROGRAM with the environment in the file
// $LOAD_GAP_MS (seq, spawnline): a pause before each measured request or run,
// so that what the one before left running (a CLI's exit, its directory's
// removal) is not charged to it.
// $LOAD_ANCHOR (seq, spawnline): the URL of a fake upstream's /_requests;
// each measured request or run is then also timed from the fake's last
// answer to it ("done", wall clock) to the end of the response (seq) or to
// the line (spawnline), which leaves the CLI's start-up, and its jitter,
// out of the comparison ("after_upstream").
// $LOAD_ENV0 (NUL-separated NAME=value, as `env -0` prints it) when set,
// else this one's, in the directory $LOAD_CWD when set.
//
// Prints one JSON object: latency statistics in milliseconds (p50, p90,
// p99, max, mean), the number of errors and the first error seen. A
// streaming request counts as done at "data: [DONE]"; any status but 200,
// or a stream without [DONE], is an error. relay reports the delay from the
// CLI writing a delta to this process reading it. process.hrtime uses
// CLOCK_MONOTONIC, the clock of the stamps.
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);

function stats(xs, extra = {}) {
	const s = [...xs].sort((a, b) => a - b);
	const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : null);
	const r3 = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
	return {
		n: s.length, p50: r3(q(0.5)), p90: r3(q(0.9)), p95: r3(q(0.95)), p99: r3(q(0.99)), max: r3(s[s.length - 1] ?? null),
		mean: r3(s.length ? s.reduce((a, b) => a + b, 0) / s.length : null), ...extra,
	};
}

const nowNs = () => process.hrtime.bigint();
const wallMs = () => performance.timeOrigin + performance.now();

// The fake upstream's requests so far ($LOAD_ANCHOR), or null.
function anchorGet() {
	const url = process.env.LOAD_ANCHOR;
	if (!url) return Promise.resolve(null);
	return new Promise((resolve) => {
		http.get(url, (res) => {
			let b = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { b += c; });
			res.on('end', () => { try { resolve(JSON.parse(b)); } catch { resolve(null); } });
		}).on('error', () => resolve(null));
	});
}

// The latest "done" among the requests after the first `from`, or null.
function anchorDone(reqs, from) {
	let d = null;
	for (const r of (reqs || []).slice(from)) if (typeof r.done === 'number' && (d === null || r.done > d)) d = r.done;
	return d;
}

// One request; resolves {ms, ok, err, stamps: [delay ms...]}.
function request(url, body, stream, agent, wantStamps) {
	return new Promise((resolve) => {
		const t0 = nowNs();
		const u = new URL(url);
		const req = http.request({
			host: u.hostname, port: u.port, path: u.pathname + u.search, method: body ? 'POST' : 'GET',
			agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
		}, (res) => {
			let buf = '', done = false, firstMs = null;
			const delays = [];
			res.setEncoding('utf8');
			res.on('data', (chunk) => {
				const tRead = nowNs();
				buf += chunk;
				if (wantStamps) {
					for (const m of chunk.matchAll(/\[(\d{6,})\]/g)) {
						delays.push(Number(tRead - BigInt(m[1])) / 1e6);
					}
				}
				if (stream && firstMs === null && /"delta":\{[^}]*"content":"[^"]/.test(buf)) {
					firstMs = Number(tRead - t0) / 1e6;
				}
				if (stream && buf.includes('data: [DONE]')) done = true;
			});
			res.on('end', () => {
				const endWall = wallMs();
				const ms = Number(nowNs() - t0) / 1e6;
				let err = null;
				if (res.statusCode !== 200) err = `HTTP ${res.statusCode}: ${buf.slice(0, 200)}`;
				else if (stream && !done) err = 'stream ended without [DONE]';
				resolve({ ms, ok: !err, err, delays, firstMs, endWall });
			});
			res.on('error', (e) => resolve({ ms: 0, ok: false, err: String(e), delays: [] }));
		});
		req.on('error', (e) => resolve({ ms: 0, ok: false, err: String(e), delays: [] }));
		if (body) req.write(body);
		req.end();
	});
}

function withStream(body, stream) {
	const o = JSON.parse(body);
	if (stream) o.stream = true;
	return JSON.stringify(o);
}

// The environment and directory of spawned programs ($LOAD_ENV0, $LOAD_CWD).
function spawnOptions() {
	const o = {};
	if (process.env.LOAD_ENV0) {
		o.env = {};
		for (const kv of readFileSync(process.env.LOAD_ENV0, 'utf8').split('\0')) {
			const eq = kv.indexOf('=');
			if (eq > 0) o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
		}
	}
	if (process.env.LOAD_CWD) o.cwd = process.env.LOAD_CWD;
	return o;
}

// One run of prog with input: resolves {ms (to exit), lineMs (to the
// first stdout line holding text, or null), status, stderr}.
function spawnTimed(prog, pargs, input, text) {
	return new Promise((resolve) => {
		const t0 = nowNs();
		const c = spawn(prog, pargs, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions() });
		let out = '', err = '', lineMs = null, lineWall = null;
		c.stdout.setEncoding('utf8');
		c.stdout.on('data', (d) => {
			const t = nowNs();
			out += d;
			if (lineMs !== null) return;
			const nl = out.lastIndexOf('\n');
			if (nl >= 0 && out.slice(0, nl).split('\n').some((l) => l.includes(text))) {
				lineMs = Number(t - t0) / 1e6;
				lineWall = wallMs();
			}
			if (nl >= 0) out = out.slice(nl + 1);
		});
		c.stderr.on('data', (d) => { err += d; });
		c.on('close', (status) => resolve({ ms: Number(nowNs() - t0) / 1e6, lineMs, lineWall, status, stderr: err }));
		c.stdin.on('error', () => {});
		c.stdin.end(input);
	});
}

const gapMs = Number(process.env.LOAD_GAP_MS || 0);
const pause = () => gapMs > 0 ? new Promise((r) => setTimeout(r, gapMs)) : Promise.resolve();

async function main() {
	if (mode === 'seq' || mode === 'relay') {
		const [url, nStr] = args;
		const stream = mode === 'relay' ? true : args[2] === '1';
		const body = withStream(mode === 'relay' ? args[2] : args[3], stream);
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		const lat = [], delays = [], ttft = [], after = [];
		let errors = 0, firstErr = null;
		// two warm-up requests, not counted
		for (let i = 0; i < 2; i++) await request(url, body, stream, agent, false);
		for (let i = 0; i < Number(nStr); i++) {
			await pause();
			const before = (await anchorGet())?.length ?? 0;
			const r = await request(url, body, stream, agent, mode === 'relay');
			if (!r.ok) { errors++; firstErr ??= r.err; continue; }
			const done = anchorDone(await anchorGet(), before);
			if (done !== null) after.push(r.endWall - done);
			lat.push(r.ms);
			if (r.firstMs !== null) ttft.push(r.firstMs);
			delays.push(...r.delays);
		}
		agent.destroy();
		const out = mode === 'relay' ? stats(delays, { errors, first_error: firstErr, requests: lat.length })
			: stats(lat, { errors, first_error: firstErr, first_token: ttft.length ? stats(ttft) : null,
				after_upstream: after.length ? stats(after) : null });
		console.log(JSON.stringify(out));
	} else if (mode === 'conc') {
		const [url, cStr, streamStr, rawBody] = args;
		const body = withStream(rawBody, streamStr === '1');
		const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
		const t0 = nowNs();
		const rs = await Promise.all(Array.from({ length: Number(cStr) },
			() => request(url, body, streamStr === '1', agent, false)));
		const wall = Number(nowNs() - t0) / 1e6;
		const bad = rs.filter((r) => !r.ok);
		console.log(JSON.stringify(stats(rs.filter((r) => r.ok).map((r) => r.ms),
			{ errors: bad.length, first_error: bad[0]?.err ?? null, wall_ms: Math.round(wall) })));
	} else if (mode === 'spawnline') {
		const [nStr, text, prog, ...pargs] = args;
		const input = readFileSync(0);
		const lat = [], line = [], after = [];
		let errors = 0, firstErr = null;
		for (let i = 0; i < Number(nStr) + 2; i++) {
			if (i >= 2) await pause();
			const before = (await anchorGet())?.length ?? 0;
			const r = await spawnTimed(prog, pargs, input, text);
			if (i < 2) continue;
			const done = anchorDone(await anchorGet(), before);
			if (r.status !== 0 || r.lineMs === null) {
				errors++; firstErr ??= `exit ${r.status}${r.lineMs === null ? ', no line with the text' : ''}: ${r.stderr.slice(0, 200)}`;
				continue;
			}
			lat.push(r.ms);
			line.push(r.lineMs);
			if (done !== null) after.push(r.lineWall - done);
		}
		console.log(JSON.stringify(stats(lat, { errors, first_error: firstErr, line: line.length ? stats(line) : null,
			after_upstream: after.length ? stats(after) : null })));
	} else if (mode === 'spawn') {
		const [nStr, prog, ...pargs] = args;
		const input = readFileSync(0);
		const lat = [], inner = [], innerFirst = [];
		let errors = 0, firstErr = null;
		for (let i = 0; i < Number(nStr) + 2; i++) {
			const t0 = nowNs();
			const r = spawnSync(prog, pargs, { input, maxBuffer: 64 << 20, ...spawnOptions() });
			const ms = Number(nowNs() - t0) / 1e6;
			if (i < 2) continue;
			if (r.status !== 0) { errors++; firstErr ??= `exit ${r.status}: ${String(r.stderr).slice(0, 200)}`; }
			lat.push(ms);
			const last = String(r.stdout).trim().split('\n').pop();
			try { const j = JSON.parse(last); if (typeof j.duration_ms === 'number') inner.push(j.duration_ms);
				if (typeof j.first_token_ms === 'number' && j.first_token_ms >= 0) innerFirst.push(j.first_token_ms); } catch { /* not JSON */ }
		}
		console.log(JSON.stringify(stats(lat, { errors, first_error: firstErr, inner: inner.length ? stats(inner) : null,
			inner_first_token: innerFirst.length ? stats(innerFirst) : null })));
	} else {
		console.error('usage: load.mjs seq|conc|relay|spawn|spawnline ...');
		process.exit(2);
	}
}

main();

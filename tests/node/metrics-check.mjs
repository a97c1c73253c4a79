// metrics-check.mjs - read a Prometheus text exposition (format 0.0.4) on
// stdin, check it strictly, print its families as JSON:
//   [{name, type, help, metrics: [{labels, value} | {labels, buckets, sum, count}]}]
// It must also be accepted by the npm parser parse-prometheus-text-format,
// with the same families and types. (That parser merges a labelled
// histogram's series, so the histogram checks use this file's own parse.)
// Exits 1 with a reason on the first problem.
import parse from "parse-prometheus-text-format";

const text = await new Promise((resolve) => {
	let s = "";
	process.stdin.setEncoding("utf8");
	process.stdin.on("data", (d) => { s += d; });
	process.stdin.on("end", () => resolve(s));
});
const fail = (why) => { console.error("metrics-check: " + why); process.exit(1); };

if (!text.endsWith("\n")) fail("the exposition must end with a newline");
const families = new Map();
const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
function parseLabels(s, line) {
	const labels = {};
	if (s === undefined) return labels;
	const inner = s.slice(1, -1);
	labelRe.lastIndex = 0;
	while (labelRe.lastIndex < inner.length) {
		const m = labelRe.exec(inner);
		if (!m) fail("malformed labels in: " + line);
		if (m[1] in labels) fail("repeated label in: " + line);
		labels[m[1]] = m[2].replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
	}
	return labels;
}
for (const line of text.slice(0, -1).split("\n")) {
	let m;
	if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
		if (families.get(m[1])?.type) fail("second TYPE line for " + m[1]);
		const f = families.get(m[1]) ?? { name: m[1], help: "", metrics: [], series: new Map() };
		if (f.metrics.length) fail("TYPE after samples for " + m[1]);
		f.type = m[2];
		families.set(m[1], f);
		continue;
	}
	if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line))) {
		const f = families.get(m[1]) ?? { name: m[1], metrics: [], series: new Map() };
		f.help = m[2];
		families.set(m[1], f);
		continue;
	}
	if (line === "" || line.startsWith("#")) fail("unexpected line: " + JSON.stringify(line));
	m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([^ ]+)$/.exec(line);
	if (!m) fail("malformed sample line: " + line);
	if (!/^([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|\+Inf|-Inf|NaN)$/.test(m[3])) fail("bad value in " + line);
	const value = Number(m[3].replace("Inf", "Infinity"));
	const labels = parseLabels(m[2], line);
	let f = families.get(m[1]), suffix = "";
	if (!f || !f.type) {
		const base = m[1].replace(/_(bucket|sum|count)$/, "");
		suffix = m[1].slice(base.length);
		f = families.get(base);
		if (!f || f.type !== "histogram" || !suffix) fail("sample without a TYPE line: " + line);
	}
	if (!f.help) fail("no HELP before the samples of " + f.name);
	if (f.type === "counter" && !(value >= 0)) fail("negative counter: " + line);
	if (f.type !== "histogram") {
		f.metrics.push({ labels, value });
		continue;
	}
	if (!suffix) fail("histogram sample without _bucket/_sum/_count: " + line);
	const key = JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
	let s = f.series.get(key);
	if (!s) {
		const l = { ...labels }; delete l.le;
		s = { labels: l, buckets: [], sum: undefined, count: undefined };
		f.series.set(key, s);
		f.metrics.push(s);
	}
	if (suffix === "_bucket") {
		if (!("le" in labels)) fail("bucket without le: " + line);
		s.buckets.push([labels.le === "+Inf" ? Infinity : Number(labels.le), value]);
	} else if (suffix === "_sum") s.sum = value;
	else s.count = value;
}
for (const f of families.values()) {
	if (!f.type) fail("HELP without TYPE for " + f.name);
	if (f.type !== "histogram") continue;
	for (const s of f.metrics) {
		for (let i = 1; i < s.buckets.length; i++) {
			if (!(s.buckets[i][0] > s.buckets[i - 1][0])) fail(f.name + ": le not increasing");
			if (s.buckets[i][1] < s.buckets[i - 1][1]) fail(f.name + ": buckets not cumulative");
		}
		const last = s.buckets[s.buckets.length - 1];
		if (!last || last[0] !== Infinity) fail(f.name + ": no +Inf bucket");
		if (s.count !== last[1]) fail(f.name + ": _count differs from the +Inf bucket");
		if (s.sum === undefined) fail(f.name + ": no _sum");
	}
}

let theirs;
try { theirs = parse(text); } catch (e) { fail("parse-prometheus-text-format rejects it: " + e.message); }
const mine = [...families.values()].map((f) => `${f.name}:${f.type}`).join(" ");
const other = theirs.map((f) => `${f.name}:${f.type.toLowerCase()}`).join(" ");
if (mine !== other) fail(`families differ from the npm parser's:\n${mine}\n${other}`);

console.log(JSON.stringify([...families.values()].map(({ series, ...f }) => f)));

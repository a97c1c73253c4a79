// metrics-check.mjs - read a Prometheus text exposition on stdin, parse it
// with parse-prometheus-text-format, check it strictly, print the families
// as JSON. Exits 1 with a reason on the first problem.
import parse from "parse-prometheus-text-format";

const text = await new Promise((resolve) => {
	let s = "";
	process.stdin.setEncoding("utf8");
	process.stdin.on("data", (d) => { s += d; });
	process.stdin.on("end", () => resolve(s));
});
const fail = (why) => { console.error("metrics-check: " + why); process.exit(1); };

// strict line-level checks the parser does not make
const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const typed = new Map();
for (const line of text.split("\n")) {
	if (line === "") continue;
	let m;
	if ((m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
		if (typed.has(m[1])) fail("second TYPE line for " + m[1]);
		typed.set(m[1], m[2]);
		continue;
	}
	if (/^# HELP \S+ .+$/.test(line)) continue;
	if (line.startsWith("#")) fail("unexpected comment: " + line);
	m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
	if (!m) fail("malformed sample line: " + line);
	if (!name.test(m[1])) fail("bad metric name " + m[1]);
	if (!/^([-+]?[0-9.]+(e[-+]?[0-9]+)?|\+Inf|-Inf|NaN)$/.test(m[3])) fail("bad value in " + line);
	const family = typed.has(m[1]) ? m[1] : m[1].replace(/_(bucket|sum|count)$/, "");
	if (!typed.has(family)) fail("sample before its TYPE line: " + line);
}

const families = parse(text);
for (const f of families) {
	if (!f.help) fail("no HELP for " + f.name);
	if (typed.get(f.name) !== f.type.toLowerCase()) fail("type mismatch for " + f.name);
	if (f.type === "HISTOGRAM") {
		for (const m of f.metrics) {
			const les = Object.keys(m.buckets);
			if (les[les.length - 1] !== "+Inf") fail(f.name + ": last bucket is not +Inf");
			let prev = -1;
			for (const le of les) {
				const v = Number(m.buckets[le]);
				if (v < prev) fail(f.name + ": buckets not cumulative");
				prev = v;
			}
			if (Number(m.count) !== prev) fail(f.name + ": _count differs from the +Inf bucket");
		}
	}
}
console.log(JSON.stringify(families));

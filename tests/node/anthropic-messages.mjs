// anthropic-messages.mjs - drive the hub's Messages surface with the
// official Anthropic client library.
//
//   node anthropic-messages.mjs BASE_URL MODEL PROMPT MODE
//
// MODE: create (messages.create), stream (messages.stream, text events
// counted), tools (a Calculator run by this client through one full
// round), count (messages.countTokens), models (models.list). The client key goes as x-api-key
// (HUB_TEST_KEY), as Anthropic's clients send it.
// Prints one JSON line; exits 1 with the error on stderr.
import Anthropic from '@anthropic-ai/sdk';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 });
const tools = [{
  name: 'Calculator', description: 'Useful for getting the result of a math expression.',
  input_schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
}];

function calculator(input) {
  const m = /^\s*(\d+)\s*([*+])\s*(\d+)\s*$/.exec(input);
  if (!m) return 'cannot compute';
  return String(m[2] === '*' ? Number(m[1]) * Number(m[3]) : Number(m[1]) + Number(m[3]));
}

const text = (msg) => msg.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

try {
  if (mode === 'create') {
    const { data, response } = await client.messages.create({
      model, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: prompt }],
    }).withResponse();
    console.log(JSON.stringify({ id: data.id, text: text(data), stop_reason: data.stop_reason, usage: data.usage,
      model: data.model, session: response.headers.get('x-session-id') }));
  } else if (mode === 'stream') {
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
    let deltas = 0;
    const types = new Set();
    stream.on('text', () => { deltas++; });
    stream.on('streamEvent', (ev) => types.add(ev.type));
    const final = await stream.finalMessage();
    console.log(JSON.stringify({ text: text(final), deltas, stop_reason: final.stop_reason, usage: final.usage, types: [...types] }));
  } else if (mode === 'tools' || mode === 'tools-stream') {
    const messages = [{ role: 'user', content: prompt }];
    const ask = (msgs) => mode === 'tools' ? client.messages.create({ model, max_tokens: 256, tools, messages: msgs })
      : client.messages.stream({ model, max_tokens: 256, tools, messages: msgs }).finalMessage();
    const first = await ask(messages);
    const uses = first.content.filter((b) => b.type === 'tool_use');
    if (first.stop_reason !== 'tool_use' || !uses.length) throw new Error(`no tool_use: ${JSON.stringify(first)}`);
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: calculator(u.input.input ?? '') })) });
    const second = await ask(messages);
    if (!text(second)) throw new Error(`no text in the answer: ${JSON.stringify(second)}`);
    console.log(JSON.stringify({ calls: uses.map((u) => ({ id: u.id, name: u.name, input: u.input })), text: text(second),
      stop_reasons: [first.stop_reason, second.stop_reason] }));
  } else if (mode === 'models') {
    const ids = [];
    for await (const m of client.models.list()) ids.push({ id: m.id, type: m.type, display_name: m.display_name });
    console.log(JSON.stringify({ models: ids }));
  } else if (mode === 'count') {
    const r = await client.messages.countTokens({ model, messages: [{ role: 'user', content: prompt }] });
    console.log(JSON.stringify(r));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  console.error(`${e.status ?? ''} ${e.error?.error?.type ?? ''} ${e.message}`);
  process.exit(1);
}

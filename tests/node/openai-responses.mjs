// openai-responses.mjs - drive the hub's Responses surface with the
// official OpenAI client library.
//
//   node openai-responses.mjs BASE_URL MODEL PROMPT MODE
//
// MODE: text (client.responses.create), stream (the same with stream:
// true, events collected; and client.responses.stream's final response), tools (a Calculator run by this client through
// one full round, the history sent again whole), tools-stream (the same,
// streamed, continued with previous_response_id).
// Prints one JSON line; exits 1 with the error on stderr when the library
// throws or the round does not end in text.
import OpenAI from 'openai';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 });
const tools = [{
  type: 'function', name: 'Calculator', strict: false,
  description: 'Useful for getting the result of a math expression.',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false },
}];

// The client's own tool: a*b or a+b.
function calculator(input) {
  const m = /^\s*(\d+)\s*([*+])\s*(\d+)\s*$/.exec(input);
  if (!m) return 'cannot compute';
  return String(m[2] === '*' ? Number(m[1]) * Number(m[3]) : Number(m[1]) + Number(m[3]));
}

// A streamed response: the event types in order, the text deltas, the
// arguments fragments, and the final response of response.completed.
async function streamed(params) {
  const stream = await client.responses.create({ ...params, stream: true });
  const out = { types: [], seq: [], deltas: [], fragments: 0, response: null };
  for await (const ev of stream) {
    out.types.push(ev.type);
    out.seq.push(ev.sequence_number);
    if (ev.type === 'response.output_text.delta') out.deltas.push(ev.delta);
    if (ev.type === 'response.function_call_arguments.delta') out.fragments++;
    if (ev.type === 'response.completed') out.response = ev.response;
  }
  if (!out.response) throw new Error('no response.completed event');
  return out;
}

try {
  if (mode === 'text') {
    const { data, response } = await client.responses.create({ model, instructions: 'Be brief.', input: prompt }).withResponse();
    console.log(JSON.stringify({ id: data.id, text: data.output_text, status: data.status, usage: data.usage,
      model: data.model, session: response.headers.get('x-session-id') }));
  } else if (mode === 'stream') {
    const s = await streamed({ model, input: prompt });
    const ordered = s.seq.every((n, i) => n === i);
    // the library's own stream helper, which rebuilds the response from the events
    const helper = await client.responses.stream({ model, input: prompt }).finalResponse();
    console.log(JSON.stringify({ types: [...new Set(s.types)], ordered, text: s.deltas.join(''), deltas: s.deltas.length,
      helper_text: helper.output_text,
      final_text: s.response.output_text ?? s.response.output.filter((o) => o.type === 'message')
        .flatMap((o) => o.content).map((c) => c.text).join(''),
      usage: s.response.usage, id: s.response.id }));
  } else if (mode === 'tools' || mode === 'tools-stream') {
    const input = [{ role: 'user', content: prompt }];
    const first = mode === 'tools' ? await client.responses.create({ model, input, tools })
      : (await streamed({ model, input, tools })).response;
    const calls = first.output.filter((o) => o.type === 'function_call');
    if (!calls.length) throw new Error(`no function_call in ${JSON.stringify(first.output)}`);
    const results = calls.map((c) => ({ type: 'function_call_output', call_id: c.call_id,
      output: calculator(JSON.parse(c.arguments).input ?? '') }));
    let second, fragments = 0;
    if (mode === 'tools') {
      second = await client.responses.create({ model, tools, input: [...input, ...first.output, ...results] });
    } else {
      const s = await streamed({ model, tools, previous_response_id: first.id, input: results });
      second = s.response;
      fragments = s.fragments;
    }
    const text = second.output.filter((o) => o.type === 'message').flatMap((o) => o.content).map((c) => c.text).join('');
    if (!text) throw new Error(`no text in the second response: ${JSON.stringify(second.output)}`);
    console.log(JSON.stringify({ calls: calls.map((c) => ({ name: c.name, call_id: c.call_id, arguments: JSON.parse(c.arguments) })),
      results: results.map((r) => r.output), text, first_id: first.id, second_id: second.id, fragments }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

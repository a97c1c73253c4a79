// openai-tools.mjs - a tool-calling loop with the official OpenAI client
// library: offer a Calculator, run each call the model proposes (here, in
// the client, as the hub never does), send the results back, until the
// model answers in text.
//
//   node openai-tools.mjs BASE_URL MODEL PROMPT [stream]
//
// Prints one JSON line: {"calls":[{id,name,arguments}...], "finishes":[...],
// "text":..., "rounds":N, "streamed_fragments":N}. Exits 1 with the error
// on stderr when the library throws or the loop does not end.
import OpenAI from 'openai';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 });
const tools = [{
  type: 'function',
  function: {
    name: 'Calculator',
    description: 'Useful for getting the result of a math expression.',
    parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false },
  },
}];

// The client's own tool: a*b or a+b.
function calculator(input) {
  const m = /^\s*(\d+)\s*([*+])\s*(\d+)\s*$/.exec(input);
  if (!m) return 'cannot compute';
  return String(m[2] === '*' ? Number(m[1]) * Number(m[3]) : Number(m[1]) + Number(m[3]));
}

// One round, streamed: assemble the message from delta.tool_calls as a
// client library user would.
async function streamedRound(messages, out) {
  const stream = await client.chat.completions.create({
    model, messages, tools, stream: true, stream_options: { include_usage: true },
  });
  let text = '', finish = null, usage = null;
  const calls = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta?.content) text += c.delta.content;
      for (const d of c.delta?.tool_calls ?? []) {
        if (d.id) calls[d.index] = { id: d.id, type: 'function', function: { name: d.function.name, arguments: '' } };
        if (d.function?.arguments) { calls[d.index].function.arguments += d.function.arguments; out.streamed_fragments++; }
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  if (!usage) throw new Error('no usage chunk');
  return { finish, message: { role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) } };
}

async function wholeRound(messages) {
  const r = await client.chat.completions.create({ model, messages, tools });
  return { finish: r.choices[0].finish_reason, message: r.choices[0].message };
}

try {
  const messages = [{ role: 'user', content: prompt }];
  const out = { calls: [], finishes: [], text: null, rounds: 0, streamed_fragments: 0 };
  for (;;) {
    if (++out.rounds > 4) throw new Error('the model never answered in text');
    const { finish, message } = mode === 'stream' ? await streamedRound(messages, out) : await wholeRound(messages);
    out.finishes.push(finish);
    messages.push(message);
    if (!message.tool_calls?.length) { out.text = message.content; break; }
    for (const call of message.tool_calls) {
      const args = JSON.parse(call.function.arguments);
      out.calls.push({ id: call.id, name: call.function.name, arguments: args });
      messages.push({ role: 'tool', tool_call_id: call.id, content: calculator(args.input ?? '') });
    }
  }
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

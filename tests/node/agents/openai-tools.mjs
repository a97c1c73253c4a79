// openai-tools.mjs - a tool loop with the official OpenAI client: offer the
// Calculator, run every call it proposes here (client side), send the
// results back, until the model answers in text.
//
//   node openai-tools.mjs BASE_URL MODEL PROMPT [stream]
//
// Prints one JSON line: {"text", "rounds", "ran": [{input, output}],
// "calls": [...], "finish": [...], "session"}. Exits 1 on a library error.
import OpenAI from 'openai';
import { calculatorDescription, calculatorSchema, ran, runCalculator } from './calculator.mjs';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 });
const tools = [{ type: 'function', function: { name: 'Calculator', description: calculatorDescription, parameters: calculatorSchema } }];
const messages = [{ role: 'user', content: prompt }];
const calls = [], finish = [];

// One request; returns the assistant message as the non-streaming API would.
async function ask() {
  if (mode !== 'stream')
    return (await client.chat.completions.create({ model, messages, tools })).choices[0];
  const stream = await client.chat.completions.create({
    model, messages, tools, stream: true, stream_options: { include_usage: true },
  });
  const msg = { role: 'assistant', content: '', tool_calls: [] };
  let reason = null, fragments = 0;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      if (c.delta?.content) msg.content += c.delta.content;
      for (const t of c.delta?.tool_calls ?? []) {
        const slot = msg.tool_calls[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
        if (t.id) slot.id = t.id;
        if (t.function?.name) slot.function.name += t.function.name;
        if (t.function?.arguments) { slot.function.arguments += t.function.arguments; fragments++; }
      }
      if (c.finish_reason) reason = c.finish_reason;
    }
  }
  if (msg.tool_calls.length === 0) delete msg.tool_calls;
  return { message: msg, finish_reason: reason, fragments };
}

try {
  let text = null, rounds = 0;
  while (rounds < 5) {
    rounds++;
    const choice = await ask();
    finish.push(choice.finish_reason);
    const msg = choice.message;
    if (!msg.tool_calls?.length) { text = msg.content; break; }
    messages.push(msg);
    for (const call of msg.tool_calls) {
      const args = JSON.parse(call.function.arguments);
      calls.push({ id: call.id, name: call.function.name, arguments: args });
      messages.push({ role: 'tool', tool_call_id: call.id, content: runCalculator(args.input) });
    }
  }
  console.log(JSON.stringify({ text, rounds, ran, calls, finish }));
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

// openai-chat.mjs - drive the hub with the official OpenAI client library.
//
//   node openai-chat.mjs BASE_URL MODEL PROMPT [stream]
//
// Prints one JSON line: {"text":..., "chunks":N, "usage":..., "model":...}.
// Exits 1 with the error on stderr when the library throws.
import OpenAI from 'openai';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 });

try {
  if (mode === 'stream') {
    const stream = await client.chat.completions.create({
      model, stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: prompt }],
    });
    let text = '', chunks = 0, usage = null, finish = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta?.content) { text += c.delta.content; chunks++; }
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    console.log(JSON.stringify({ text, chunks, usage, finish }));
  } else {
    const { data, response } = await client.chat.completions.create({
      model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: prompt }],
    }).withResponse();
    console.log(JSON.stringify({
      text: data.choices[0].message.content, usage: data.usage, model: data.model,
      finish: data.choices[0].finish_reason, session: response.headers.get('x-session-id'),
    }));
  }
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

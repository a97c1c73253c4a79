// agents-run.mjs - an @openai/agents agent with a function tool, run to
// its final output against the hub's Responses surface.
//
//   node agents-run.mjs BASE_URL MODEL PROMPT [stream]
//
// Prints one JSON line {"final":..., "calls":[inputs...], "items":[types...]};
// exits 1 with the error on stderr.
import OpenAI from 'openai';
import { Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import { z } from 'zod';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
setTracingDisabled(true);
setOpenAIAPI('responses');
setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0 }));

const calls = [];
const calculator = tool({
  name: 'Calculator',
  description: 'Useful for getting the result of a math expression.',
  parameters: z.object({ input: z.string() }),
  execute: async ({ input }) => {
    calls.push(input);
    const m = /^\s*(\d+)\s*([*+])\s*(\d+)\s*$/.exec(input);
    if (!m) return 'cannot compute';
    return String(m[2] === '*' ? Number(m[1]) * Number(m[3]) : Number(m[1]) + Number(m[3]));
  },
});

try {
  const agent = new Agent({ name: 'Assistant', instructions: 'Use the calculator for arithmetic.', model, tools: [calculator] });
  let result;
  if (mode === 'stream') {
    result = await run(agent, prompt, { stream: true, maxTurns: 4 });
    for await (const _ of result.toTextStream()) { /* drain */ }
    await result.completed;
  } else {
    result = await run(agent, prompt, { maxTurns: 4 });
  }
  console.log(JSON.stringify({ final: result.finalOutput, calls, items: result.newItems.map((i) => i.type) }));
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

// aisdk-tools.mjs - the AI SDK's generateText (or streamText) with a tool
// and several steps: the SDK runs the tool here and sends the result back
// by itself, over Chat Completions.
//
//   node aisdk-tools.mjs BASE_URL MODEL PROMPT [stream]
//
// Prints one JSON line: {"text", "steps", "ran", "finish"}.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, isStepCount, streamText, tool } from 'ai';
import { z } from 'zod';
import { calculatorDescription, ran, runCalculator } from './calculator.mjs';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const openai = createOpenAI({ baseURL, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key' });
const args = {
  model: openai.chat(model), prompt, maxRetries: 0, stopWhen: isStepCount(5),
  tools: {
    Calculator: tool({
      description: calculatorDescription,
      inputSchema: z.object({ input: z.string().describe('a math expression, e.g. 2*3') }),
      execute: async ({ input }) => runCalculator(input),
    }),
  },
};

try {
  let text, steps, finish;
  if (mode === 'stream') {
    const r = streamText({ ...args, onError: ({ error }) => { throw error; } });
    text = await r.text; steps = (await r.steps).length; finish = await r.finishReason;
  } else {
    const r = await generateText(args);
    text = r.text; steps = r.steps.length; finish = r.finishReason;
  }
  console.log(JSON.stringify({ text, steps, ran, finish }));
} catch (e) {
  console.error(`${e.statusCode ?? e.status ?? ''} ${e.message}`);
  process.exit(1);
}

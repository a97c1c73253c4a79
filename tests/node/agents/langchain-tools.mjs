// langchain-tools.mjs - LangChain's ChatOpenAI with bindTools, in the loop
// an agent runs: invoke, run each proposed call here, send the ToolMessage
// back, until the model answers in text.
//
//   node langchain-tools.mjs BASE_URL MODEL PROMPT [stream|responses|responses-stream]
//
// "responses": over /v1/responses (useResponsesApi), as n8n's OpenAI Chat
// Model node sends by default.
// Prints one JSON line: {"text", "rounds", "ran", "calls"}.
// Exits 1 on a library error.
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { calculatorDescription, ran, runCalculator } from './calculator.mjs';

const [baseURL, model, prompt, mode] = process.argv.slice(2);
const calculator = tool(async ({ input }) => runCalculator(input), {
  name: 'Calculator', description: calculatorDescription,
  schema: z.object({ input: z.string().describe('a math expression, e.g. 2*3') }),
});
const llm = new ChatOpenAI({
  model, apiKey: process.env.HUB_TEST_KEY || 'not-a-provider-key', maxRetries: 0,
  configuration: { baseURL }, useResponsesApi: mode?.startsWith('responses') ?? false,
}).bindTools([calculator]);
const streamed = mode === 'stream' || mode === 'responses-stream';

// One model call. Streamed: the chunks concatenated, as agents do (invoke()
// with streaming: true also estimates tokens with js-tiktoken, which
// downloads its encoding: no network in the tests).
async function ask(messages) {
  if (!streamed) return llm.invoke(messages);
  let ai = null;
  for await (const chunk of await llm.stream(messages)) ai = ai === null ? chunk : ai.concat(chunk);
  return ai;
}

try {
  const messages = [new HumanMessage(prompt)], calls = [];
  let text = null, rounds = 0;
  while (rounds < 5) {
    rounds++;
    const ai = await ask(messages);
    messages.push(ai);
    if (!ai.tool_calls?.length) { text = typeof ai.content === 'string' ? ai.content : ai.text; break; }
    for (const call of ai.tool_calls) {
      calls.push({ id: call.id, name: call.name, arguments: call.args });
      const out = await calculator.invoke(call.args);
      messages.push(new ToolMessage({ content: String(out), tool_call_id: call.id }));
    }
  }
  console.log(JSON.stringify({ text, rounds, ran, calls }));
} catch (e) {
  console.error(`${e.status ?? ''} ${e.message}`);
  process.exit(1);
}

// calculator.mjs - the client-side tool the agent tests run: the hub and
// the CLIs never execute it. Evaluates "a op b" with + - * / only.
export function calculate(input) {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([-+*/])\s*(-?\d+(?:\.\d+)?)\s*$/.exec(String(input));
  if (!m) return 'error: expected "a op b"';
  const a = Number(m[1]), b = Number(m[3]);
  return String(m[2] === '+' ? a + b : m[2] === '-' ? a - b : m[2] === '*' ? a * b : a / b);
}

export const calculatorSchema = {
  type: 'object',
  properties: { input: { type: 'string', description: 'a math expression, e.g. 2*3' } },
  required: ['input'],
  additionalProperties: false,
};

export const calculatorDescription = 'Useful for getting the result of a math expression.';

// Every call the client ran, for the test's assertions.
export const ran = [];
export function runCalculator(input) {
  const out = calculate(input);
  ran.push({ input, output: out });
  return out;
}

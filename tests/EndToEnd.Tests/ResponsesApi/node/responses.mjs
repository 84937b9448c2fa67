// Runs one scenario of the official openai npm package or the OpenAI Agents SDK against our /v1 and prints one JSON
// line with what it saw. Arguments: <scenario> <base url of /v1> <access token> <MCP server URL>.
import OpenAI from 'openai';
import { Agent, run, hostedMcpTool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';

const [scenario, baseURL, apiKey, serverUrl] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const mcp = (requireApproval) => ({ type: 'mcp', server_label: 'test', server_url: serverUrl, ...(requireApproval ? { require_approval: requireApproval } : {}) });

async function create() {
  const response = await client.responses.create({ model: 'fake-model', input: 'Echo hi.', tools: [mcp('never')] });
  return { status: response.status, text: response.output_text, types: response.output.map((i) => i.type), call: response.output.find((i) => i.type === 'mcp_call') };
}

async function stream() {
  const events = [];
  const runner = client.responses.stream({ model: 'fake-model', input: 'Echo hi.', tools: [mcp('never')] });
  for await (const event of runner) {
    events.push({ type: event.type, sequence: event.sequence_number });
  }
  const final = await runner.finalResponse();
  return { status: final.status, text: final.output_text, events };
}

async function functions() {
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
  const first = await client.responses.create({ model: 'fake-model', input: 'Weather in Paris?', tools });
  const call = first.output.find((i) => i.type === 'function_call');
  const second = await client.responses.create({
    model: 'fake-model', previous_response_id: first.id, tools,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
  });
  return { call: { name: call.name, arguments: call.arguments, call_id: call.call_id }, text: second.output_text, previous: second.previous_response_id === first.id };
}

async function approval() {
  const first = await client.responses.create({ model: 'fake-model', input: 'Echo hi.', tools: [mcp()] });
  const request = first.output.find((i) => i.type === 'mcp_approval_request');
  const second = await client.responses.create({
    model: 'fake-model', previous_response_id: first.id, tools: [mcp()],
    input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }],
  });
  const call = second.output.find((i) => i.type === 'mcp_call');
  return { request: { id: request.id, name: request.name }, approvalRequestId: call?.approval_request_id, output: call?.output, text: second.output_text };
}

async function agents() {
  // Nothing may leave the machine: no traces to OpenAI's platform.
  setTracingDisabled(true);
  setDefaultOpenAIClient(client);
  setOpenAIAPI('responses');
  const agent = new Agent({
    name: 'Echoer', instructions: 'Use the tools.', model: 'fake-model',
    tools: [hostedMcpTool({ serverLabel: 'test', serverUrl, requireApproval: 'never' })],
  });
  const result = await run(agent, 'Echo hi.');
  return { text: result.finalOutput, items: result.newItems.map((i) => i.type) };
}

const scenarios = { create, stream, functions, approval, agents };
try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error), status: error?.status }));
  process.exitCode = 1;
}

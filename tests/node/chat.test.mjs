// Reads Charla's POST /api/chat with the AI SDK's own client code: DefaultChatTransport + readUIMessageStream.
// Run by tests/test_api_node.py with CHARLA_URL set to a live server whose upstream is the fake (echo replies).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DefaultChatTransport, readUIMessageStream } from "ai";

const base = process.env.CHARLA_URL;
if (!base) throw new Error("set CHARLA_URL to a running Charla server");

function userMessage(id, text) {
  return { id, role: "user", parts: [{ type: "text", text }] };
}

async function lastSnapshot(stream) {
  let last;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last;
}

test("DefaultChatTransport streams a reply readUIMessageStream accepts", async () => {
  const transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  const stream = await transport.sendMessages({
    chatId: "node-chat",
    messages: [userMessage("u1", "hello from node")],
    trigger: "submit-message",
    messageId: undefined,
    abortSignal: undefined,
  });
  const message = await lastSnapshot(stream);
  assert.equal(message.role, "assistant");
  const text = message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
  assert.equal(text, "Echo: hello from node");
  assert.equal(message.metadata.outcome, "finished");
  assert.equal(message.metadata.model, "openai/gpt-oss-20b"); // seed 004's default, retired: its successor answers
  assert.equal(message.metadata.requestedModel, "llama-3.1-8b-instant");
});

test("with sendReasoning the thinking arrives as a reasoning part before the text", async (t) => {
  const fake = process.env.FAKE_URL;
  if (!fake) return t.skip("FAKE_URL not set");
  await fetch(`${fake}/_fake/script`, {
    method: "POST",
    body: JSON.stringify({ text: "It is 4.", reasoning: "Two plus two is four." }),
  });
  const transport = new DefaultChatTransport({ api: `${base}/api/chat`, body: { sendReasoning: true } });
  const stream = await transport.sendMessages({ chatId: "c5", messages: [userMessage("u1", "2+2?")], trigger: "submit-message" });
  const message = await lastSnapshot(stream);
  assert.deepEqual(message.parts.filter((p) => p.type !== "step-start").map((p) => p.type), ["reasoning", "text"]);
  assert.equal(message.parts.find((p) => p.type === "reasoning").text, "Two plus two is four.");
  assert.equal(message.parts.find((p) => p.type === "text").text, "It is 4.");
});

test("a multi-turn UI conversation is accepted", async () => {
  const transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  const messages = [
    userMessage("u1", "first"),
    { id: "a1", role: "assistant", parts: [{ type: "step-start" }, { type: "text", text: "Echo: first" }] },
    userMessage("u2", "second"),
  ];
  const stream = await transport.sendMessages({ chatId: "c2", messages, trigger: "submit-message" });
  const message = await lastSnapshot(stream);
  assert.equal(message.parts.find((p) => p.type === "text").text, "Echo: second");
});

test("a refused request surfaces the seed's error body", async () => {
  const transport = new DefaultChatTransport({ api: `${base}/api/chat`, headers: { "Accept-Language": "es" } });
  await assert.rejects(
    transport.sendMessages({ chatId: "c3", messages: [], trigger: "submit-message" }),
    /Se requiere al menos un mensaje/,
  );
});

test("an upstream failure mid-stream reaches onError after the partial text", async (t) => {
  const fake = process.env.FAKE_URL;
  if (!fake) return t.skip("FAKE_URL not set");
  await fetch(`${fake}/_fake/script`, { method: "POST", body: JSON.stringify({ text: "a b c d e", drop_after: 2 }) });
  const transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  const stream = await transport.sendMessages({ chatId: "c4", messages: [userMessage("u1", "x")], trigger: "submit-message" });
  const errors = [];
  let last;
  for await (const message of readUIMessageStream({ stream, onError: (e) => errors.push(e) })) last = message;
  assert.equal(errors.length, 1);
  assert.match(String(errors[0].message ?? errors[0]), /broke off/);
  assert.equal(last.parts.find((p) => p.type === "text").text, "a b ");
});

test("a tool step arrives as a dynamic-tool part with its input and output, then the answer", async (t) => {
  const fake = process.env.FAKE_URL;
  if (!fake) return t.skip("FAKE_URL not set");
  const call = { name: "maintenance__equipment_status", arguments: { equipment_id: "UMA-001" } };
  await fetch(`${fake}/_fake/script`, {
    method: "POST",
    body: JSON.stringify([{ text: "", tool_calls: [call] }, { text: "UMA-001 is running." }]),
  });
  const transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  const question = userMessage("u1", "What is the status of equipment UMA-001?");
  const stream = await transport.sendMessages({ chatId: "c6", messages: [question], trigger: "submit-message" });
  const message = await lastSnapshot(stream);
  const tool = message.parts.find((p) => p.type === "dynamic-tool");
  assert.ok(tool, JSON.stringify(message.parts));
  assert.equal(tool.toolName, "maintenance__equipment_status");
  assert.equal(tool.state, "output-available");
  assert.deepEqual(tool.input, { equipment_id: "UMA-001" });
  assert.match(tool.output, /12480/);
  const text = message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
  assert.equal(text, "UMA-001 is running.");
  assert.equal(message.parts.filter((p) => p.type === "step-start").length, 2);
});

// Drives an OpenAI-compatible server with the official `openai` npm client:
// models, chat non-streaming and streaming (with the omni "modality" chunks),
// and prints one JSON summary line. Usage: node client.mjs BASE_URL MODEL
import OpenAI from "openai";

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY || "EMPTY", maxRetries: 0, timeout: 30000 });
const messages = [{ role: "user", content: "What is the capital of China?" }];
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const full = await client.chat.completions.create({ model, messages });
out.text = full.choices.map((c) => c.message.content).filter((c) => typeof c === "string").join("");
out.audio_pieces = full.choices.filter((c) => c.message.audio && c.message.audio.data).length;
out.finish = full.choices.map((c) => c.finish_reason);
out.usage = full.usage || null;

const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
let text = "", audio = 0, chunks = 0, usage = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    const d = c.delta && c.delta.content;
    if (!d) continue;
    if (chunk.modality === "audio") audio++; else text += d;
  }
}
out.stream_text = text;
out.stream_audio_chunks = audio;
out.stream_chunks = chunks;
out.stream_usage = usage;
console.log(JSON.stringify(out));

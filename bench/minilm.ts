// The inference benchmarks' model: all-MiniLM-L6-v2 from the Hugging Face cache (offline) with a
// fresh 2-label head drawn from a fixed seed, so every run classifies with the same weights.
import { AutoModelForSequenceClassification, AutoTokenizer, logging, torch, type PreTrainedModel } from '../src/index.js';

export const MINILM = 'sentence-transformers/all-MiniLM-L6-v2';

export async function miniLmWithFreshHead(seed = 0): Promise<{ tokenizer: Awaited<ReturnType<typeof AutoTokenizer.fromPretrained>>; model: PreTrainedModel }> {
  process.env.HF_HUB_OFFLINE = '1';
  logging.setVerbosity('error');
  torch.manualSeed(seed);
  const tokenizer = await AutoTokenizer.fromPretrained(MINILM);
  const model = await AutoModelForSequenceClassification.fromPretrained(MINILM, { numLabels: 2 }) as unknown as PreTrainedModel;
  return { tokenizer, model };
}

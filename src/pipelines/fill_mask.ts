// transformers' FillMaskPipeline: the masked-LM's softmax at each mask token, the topK tokens
// (or only `targets`), each with the sequence it completes.
import * as torch from '../engine/torch.js';
import type { AutoMaskedLMModel } from '../models/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';

export interface FillMaskOptions {
  /** How many tokens per mask (5). */
  topK?: number;
  /** Score only these tokens (words not in the vocabulary are tokenized and their first token used, as transformers). */
  targets?: string | string[];
}

export interface FillMaskResult { score: number; token: number; token_str: string; sequence: string }

export class FillMaskPipeline {
  constructor(readonly model: AutoMaskedLMModel, readonly tokenizer: PreTrainedTokenizerFast, readonly defaults: FillMaskOptions = {}) {
    this.model.eval();
  }

  private async targetIds(targets: string | string[]): Promise<number[]> {
    const list = Array.isArray(targets) ? targets : [targets];
    const vocab = this.tokenizer.getVocab();
    const ids: number[] = [];
    for (const t of list) {
      if (t in vocab) { ids.push(vocab[t]); continue; }
      const pieces = await this.tokenizer.encode(t, null, { addSpecialTokens: false });
      if (pieces.length === 0) { console.warn(`The specified target token \`${t}\` does not exist in the model vocabulary. We cannot replace it with anything meaningful, ignoring it`); continue; }
      console.warn(`The specified target token \`${t}\` does not exist in the model vocabulary. Replacing with \`${this.tokenizer.convertIdsToTokens(pieces[0])}\`.`);
      ids.push(pieces[0]);
    }
    if (ids.length === 0) throw new Error('fill-mask: at least one target must be provided when passed.');
    return [...new Set(ids)];
  }

  /** One text → its topK completions (a list per mask when it has several masks). */
  async run(text: string, options: FillMaskOptions = {}): Promise<FillMaskResult[] | FillMaskResult[][]> {
    const o = { ...this.defaults, ...options };
    const maskId = this.tokenizer.maskTokenId;
    if (maskId === null) throw new Error('fill-mask: the tokenizer has no mask token');
    const ids = await this.tokenizer.encode(text, null, { truncation: true });
    const positions = ids.flatMap((id, i) => (id === maskId ? [i] : []));
    if (positions.length === 0) throw new Error(`fill-mask: no mask_token (${this.tokenizer.maskToken}) found on the input`);
    const targets = o.targets !== undefined ? await this.targetIds(o.targets) : null;
    let topK = o.topK ?? 5;
    if (targets && topK > targets.length) topK = targets.length;
    const probs = torch.inferenceMode(() => torch.tidy(() => {
      const logits = this.model.forward({ input_ids: torch.tensor([ids]), attention_mask: torch.ones([1, ids.length], { dtype: 'int64' }) }).logits;
      return logits.select(0, 0).indexSelect(0, torch.tensor(positions)).softmax(-1).toArray() as number[][];
    }));
    const single = positions.length === 1;
    const rows = probs.map((row, m) => {
      const candidates = (targets ?? row.map((_, i) => i)).map((id) => ({ id, p: row[id] }));
      // topk: the largest first, the lower index first among ties
      candidates.sort((a, b) => b.p - a.p || a.id - b.id);
      return candidates.slice(0, topK).map(({ id, p }) => {
        const tokens = [...ids];
        tokens[positions[m]] = id;
        const kept = tokens.filter((t) => t !== this.tokenizer.padTokenId);
        return { score: p, token: id, token_str: this.tokenizer.decode([id]), sequence: this.tokenizer.decode(kept, { skipSpecialTokens: single }) };
      });
    });
    return single ? rows[0] : rows;
  }
}

// transformers' loss_utils.ForCausalLMLoss: next-token cross-entropy with the labels shifted
// inside (labels may simply be the input ids), -100 ignored, and the logits upcast to float32.
// With numItemsInBatch the summed loss is divided by it instead of averaged over this batch's
// tokens, so that micro-batches of gradient accumulation add up to the full batch's mean.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';

export const IGNORE_INDEX = -100;

export function causalLMLoss(logits: Tensor, labels: Tensor, numItemsInBatch: number | Tensor | null = null): Tensor {
  return torch.tidy(() => {
    const vocab = logits.size(-1);
    const source = logits.dtype === 'float32' ? logits : logits.to('float32');
    // pad one ignored label at the end, then drop the first: label t+1 is the target of position t
    const shifted = F.pad(labels.to('int64'), [0, 1], IGNORE_INDEX).slice(-1, 1).contiguous();
    const reduction = numItemsInBatch === null ? 'mean' : 'sum';
    const loss = F.crossEntropy(source.view(-1, vocab), shifted.view(-1), { ignoreIndex: IGNORE_INDEX, reduction });
    return numItemsInBatch === null ? loss : loss.div(numItemsInBatch);
  });
}

# The transformers side of bench/models_forward.ts: the real BertForSequenceClassification
# (transformers on torch 2.x, the peers' venv) loaded by from_pretrained from the same folder
# finetune loads, forward-only (eval, no_grad) on the same batch.
#   .venv-peers/bin/python bench/peers/models_forward.py CHECKPOINT_DIR BATCH SEQ ITERS
# Prints one JSON line: ms per forward (median), peak RSS, and writes the logits next to the
# checkpoint (logits-torch.json) so that the caller can check both computed the same thing.
import json
import os
import resource
import sys
import time

import torch
import transformers
from transformers import BertForSequenceClassification

transformers.logging.set_verbosity_error()


def batch_inputs(batch, seq):
    """The same deterministic batch as bench/models_forward.ts: [CLS] first, rows padded by 0-3 eighths."""
    ids = torch.zeros((batch, seq), dtype=torch.long)
    mask = torch.zeros((batch, seq), dtype=torch.long)
    for b in range(batch):
        length = seq - (b % 4) * (seq // 8)
        for t in range(length):
            ids[b, t] = 101 if t == 0 else 1000 + (b * 7919 + t * 104729) % 29000
        mask[b, :length] = 1
    return ids, mask


def main():
    folder, batch, seq, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    model = BertForSequenceClassification.from_pretrained(folder).eval()
    ids, mask = batch_inputs(batch, seq)
    times = []
    with torch.no_grad():
        logits = model(ids, attention_mask=mask).logits  # warm-up
        for _ in range(iters):
            start = time.perf_counter()
            logits = model(ids, attention_mask=mask).logits
            times.append((time.perf_counter() - start) * 1000)
    with open(os.path.join(folder, 'logits-torch.json'), 'w') as f:
        json.dump(logits.tolist(), f)
    times.sort()
    print(json.dumps({'msPerForward': times[len(times) // 2], 'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      'threads': torch.get_num_threads(), 'torch': torch.__version__, 'transformers': transformers.__version__}))


if __name__ == '__main__':
    main()

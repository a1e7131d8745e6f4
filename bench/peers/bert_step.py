"""The PyTorch side of bench/bert.ts: transformers' BertForSequenceClassification from a fresh
config of the shape (bench/bert_model.ts's SHAPES), training steps on random ids with AdamW, as
bench/bert_step.ts does them with finetune's. Prints one JSON line.
With --profile, the timed steps run under torch.profiler and its operator table (by self CPU
time) goes to stderr, to compare with finetune's own --profile table.
Usage: python bert_step.py {tiny|mini|small|base} BATCH SEQ STEPS [--eval] [--profile]"""
import json
import resource
import sys
import time

import torch
import transformers
from transformers import BertConfig, BertForSequenceClassification

SHAPES = {'tiny': (128, 2, 2, 512), 'mini': (256, 4, 4, 1024), 'small': (512, 4, 8, 2048), 'base': (768, 12, 12, 3072)}


def main():
    size, batch, seq, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    eval_step = '--eval' in sys.argv
    profile = '--profile' in sys.argv
    hidden, layers, heads, intermediate = SHAPES[size]
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                                                     intermediate_size=intermediate, num_labels=2))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    ids = torch.randint(0, 30522, (batch, seq))
    inputs = dict(input_ids=ids, token_type_ids=torch.zeros_like(ids), attention_mask=torch.ones_like(ids), labels=torch.randint(0, 2, (batch,)))

    def step():
        if eval_step:
            with torch.no_grad():
                return model(**inputs).loss.item()
        loss = model(**inputs).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()

    model.train(not eval_step)
    step()
    step()
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if profile else None
    if profiler:
        profiler.start()
    start = time.perf_counter()
    loss_sum = sum(step() for _ in range(steps))
    seconds = (time.perf_counter() - start) / steps
    if profiler:
        profiler.stop()
        print(profiler.key_averages().table(sort_by='self_cpu_time_total', row_limit=15), file=sys.stderr)
    print(json.dumps({'side': 'torch', 'torch': torch.__version__, 'transformers': transformers.__version__,
                      'attn_implementation': model.config._attn_implementation, 'size': size, 'threads': torch.get_num_threads(),
                      'msPerStep': seconds * 1000, 'meanLoss': loss_sum / steps,
                      'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()

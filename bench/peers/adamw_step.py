# The PyTorch side of bench/adamw.ts: torch.optim.AdamW steps on 100 float32 parameters of
# N/100 elements with fixed gradients, single-tensor (foreach=False, what 1.13 ran) and fused
# (fused=True, transformers' default optimizer, adamw_torch_fused).
#   .venv-peers/bin/python bench/peers/adamw_step.py ELEMENTS THREADS STEPS
# Prints one JSON line: median ms per step of each.
import json
import statistics
import sys
import time

import torch


def main():
    elements, threads, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    params = [torch.nn.Parameter(torch.randn(elements // 100)) for _ in range(100)]
    for p in params:
        p.grad = torch.randn_like(p)
    out = {'torch': torch.__version__}
    for name, options in (('single_tensor', {'foreach': False}), ('fused', {'fused': True})):
        opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, **options)
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            opt.step()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = statistics.median(times[1:])
    print(json.dumps(out))


if __name__ == '__main__':
    main()

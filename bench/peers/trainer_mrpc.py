"""PyTorch peer of bench/trainer_mrpc.ts: the same BERT (mini by default), the same MRPC token
ids and batch order (exported by the TypeScript side, since transformers is not installed),
dynamic padding per batch, AdamW + linear schedule + gradient clipping at 1.0, then evaluation
on the validation set. Prints one JSON line.
Usage: /usr/bin/python3 bench/peers/trainer_mrpc.py DATA.json THREADS"""
import json, math, sys, time
import torch, torch.nn as nn, torch.nn.functional as F


class Layer(nn.Module):
    def __init__(s, h, nh, inter):
        super().__init__(); s.nh = nh
        s.q, s.k, s.v, s.o = (nn.Linear(h, h) for _ in range(4))
        s.ln1, s.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        s.f1, s.f2 = nn.Linear(h, inter), nn.Linear(inter, h); s.drop = nn.Dropout(0.1)

    def forward(s, x, bias):
        B, T, H = x.shape; d = H // s.nh
        sp = lambda t: t.view(B, T, s.nh, d).transpose(1, 2)
        a = torch.matmul(sp(s.q(x)), sp(s.k(x)).transpose(-1, -2)) / math.sqrt(d) + bias
        a = s.drop(a.softmax(-1))
        c = torch.matmul(a, sp(s.v(x))).transpose(1, 2).reshape(B, T, H)
        x = s.ln1(x + s.drop(s.o(c)))
        return s.ln2(x + s.drop(s.f2(F.gelu(s.f1(x)))))


class Bert(nn.Module):
    def __init__(s, h, L, nh, inter, vocab=30522, labels=2):
        super().__init__()
        s.we, s.pe, s.te = nn.Embedding(vocab, h), nn.Embedding(512, h), nn.Embedding(2, h)
        s.ln = nn.LayerNorm(h, eps=1e-12); s.layers = nn.ModuleList(Layer(h, nh, inter) for _ in range(L))
        s.pool, s.cls, s.drop = nn.Linear(h, h), nn.Linear(h, labels), nn.Dropout(0.1)

    def forward(s, ids, tt, mask):
        T = ids.shape[1]
        x = s.drop(s.ln(s.we(ids) + s.pe(torch.arange(T))[None] + s.te(tt)))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in s.layers: x = l(x, bias)
        return s.cls(s.drop(torch.tanh(s.pool(x[:, 0]))))


def collate(rows):
    """DataCollatorWithPadding: pad to the longest row of the batch."""
    T = max(len(r["input_ids"]) for r in rows)
    pad = lambda key: torch.tensor([r[key] + [0] * (T - len(r[key])) for r in rows])
    mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (T - len(r["input_ids"])) for r in rows])
    return pad("input_ids"), pad("token_type_ids"), mask, torch.tensor([r["label"] for r in rows])


def main():
    data = json.load(open(sys.argv[1])); torch.set_num_threads(int(sys.argv[2]))
    h, L, nh, inter = data["shape"]
    torch.manual_seed(42); model = Bert(h, L, nh, inter)
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or ".ln" in n or n.startswith("ln"))]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or ".ln" in n or n.startswith("ln")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.0}, {"params": no_decay, "weight_decay": 0.0}], lr=data["lr"])
    steps = len(data["order"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (steps - s) / max(1, steps)))
    train, val = data["train"], data["validation"]

    t0 = time.perf_counter(); model.train(); samples = 0; losses = []
    for indices in data["order"]:
        ids, tt, mask, y = collate([train[i] for i in indices]); samples += len(indices)
        loss = F.cross_entropy(model(ids, tt, mask), y); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step(); opt.zero_grad(set_to_none=True); losses.append(loss.item())
    train_s = time.perf_counter() - t0

    t1 = time.perf_counter(); model.eval(); correct = 0
    with torch.no_grad():
        for k in range(0, len(val), data["eval_batch_size"]):
            ids, tt, mask, y = collate(val[k:k + data["eval_batch_size"]])
            correct += (model(ids, tt, mask).argmax(-1) == y).sum().item()
    eval_s = time.perf_counter() - t1
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": steps, "train_s": train_s, "train_samples": samples,
                      "eval_s": eval_s, "eval_samples": len(val), "accuracy": correct / len(val), "first_loss": losses[0], "last_loss": losses[-1]}))


main()

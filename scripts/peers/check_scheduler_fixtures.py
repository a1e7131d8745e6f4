# test/fixtures/engine/schedulers.json was made by scripts/fixtures/make_engine_fixtures.py with
# transformers' schedule lambdas transcribed by hand (transformers could not be installed then).
# This replays every case through the real transformers.get_scheduler on torch 2.x and reports
# the largest difference in the learning rates, and the cases whose argument checks disagree.
#
#   check_scheduler_fixtures.py FILE   → {"cases", "max_lr_diff", "error_mismatches", "second_scheduler_diff"}
import json
import sys

import torch
from transformers import get_scheduler


def run(sched, opt, steps):
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs


def max_diff(a, b):
    return max(abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))


def main(path):
    fx = json.load(open(path))
    worst = 0.0
    for case in fx['cases']:
        a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([{'params': [a]}, {'params': [b], 'lr': case['group_lrs'][1]}], lr=case['defaults_lr'])
        sched = get_scheduler(case['name'], opt, num_warmup_steps=case['warmup'], num_training_steps=case['total'],
                              scheduler_specific_kwargs=dict(case['kwargs']))
        worst = max(worst, max_diff(run(sched, opt, case['total'] + 5), case['lrs']))
    mismatches = []
    for e in fx['errors']:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=e.get('lr', 0.1))
        kwargs = {'lr_end': e['lr_end']} if 'lr_end' in e else None
        try:
            get_scheduler(e['name'], opt, num_warmup_steps=e['warmup'], num_training_steps=e['total'], scheduler_specific_kwargs=kwargs)
            missing = None
        except ValueError as err:
            missing = 'lr_end' if 'lr_end' in e else 'num_warmup_steps' if 'num_warmup_steps' in str(err) else 'num_training_steps'
        if missing != e['missing']:
            mismatches.append({**e, 'transformers': missing})
    s = fx['second_scheduler']
    opt = torch.optim.SGD([{'params': [torch.zeros(2, requires_grad=True)]}], lr=s['lr'])
    get_scheduler(s['first']['name'], opt, num_warmup_steps=s['first']['warmup'], num_training_steps=s['first']['total'])
    second = get_scheduler(s['second']['name'], opt, num_warmup_steps=s['second']['warmup'], num_training_steps=s['second']['total'])
    print(json.dumps({'cases': len(fx['cases']), 'max_lr_diff': worst, 'error_mismatches': mismatches,
                      'second_scheduler_diff': max_diff(run(second, opt, s['second']['total']), s['lrs'])}))


main(sys.argv[1])

# test/fixtures/models/{bert,roberta,distilbert} were made by scripts/fixtures/make_bert_fixture.py
# with a hand-written transcription of transformers' models (bench/peers/hf_bert.py,
# hf_distilbert.py) on Debian's torch 1.13. This replays every fixture through the real
# transformers classes on torch 2.x and reports how far each stored output is from what the real
# library computes, so that test/interop/fixtures.test.ts can keep a fixture only while both agree.
#
#   check_model_fixtures.py FIXTURES_DIR   → one JSON object: {family: {quantity: max |Δ|}}
import json
import os
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForSequenceClassification

torch.set_num_threads(1)
transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
DTYPES = {'float32': torch.float32, 'float64': torch.float64, 'int64': torch.int64}


def dec(spec):
    return torch.tensor(spec['data'], dtype=DTYPES[spec['dtype']]).reshape(spec['shape'])


def diff(actual, spec):
    expected = dec(spec)
    if list(actual.shape) != list(expected.shape):
        return float('inf')
    return (actual.detach().double() - expected.double()).abs().max().item() if actual.numel() else 0.0


def check(folder):
    exp = json.load(open(os.path.join(folder, 'expected.json')))
    model = AutoModelForSequenceClassification.from_pretrained(folder, attn_implementation='eager').eval()
    kwargs = {'attention_mask': dec(exp['attention_mask'])}
    if 'token_type_ids' in exp:
        kwargs['token_type_ids'] = dec(exp['token_type_ids'])
    ids, labels = dec(exp['input_ids']), dec(exp['labels'])
    out = model(ids, labels=labels, output_hidden_states=True, output_attentions=True, **kwargs)
    out.loss.backward()
    report = {'logits': diff(out.logits, exp['logits']), 'loss': abs(out.loss.item() - exp['loss']),
              'last_hidden_state': diff(out.hidden_states[-1], exp['last_hidden_state']),
              'grads': max(diff(p.grad, exp['grads'][n]) for n, p in model.named_parameters())}
    if 'hidden_states' in exp:
        report['hidden_states'] = max(diff(h, e) for h, e in zip(out.hidden_states, exp['hidden_states']))
        report['attentions'] = max(diff(a, e) for a, e in zip(out.attentions, exp['attentions']))
    base = getattr(model, model.base_model_prefix)
    if 'pooler_output' in exp and getattr(base, 'pooler', None) is not None:
        with torch.no_grad():
            report['pooler_output'] = diff(base.pooler(out.hidden_states[-1]), exp['pooler_output'])
    # the other problem types: the same encoder, each with its own stored head
    worst = 0.0
    for case in exp['problem_types']:
        config = AutoConfig.from_pretrained(folder, num_labels=case['num_labels'], problem_type=case['problem_type'])
        other = AutoModelForSequenceClassification.from_config(config, attn_implementation='eager').eval()
        state = {k: v for k, v in model.state_dict().items() if k.startswith(model.base_model_prefix + '.')}
        state.update({k: dec(v) for k, v in case['head'].items()})
        other.load_state_dict(state, strict=False)
        with torch.no_grad():
            got = other(ids, labels=dec(case['labels']), **kwargs)
        worst = max(worst, diff(got.logits, case['logits']), abs(got.loss.item() - case['loss']))
        if other.config.problem_type != case['inferred']:
            worst = float('inf')
    report['problem_types'] = worst
    return report


if __name__ == '__main__':
    root = sys.argv[1]
    print(json.dumps({family: check(os.path.join(root, family)) for family in ('bert', 'roberta', 'distilbert')}))

# The peft side of test/interop/peft.test.ts, run with the peers' virtual environment (.venv-peers).
#
#   peft_interop.py make DIR     a tiny random BertForSequenceClassification saved by save_pretrained in
#                                DIR/base, and for each case of CASES a LoRA adapter made by get_peft_model
#                                (its B matrices and classifier copy drawn at random so that it changes the
#                                outputs), saved by save_pretrained in DIR/<case>; DIR/expected.json has, per
#                                case, the logits with the adapter, after merge_and_unload, with the adapter
#                                disabled, the print_trainable_parameters line and the saved tensor names
#   peft_interop.py load BASE ADAPTER...
#                                loads each ADAPTER (written by finetune) onto BASE with
#                                PeftModel.from_pretrained and reports the logits (adapter, merged), the
#                                saved config and every warning
#
# Everything is printed to stdout as one JSON object; the TypeScript test does the comparing.
import contextlib
import io
import json
import os
import sys
import warnings

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

torch.set_num_threads(1)
INPUT_IDS = [[2, 17, 40, 9, 55, 3], [2, 81, 12, 3, 0, 0]]
ATTENTION = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]
COMMON = dict(r=4, lora_alpha=8, lora_dropout=0.0, task_type='SEQ_CLS')
CASES = {
    'default': dict(COMMON),
    'rslora_patterns': dict(COMMON, use_rslora=True, target_modules=['query', 'key', 'value'],
                            rank_pattern={'layer.1.attention.self.key': 2}, alpha_pattern={'value': 5}),
    'bias_all': dict(COMMON, bias='all'),
    'bias_lora_only': dict(COMMON, bias='lora_only', target_modules=['query', 'dense']),
    'all_linear': dict(COMMON, target_modules='all-linear', init_lora_weights='gaussian'),
    'regex_exclude': dict(COMMON, target_modules=r'.*\.(query|value|dense)', exclude_modules=['pooler.dense']),
}


def inputs():
    return dict(input_ids=torch.tensor(INPUT_IDS), attention_mask=torch.tensor(ATTENTION))


def logits(model):
    model.eval()
    with torch.no_grad():
        return model(**inputs()).logits.tolist()


def base_model(base_dir):
    return BertForSequenceClassification.from_pretrained(base_dir).eval()


def make(out):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                        max_position_embeddings=16, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, num_labels=3)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.add_(torch.randn_like(p) * 0.2)
    base = os.path.join(out, 'base')
    model.save_pretrained(base)
    expected = {'input_ids': INPUT_IDS, 'attention_mask': ATTENTION, 'base_logits': logits(base_model(base)), 'cases': {}}
    for i, (name, kwargs) in enumerate(CASES.items()):
        torch.manual_seed(100 + i)
        peft_model = get_peft_model(base_model(base), LoraConfig(**kwargs))
        with torch.no_grad():
            for n, p in peft_model.named_parameters():
                if 'lora_B' in n or 'modules_to_save' in n or (p.requires_grad and n.endswith('bias')):
                    p.add_(torch.randn_like(p) * 0.3)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            peft_model.print_trainable_parameters()
        target = os.path.join(out, name)
        peft_model.save_pretrained(target)
        case = {'logits': logits(peft_model), 'trainable_line': buf.getvalue().strip(),
                'saved_keys': sorted(load_file(os.path.join(target, 'adapter_model.safetensors')).keys())}
        with peft_model.disable_adapter():
            case['disabled_logits'] = logits(peft_model)
        case['merged_logits'] = logits(peft_model.merge_and_unload())
        expected['cases'][name] = case
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(expected, f)
    print(json.dumps({'cases': list(CASES)}))


def is_deprecation(w):
    """transformers' notices about its own renamed attributes, which peft triggers: not about the adapter."""
    return issubclass(w.category, (DeprecationWarning, FutureWarning)) or 'is deprecated' in str(w.message)


def load(base, dirs):
    out = {}
    for d in dirs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            peft_model = PeftModel.from_pretrained(base_model(base), d)
            adapter = logits(peft_model)
            merged = logits(peft_model.merge_and_unload())
        with open(os.path.join(d, 'adapter_config.json')) as f:
            saved = json.load(f)
        out[d] = {'logits': adapter, 'merged_logits': merged, 'warnings': [str(w.message) for w in caught if not is_deprecation(w)], 'config': saved,
                  'loaded_config': {k: (sorted(v) if isinstance(v, set) else v) for k, v in peft_model.peft_config['default'].to_dict().items()
                                    if k in ('r', 'lora_alpha', 'target_modules', 'bias', 'use_rslora', 'rank_pattern', 'alpha_pattern', 'modules_to_save', 'task_type')}}
    print(json.dumps(out))


if __name__ == '__main__':
    command, rest = sys.argv[1], sys.argv[2:]
    if command == 'make':
        make(rest[0])
    elif command == 'load':
        load(rest[0], rest[1:])
    else:
        raise SystemExit(f'unknown command {command}')

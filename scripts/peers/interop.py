# The transformers side of the checkpoint interop tests (test/interop/*.test.ts), run with the
# peers' virtual environment (.venv-peers, made by FINETUNE_WITH_PYTHON=1 bash scripts/install.sh).
#
#   interop.py make DIR        for each architecture finetune supports, a small randomly drawn
#                              transformers model and a real tokenizer, saved by save_pretrained
#                              three ways (safetensors, .bin, sharded safetensors), and what
#                              transformers computes on a padded batch of real sentences
#   interop.py load DIR...     loads each DIR (written by finetune) with AutoTokenizer and
#                              AutoModelForSequenceClassification, and reports the token ids, the
#                              logits, id2label and every loading warning
#   interop.py state FILE      TrainerState.load_from_json(FILE), reported as JSON
#
# Everything is printed to stdout as one JSON object; the TypeScript tests do the comparing.
import json
import logging
import os
import sys
import warnings

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, BertConfig, BertForSequenceClassification,
                          BertTokenizerFast, DistilBertConfig, DistilBertForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification, RobertaTokenizerFast, TrainerState, XLMRobertaConfig,
                          XLMRobertaForSequenceClassification, XLMRobertaTokenizerFast)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.set_num_threads(1)
transformers.utils.logging.disable_progress_bar()
ID2LABEL = {0: 'negative', 1: 'positive', 2: 'neutral'}
SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37)


def sentences():
    """Real text: the first sentences of the shipped sentence-polarity test split, of varied length."""
    with open(os.path.join(ROOT, 'data', 'sentence-polarity', 'test.jsonl')) as f:
        rows = [json.loads(line)['sentence'] for _, line in zip(range(6), f)]
    return rows[:3] + ['A short one.', 'Ünïcödé, accents & punctuation: ça va — 100%!']


def polarity_corpus():
    with open(os.path.join(ROOT, 'data', 'sentence-polarity', 'train.jsonl')) as f:
        return [json.loads(line)['sentence'] for line in f]


def roberta_tokenizer():
    """A byte-level BPE trained by the tokenizers library, with RoBERTa's specials and post-processor."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ['<s>', '<pad>', '</s>', '<unk>', '<mask>']
    tok.train_from_iterator(polarity_corpus(), trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False,
                                                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(('</s>', 2), ('<s>', 0), add_prefix_space=False)
    return RobertaTokenizerFast(tokenizer_object=tok, model_max_length=62)


def xlmr_tokenizer():
    """A sentencepiece-style Unigram model trained by the tokenizers library, with XLM-R's specials."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    specials = ['<s>', '<pad>', '</s>', '<unk>', '<mask>']
    tok.train_from_iterator(polarity_corpus(), trainers.UnigramTrainer(vocab_size=1500, special_tokens=specials, unk_token='<unk>', show_progress=False))
    tok.post_processor = processors.TemplateProcessing(single='<s> $A </s>', pair='<s> $A </s> </s> $B </s>',
                                                       special_tokens=[('<s>', 0), ('</s>', 2)])
    return XLMRobertaTokenizerFast(tokenizer_object=tok, model_max_length=62)


def bert_tokenizer():
    """bert-base-uncased's own tokenizer, shipped in data/tokenizers."""
    return BertTokenizerFast(tokenizer_file=os.path.join(ROOT, 'data', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'),
                             model_max_length=64)


def architectures():
    bert = bert_tokenizer()
    common = dict(id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})
    return {
        'bert': (BertForSequenceClassification, BertConfig(vocab_size=bert.vocab_size, max_position_embeddings=64,
                                                            type_vocab_size=2, **SMALL, **common), bert),
        'roberta': (RobertaForSequenceClassification, None, roberta_tokenizer()),
        'xlm-roberta': (XLMRobertaForSequenceClassification, None, xlmr_tokenizer()),
        'distilbert': (DistilBertForSequenceClassification,
                       DistilBertConfig(vocab_size=bert.vocab_size, max_position_embeddings=64, dim=32, n_layers=2, n_heads=4,
                                        hidden_dim=37, **common), bert),
    }


def roberta_config(cls, tok):
    return cls(vocab_size=len(tok), max_position_embeddings=64, pad_token_id=tok.pad_token_id, bos_token_id=0,
               eos_token_id=2, type_vocab_size=1, **SMALL, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})


def randomise(model, gen):
    """Every parameter redrawn (LayerNorm weights around 1) so that each one matters to the logits."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'LayerNorm' in name or 'layer_norm' in name:
                base = 1.0 if name.endswith('weight') else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


def save_bin(model, target):
    """pytorch_model.bin as transformers 4.x wrote it with safe_serialization=False: torch.save of
    the state dict (transformers 5 writes safetensors only, but .bin checkpoints are everywhere)."""
    os.remove(os.path.join(target, 'model.safetensors'))
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(target, 'pytorch_model.bin'))


def run(model, tok, texts):
    enc = tok(texts, padding=True, truncation=True, return_tensors='pt')
    with torch.no_grad():
        logits = model(**enc).logits
    return {'input_ids': enc['input_ids'].tolist(), 'attention_mask': enc['attention_mask'].tolist(),
            'logits': logits.tolist()}


def make(out):
    texts = sentences()
    gen = torch.Generator().manual_seed(0)
    for arch, (cls, config, tok) in architectures().items():
        if config is None:
            config = roberta_config(XLMRobertaConfig if arch == 'xlm-roberta' else RobertaConfig, tok)
        torch.manual_seed(0)
        model = cls(config).eval()
        randomise(model, gen)
        for fmt, kwargs in {'safetensors': {}, 'bin': {}, 'sharded': {'max_shard_size': '200KB'}}.items():
            target = os.path.join(out, arch, fmt)
            model.save_pretrained(target, **kwargs)
            tok.save_pretrained(target)
            if fmt == 'bin':
                save_bin(model, target)
        with open(os.path.join(out, arch, 'expected.json'), 'w') as f:
            json.dump({'sentences': texts, **run(model, tok, texts)}, f)
    print(json.dumps({'transformers': transformers.__version__, 'torch': torch.__version__}))


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def load(dirs, texts):
    handler = Collect()
    transformers.logging.get_logger().addHandler(handler)
    transformers.logging.set_verbosity_warning()
    report = {}
    for d in dirs:
        handler.messages = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            tok = AutoTokenizer.from_pretrained(d)
            model, info = AutoModelForSequenceClassification.from_pretrained(d, output_loading_info=True)
        model.eval()
        report[d] = {**run(model, tok, texts), 'id2label': {str(k): v for k, v in model.config.id2label.items()},
                     'class': type(model).__name__, 'tokenizer_class': type(tok).__name__,
                     'loading_info': {k: sorted(map(str, v)) for k, v in info.items()},
                     'warnings': handler.messages + [str(w.message) for w in caught]}
    print(json.dumps(report))


def state(path):
    s = TrainerState.load_from_json(path)
    print(json.dumps({'global_step': s.global_step, 'epoch': s.epoch, 'max_steps': s.max_steps,
                      'best_model_checkpoint': s.best_model_checkpoint, 'log_history': s.log_history}))


if __name__ == '__main__':
    command, rest = sys.argv[1], sys.argv[2:]
    if command == 'make':
        make(rest[0])
    elif command == 'load':
        load(rest, sentences())
    elif command == 'state':
        state(rest[0])
    else:
        sys.exit(f'interop.py: unknown command {command!r} (make, load, state)')

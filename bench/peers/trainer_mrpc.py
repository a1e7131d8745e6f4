"""The transformers peer of bench/trainer_mrpc.ts: the real transformers.Trainer on torch 2.x.

The same BERT config (from a fresh config, seed 42), the same MRPC rows tokenized by the real
tokenizer (the ids are checked against finetune's, exported by the TypeScript side), the same
batch size, learning rate, steps and evaluation batch size, dynamic padding
(DataCollatorWithPadding). Tokenize, train and evaluate are timed separately. Prints one JSON line.

Usage: .venv-peers/bin/python bench/peers/trainer_mrpc.py SETUP.json THREADS
"""
import json
import os
import resource
import sys
import tempfile
import time

import torch

THREADS = int(sys.argv[2])
torch.set_num_threads(THREADS)

import datasets  # noqa: E402
import transformers  # noqa: E402
from transformers import BertConfig, BertForSequenceClassification, DataCollatorWithPadding, Trainer, TrainingArguments  # noqa: E402

from mrpc import GLUE_MRPC, bert_tokenizer, read_mrpc  # noqa: E402

transformers.logging.set_verbosity_error()
datasets.disable_caching()
datasets.disable_progress_bars()


def main():
    setup = json.load(open(sys.argv[1]))
    t = time.perf_counter()
    tok = bert_tokenizer()
    splits = {name: read_mrpc(os.path.join(GLUE_MRPC, f'{file}.tsv')) for name, file in [('train', 'train'), ('validation', 'dev'), ('test', 'test')]}
    splits = {name: ds.map(lambda b: tok(b['sentence1'], b['sentence2'], truncation=True), batched=True,
                           remove_columns=['sentence1', 'sentence2']) for name, ds in splits.items()}
    tokenize_s = time.perf_counter() - t
    for name in ('train', 'validation'):
        if splits[name]['input_ids'] != setup[f'{name}_ids']:
            sys.exit(f'trainer_mrpc.py: the {name} token ids differ from finetune\'s')

    h, layers, heads, inter = setup['shape']
    torch.manual_seed(42)
    model = BertForSequenceClassification(BertConfig(hidden_size=h, num_hidden_layers=layers, num_attention_heads=heads,
                                                     intermediate_size=inter, num_labels=2))
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix='finetune-bench-hf-'), max_steps=setup['max_steps'],
                             per_device_train_batch_size=setup['batch_size'], per_device_eval_batch_size=setup['eval_batch_size'],
                             learning_rate=setup['lr'], save_strategy='no', eval_strategy='no', logging_steps=10,
                             report_to='none', disable_tqdm=True, use_cpu=True, seed=42, dataloader_num_workers=0)
    trainer = Trainer(model=model, args=args, train_dataset=splits['train'], eval_dataset=splits['validation'],
                      data_collator=DataCollatorWithPadding(tok),
                      compute_metrics=lambda p: {'accuracy': float((p.predictions.argmax(-1) == p.label_ids).mean())})
    t = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    metrics = trainer.evaluate()
    eval_s = time.perf_counter() - t
    print(json.dumps({'torch': torch.__version__, 'transformers': transformers.__version__, 'threads': torch.get_num_threads(),
                      'tokenize_s': tokenize_s, 'train_s': train_s, 'eval_s': eval_s,
                      'train_samples': setup['max_steps'] * setup['batch_size'], 'accuracy': metrics['eval_accuracy'],
                      'eval_loss': metrics['eval_loss'],
                      'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


main()

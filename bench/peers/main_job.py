"""The transformers peer of bench/main_job.ts: the README's main job (examples/train.ts) with the
real transformers.Trainer on torch 2.x: all-MiniLM-L6-v2 from the Hugging Face cache with a new
classification head, the same train/validation/test rows (exported by the TypeScript side), the
same hyperparameters and epochs, model selection on validation, accuracy on test. Prints one JSON
line with the wall time of the whole job and the test accuracy.

Usage: HF_HUB_OFFLINE=1 .venv-peers/bin/python bench/peers/main_job.py SETUP.json THREADS
"""
import json
import sys
import tempfile
import time

import torch

STARTED = time.perf_counter()
torch.set_num_threads(int(sys.argv[2]))

import datasets  # noqa: E402
import transformers  # noqa: E402
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,  # noqa: E402
                          TrainingArguments)

transformers.logging.set_verbosity_error()
datasets.disable_caching()
datasets.disable_progress_bars()


def accuracy(p):
    return {'accuracy': float((p.predictions.argmax(-1) == p.label_ids).mean())}


def main():
    setup = json.load(open(sys.argv[1]))
    hp = setup['hyperparameters']
    tok = AutoTokenizer.from_pretrained(setup['model'])
    splits = {name: datasets.Dataset.from_list(rows).map(lambda b: tok(b['sentence'], truncation=True, max_length=64), batched=True)
              for name, rows in setup['splits'].items()}
    torch.manual_seed(42)
    model = AutoModelForSequenceClassification.from_pretrained(setup['model'], num_labels=2, id2label={0: 'negative', 1: 'positive'},
                                                               label2id={'negative': 0, 'positive': 1})
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix='finetune-bench-hf-'), num_train_epochs=hp['epochs'], max_steps=hp['max_steps'],
                             per_device_train_batch_size=hp['batch_size'], per_device_eval_batch_size=hp['eval_batch_size'],
                             learning_rate=hp['lr'], warmup_steps=hp['warmup_ratio'], weight_decay=hp['weight_decay'],
                             label_smoothing_factor=hp.get('label_smoothing_factor') or 0.0,
                             eval_strategy='epoch', save_strategy='epoch', save_total_limit=1, load_best_model_at_end=True,
                             metric_for_best_model='accuracy', train_sampling_strategy='group_by_length' if hp['group_by_length'] else 'random', logging_steps=25, report_to='none', disable_tqdm=True,
                             use_cpu=True, seed=42, dataloader_num_workers=0)
    trainer = Trainer(model=model, args=args, train_dataset=splits['train'], eval_dataset=splits['validation'],
                      data_collator=DataCollatorWithPadding(tok), processing_class=tok, compute_metrics=accuracy)
    t = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - t
    test = trainer.evaluate(splits['test'], metric_key_prefix='test')
    print(json.dumps({'torch': torch.__version__, 'transformers': transformers.__version__, 'threads': torch.get_num_threads(),
                      'steps': trainer.state.global_step, 'train_s': train_s, 'wall_s': time.perf_counter() - STARTED,
                      'best_validation_accuracy': trainer.state.best_metric, 'test_accuracy': test['test_accuracy']}))


main()

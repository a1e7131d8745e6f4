"""The PyTorch DDP peer of bench/ddp.ts: the real transformers.Trainer under torchrun.

`torchrun --nproc-per-node N bench/peers/ddp_mrpc.py STEPS GLOBAL_BATCH`: BERT-mini from a fresh
config (seed 42), MRPC tokenized by the real tokenizer, per-device batch GLOBAL_BATCH / N,
dynamic padding, DistributedDataParallel over Gloo (what the Trainer picks on CPU under
torchrun). Rank 0 prints one JSON line with the training time.
"""
import json
import os
import sys
import tempfile
import time

import torch

torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))

import datasets  # noqa: E402
import transformers  # noqa: E402
from transformers import BertConfig, BertForSequenceClassification, DataCollatorWithPadding, Trainer, TrainingArguments  # noqa: E402

from mrpc import GLUE_MRPC, bert_tokenizer, read_mrpc  # noqa: E402

transformers.logging.set_verbosity_error()
datasets.disable_caching()
datasets.disable_progress_bars()


def main():
    steps, global_batch = int(sys.argv[1]), int(sys.argv[2])
    world = int(os.environ.get('WORLD_SIZE', '1'))
    tok = bert_tokenizer()
    train = read_mrpc(os.path.join(GLUE_MRPC, 'train.tsv'))
    train = train.map(lambda b: tok(b['sentence1'], b['sentence2'], truncation=True), batched=True, remove_columns=['sentence1', 'sentence2'])
    torch.manual_seed(42)
    model = BertForSequenceClassification(BertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024, num_labels=2))
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix='finetune-bench-ddp-'), max_steps=steps,
                             per_device_train_batch_size=global_batch // world, learning_rate=5e-5, save_strategy='no',
                             eval_strategy='no', logging_steps=10, report_to='none', disable_tqdm=True, use_cpu=True, seed=42,
                             dataloader_num_workers=0)
    trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=DataCollatorWithPadding(tok))
    t = time.perf_counter()
    out = trainer.train()
    train_s = time.perf_counter() - t
    if int(os.environ.get('RANK', '0')) == 0:
        print(json.dumps({'torch': torch.__version__, 'world': world, 'threads': torch.get_num_threads(), 'train_s': train_s,
                          'samples': steps * global_batch, 'loss': out.training_loss}))


main()

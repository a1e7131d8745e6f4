# The TRL side of the planned SFT parity test (for when finetune's Llama lands): a tiny random
# LlamaForCausalLM saved by save_pretrained, a word-level tokenizer, a pre-tokenized dataset, the
# LoRA adapter peft draws before training (saved, so that finetune starts from the same weights),
# and the per-step training losses of TRL's SFTTrainer over 20 steps (lora_dropout 0, seed 0), with
# the rows of each step's batch (the order torch's RandomSampler drew from seed 0, which finetune's
# own sampler does not reproduce: finetune's test replays it).
#   trl_sft_parity.py make DIR   writes DIR/model, DIR/tokenizer, DIR/initial_adapter, DIR/expected.json
import contextlib
import json
import os
import sys

import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model
from tokenizers import Tokenizer, models
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import SFTConfig, SFTTrainer

torch.set_num_threads(1)
VOCAB = 64
STEPS = 20


def rows():
    g = torch.Generator().manual_seed(1)
    out = []
    for i in range(24):
        n = 4 + int(torch.randint(0, 9, (1,), generator=g))
        out.append([int(x) for x in torch.randint(3, VOCAB, (n,), generator=g)] + [2])  # 2 is EOS
    return out


class RecordingSFTTrainer(SFTTrainer):
    """SFTTrainer that notes each training batch's input_ids (unpadded), to recover the batch order."""
    batches = []

    def training_step(self, model, inputs, num_items_in_batch=None):
        ids, mask = inputs['input_ids'].tolist(), inputs['attention_mask'].tolist()
        self.batches.append([[t for t, m in zip(r, mr) if m] for r, mr in zip(ids, mask)])
        return super().training_step(model, inputs, num_items_in_batch)


def make(out):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config)
    model.save_pretrained(os.path.join(out, 'model'))
    vocab = {'<pad>': 0, '<s>': 1, '</s>': 2, **{f'w{i}': i for i in range(3, VOCAB)}}
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel(vocab, unk_token='<pad>')), pad_token='<pad>',
                                  bos_token='<s>', eos_token='</s>')
    tok.save_pretrained(os.path.join(out, 'tokenizer'))
    lora = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=['q_proj', 'v_proj'], task_type='CAUSAL_LM', init_lora_weights=False)
    peft_model = get_peft_model(model, lora)
    peft_model.save_pretrained(os.path.join(out, 'initial_adapter'))
    data = rows()
    args = SFTConfig(output_dir=os.path.join(out, 'trl'), max_steps=STEPS, per_device_train_batch_size=4, learning_rate=1e-2,
                     logging_steps=1, seed=0, report_to='none', use_cpu=True, bf16=False, gradient_checkpointing=False,
                     save_strategy='no', max_length=None, dataloader_drop_last=False, disable_tqdm=True)
    trainer = RecordingSFTTrainer(model=peft_model, args=args, train_dataset=Dataset.from_dict({'input_ids': data}), processing_class=tok)
    with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its logs; stdout carries only the JSON
        trainer.train()
    losses = [e['loss'] for e in trainer.state.log_history if 'loss' in e]
    order = [[data.index(r) for r in b] for b in trainer.batches]
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump({'rows': data, 'order': order, 'losses': losses,
                   'args': {'batch': 4, 'lr': 1e-2, 'steps': STEPS, 'seed': 0, 'r': 4, 'lora_alpha': 8}}, f)
    print(json.dumps({'losses': losses}))


if __name__ == '__main__':
    if sys.argv[1] != 'make':
        raise SystemExit(f'unknown command {sys.argv[1]}')
    make(sys.argv[2])

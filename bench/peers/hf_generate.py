# The peer of bench/generate.ts: transformers' generate (greedy, KV cache) on the same saved
# tiny random Llama and the same prompts. Prints JSON: the seconds of each repeat and the ids.
#   python bench/peers/hf_generate.py MODEL_DIR BATCH PROMPT_LEN NEW_TOKENS REPEATS [GGUF_FILE]
# With GGUF_FILE the model is from_pretrained(MODEL_DIR, gguf_file=GGUF_FILE) (dequantized to float32).
import json
import sys
import time

import torch
import transformers as tf

model_dir, batch, prompt_len, new_tokens, repeats = sys.argv[1], *map(int, sys.argv[2:6])
gguf = {'gguf_file': sys.argv[6]} if len(sys.argv) > 6 else {}
model = tf.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, **gguf).eval()
vocab = model.config.vocab_size
ids = torch.tensor([[(7 * b + 13 * i) % (vocab - 3) + 3 for i in range(prompt_len)] for b in range(batch)])
mask = torch.ones_like(ids)
seconds = []
with torch.inference_mode():
    model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=4, do_sample=False, eos_token_id=None, pad_token_id=0)  # warm-up
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             do_sample=False, eos_token_id=None, pad_token_id=0)
        seconds.append(time.perf_counter() - t0)
print(json.dumps({'seconds': seconds, 'ids': out[0].tolist(), 'threads': torch.get_num_threads()}))

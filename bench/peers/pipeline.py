# The transformers side of bench/pipeline.ts: the real pipeline("text-classification")
# (transformers on torch 2.x, the peers' venv) on the folder finetune saved, over the same
# sentences, batch 1 (one call per sentence) and batch 32 (calls of 32).
#   .venv-peers/bin/python bench/peers/pipeline.py MODEL_DIR SENTENCES_JSON THREADS REPEATS
# Prints one JSON line: sentences/s per batch size (median of REPEATS after a warm-up pass),
# peak RSS, and each sentence's top label and score, which the caller compares with finetune's.
import json
import resource
import statistics
import sys
import time

import torch
import transformers
from transformers import pipeline

transformers.logging.set_verbosity_error()


def main():
    model_dir, sentences_file, threads, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    with open(sentences_file) as f:
        sentences = json.load(f)
    classify = pipeline("text-classification", model=model_dir, device="cpu")

    def rate(batch):
        def one_pass():
            for i in range(0, len(sentences), batch):
                classify(sentences[i:i + batch], batch_size=batch)
        one_pass()
        rates = []
        for _ in range(repeats):
            start = time.perf_counter()
            one_pass()
            rates.append(len(sentences) / (time.perf_counter() - start))
        return statistics.median(rates)

    rates = {str(batch): rate(batch) for batch in (1, 32)}
    predictions = classify(sentences, batch_size=32)
    print(json.dumps({
        "torch": torch.__version__, "transformers": transformers.__version__, "rates": rates,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "predictions": [{"label": p["label"], "score": p["score"]} for p in predictions],
    }))


if __name__ == "__main__":
    main()

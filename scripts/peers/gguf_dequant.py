# sha256 of each named tensor's float32 bytes as the `gguf` package dequantizes it (test/interop/gguf.test.ts).
import hashlib, json, sys
import numpy as np
from gguf import GGUFReader, dequantize
path, names = sys.argv[1], sys.argv[2:]
reader = GGUFReader(path)
out = {}
for t in reader.tensors:
    if t.name in names:
        out[t.name] = {"type": t.tensor_type.name, "sha256": hashlib.sha256(np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32).tobytes()).hexdigest()}
print(json.dumps(out))

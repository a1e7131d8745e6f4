# The safetensors file format in plain Python (the `safetensors` package is not installed on
# these machines): what finetune's fixtures and benchmark peers write and read.
import json
import struct

import torch

SAFETENSORS_DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64'}


def save_safetensors(path, tensors, metadata=None):
    """The safetensors layout (the Python package is not installed here): 8-byte header length,
    JSON header padded with spaces to 8 bytes, tensors ordered by dtype size then name."""
    names = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in names:
        t = tensors[name].detach().contiguous().cpu()
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': SAFETENSORS_DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


SAFETENSORS_FROM = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64}


def load_safetensors(path):
    """Reads a safetensors file into CPU tensors (the Python package is not installed here)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        raw = bytearray(data[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=SAFETENSORS_FROM[info['dtype']]).reshape(info['shape']) if raw else \
            torch.empty(info['shape'], dtype=SAFETENSORS_FROM[info['dtype']])
    return out

"""The Python counterpart of each camelCase name in finetune's API, looked up in the real libraries.

Reads JSON from stdin: [{"namespace": "torch" | "nn.functional" | "" ..., "owners": ["TrainingArguments"] | [],
"name": "num_train_epochs"}, ...] (names already in snake_case) and writes a JSON list of the same length:
the dotted Python path that exists (an attribute, or a constructor parameter written `Class(name=...)`), or null.
Used by scripts/docs/build.ts; run with the peers' venv (.venv-peers/bin/python).
"""
import importlib
import inspect
import json
import sys

# finetune's namespaces -> the Python modules whose names they follow, in lookup order
MODULES = {
    "": ["transformers", "datasets", "evaluate", "accelerate", "torch.utils.data", "sklearn.model_selection", "tqdm"],
    "torch": ["torch"],
    "torch.distributed": ["torch.distributed"],
    "nn": ["torch.nn"],
    "nn.functional": ["torch.nn.functional"],
    "nn.init": ["torch.nn.init"],
    "nn.utils": ["torch.nn.utils"],
    "nn.parallel": ["torch.nn.parallel"],
    "optim": ["torch.optim", "torch.optim.lr_scheduler"],
    "data": ["torch.utils.data"],
    "evaluate": ["evaluate"],
    "logging": ["transformers.logging"],
}
_modules = {}


def module(name):
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(name)
        except Exception:  # a library missing from the venv: nothing found there
            _modules[name] = None
    return _modules[name]


def owner_path(namespace, owner):
    for m in MODULES.get(namespace, []):
        mod = module(m)
        if mod is not None and hasattr(mod, owner):
            return f"{m}.{owner}", getattr(mod, owner)
    return None, None


def lookup(namespace, owner, name):
    if owner is None:
        for m in MODULES.get(namespace, []):
            mod = module(m)
            if mod is not None and hasattr(mod, name):
                return f"{m}.{name}"
        return None
    path, obj = owner_path(namespace, owner)
    if obj is None:
        return None
    if hasattr(obj, name):
        return f"{path}.{name}"
    try:
        if name in inspect.signature(obj).parameters:
            return f"{path}({name}=...)"
    except (TypeError, ValueError):
        pass
    return None


def first(namespace, owners, name):
    if not owners:
        return lookup(namespace, None, name)
    for owner in owners:
        found = lookup(namespace, owner, name)
        if found:
            return found
    return None


entries = json.load(sys.stdin)
json.dump([first(e["namespace"], e["owners"], e["name"]) for e in entries], sys.stdout)

# The ONNX side of test/onnx/: the reference checker of the `onnx` package on files finetune
# exported, run with the peers' virtual environment (.venv-peers).
#
#   onnx_check.py MODEL.onnx...   onnx.checker.check_model(path, full_check=True) (which also
#                                 runs shape inference and follows external data) on each file
#
# Prints one JSON object: {path: {"ok": true, "opset": N, "ir_version": N, "inputs": [...],
# "outputs": [...]} or {"ok": false, "error": "..."}}; the TypeScript tests do the judging.
import json
import sys

import onnx

report = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(path, full_check=True)
        model = onnx.load(path, load_external_data=False)
        report[path] = {
            "ok": True,
            "opset": model.opset_import[0].version,
            "ir_version": model.ir_version,
            "inputs": [i.name for i in model.graph.input],
            "outputs": [o.name for o in model.graph.output],
            "external": [t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL],
        }
    except Exception as error:  # the checker's own exception types vary between versions
        report[path] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
print(json.dumps(report))

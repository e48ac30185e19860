"""The ONNX project's Python checker over exported models (tests/export/): for each file given,
onnx.checker.check_model(..., full_check=True), which adds strict shape inference, then one
JSON line describing the model for the test to assert on."""
import json
import sys

import onnx


def dims(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(json.dumps({
        "file": path,
        "ir_version": model.ir_version,
        "opsets": {o.domain: o.version for o in model.opset_import},
        "producer": model.producer_name,
        "inputs": [{"name": i.name, "dims": dims(i)} for i in model.graph.input],
        "outputs": [{"name": o.name, "dims": dims(o)} for o in model.graph.output],
        "ops": sorted({n.op_type for n in model.graph.node}),
        "metadata": {p.key: p.value for p in model.metadata_props},
    }))

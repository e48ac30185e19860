"""Moves zoo weights between nnlab and the PyTorch reference, both ways, for
tests/io/interop_torch_test.cpp:
  1. loads each work/nnlab_<model>.safetensors (written by nnlab) into the reference model
     with strict key matching and compares its eval-mode logits on work/input.safetensors
     with nnlab's (work/nnlab_<model>_logits.safetensors);
  2. writes a freshly initialised reference model's state dict to
     work/torch_<model>.safetensors, and its logits on the same input to
     work/torch_<model>_logits.safetensors, for nnlab to load and compare.
Prints one JSON object: {model: max |logit difference|}. Exits non-zero if a strict load fails.

    /usr/bin/python3 scripts/golden/torch_interop.py --work DIR --models lenet5,resnet20 --input 3x32x32
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import safetensors_io  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--input", default="3x32x32")
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "..", "shared", "reference"))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    import torch_models  # noqa: E402

    torch.set_num_threads(1)
    shape = tuple(int(v) for v in args.input.split("x"))
    x = torch.from_numpy(safetensors_io.load(os.path.join(args.work, "input.safetensors"))[0]["x"])
    report = {}
    for name in args.models.split(","):
        model = torch_models.build(name, shape, 10)
        tensors, _ = safetensors_io.load(os.path.join(args.work, f"nnlab_{name}.safetensors"))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
        model.eval()
        with torch.no_grad():
            logits = model(x).numpy()
        theirs = safetensors_io.load(os.path.join(args.work, f"nnlab_{name}_logits.safetensors"))[0]["logits"]
        report[name] = float(np.abs(logits - theirs).max())

        torch.manual_seed(42)
        fresh = torch_models.build(name, shape, 10)
        fresh.eval()
        state = {k: v.numpy() for k, v in fresh.state_dict().items()}
        safetensors_io.save(os.path.join(args.work, f"torch_{name}.safetensors"), state, {"format": "pt"})
        with torch.no_grad():
            safetensors_io.save(os.path.join(args.work, f"torch_{name}_logits.safetensors"), {"logits": fresh(x).numpy()})
    print(json.dumps(report))


if __name__ == "__main__":
    main()

"""Fashion-MNIST accuracy of lenet5 weights in PyTorch, for tests/train/interop_eval_test.cpp:

    train --out W.safetensors [--epochs 1] [--subset N]
        trains the reference lenet5 (shared/reference/torch_models.py) with the recipe of
        torch_fashion.py (pixels/255, normalised by 0.2860/0.3530, Adam 1e-3, batch 128,
        seed 0), saves its state dict and prints {"accuracy": test accuracy}
    eval --weights W.safetensors --mean M --std S
        loads weights (e.g. trained by nnlab) into the reference lenet5 with strict key
        matching and prints {"accuracy": test accuracy} on the 10,000 test images

Needs Debian's python3-torch: /usr/bin/python3 scripts/golden/torch_fashion_eval.py ...
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import safetensors_io  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, ">u4", ndim, 4)
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split, mean, std):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(f"{data_dir}/{prefix}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = read_idx(f"{data_dir}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(((x - mean) / std)[:, None]), torch.from_numpy(y)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000)) / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "eval"])
    ap.add_argument("--out")
    ap.add_argument("--weights")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--subset", type=int, default=0)
    ap.add_argument("--mean", type=float, default=0.2860)
    ap.add_argument("--std", type=float, default=0.3530)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "..", "shared", "reference"))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    import torch_models  # noqa: E402

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = torch_models.build("lenet5", (1, 28, 28), 10)
    xte, yte = load(args.data, "test", args.mean, args.std)
    if args.mode == "train":
        xtr, ytr = load(args.data, "train", args.mean, args.std)
        if args.subset:
            xtr, ytr = xtr[:args.subset], ytr[:args.subset]
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        gen = torch.Generator().manual_seed(0)
        for _ in range(args.epochs):
            model.train()
            perm = torch.randperm(len(xtr), generator=gen)
            for i in range(0, len(xtr), 128):
                idx = perm[i:i + 128]
                loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        safetensors_io.save(args.out, {k: v.numpy() for k, v in model.state_dict().items()}, {"format": "pt"})
    else:
        tensors, _ = safetensors_io.load(args.weights)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    print(json.dumps({"accuracy": accuracy(model, xte, yte)}))


if __name__ == "__main__":
    main()

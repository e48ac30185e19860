"""Golden values for every zoo model (tests/nn/zoo_golden_test.cpp), computed by the PyTorch
reference (shared/reference/torch_models.py) in float32, as users run it (float64 would
break ties that float32 makes: batch norm maps every all-zero receptive field to one
constant, so max-pool windows hold equal maxima), with the deterministic weights of
zoo_weights.py, so no weights are stored: per model and input shape, the input batch, the
logits in eval and train mode, the cross-entropy loss in train mode and, per parameter, the
max |grad| and 16 gradient entries at fixed positions. Written to
tests/data/golden_zoo.safetensors.

Regenerate (needs Debian's python3-torch; CI does not):
    /usr/bin/python3 scripts/golden/make_zoo_golden.py [--reference ../shared/reference]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import safetensors_io  # noqa: E402
import zoo_weights  # noqa: E402

SAMPLES = 16
# A batch whose forward pass comes close to a tie in a max-pool window (relative
# distance), or to zero at a ReLU input (absolute; activations are of unit scale), is
# ill-conditioned for gradients: a last-bit difference between two correct float32
# implementations routes a gradient differently. The script takes the first input seed
# whose batch has neither in the pass whose gradients are compared.
TIE = 1e-5
NEAR_ZERO = 1e-6
# Fixed thresholds are not enough deep in a net: rounding grows with depth (a 512-channel
# convolution summed in another order, then batch norm over 16 values). In vgg11 on 1x32x32
# the last pool's window held 1.0378206 and 1.0378050 in float64 (a gap of 1.5e-5
# relative); PyTorch's float32 gave 1.0378191 and 1.0378046, nnlab on oneDNN's AVX-512
# kernels 1.0378166 and 1.0378119, on its AVX2 kernels 1.0378065 and 1.0378100, which sent
# that window's gradient to the other pixel and moved 354 gradient entries by up to 15 %.
# So a pool's tie threshold is also at least SAFETY times the float32 rounding spread of
# its input, measured against float64 (nnlab's AVX2 run was 10x PyTorch's spread there). A
# ReLU input that close to zero is common in every net and keeps the fixed threshold: it
# changes one element's share of a gradient, where a pool sends a window's whole gradient
# to another pixel.
SAFETY = 30


class Recorder:
    """Records the inputs of max pooling and of ReLU, in call order, during a forward pass."""

    def __init__(self, model):
        self.pools, self.relus = [], []
        self.handles = [m.register_forward_hook(self.pool_hook) for m in model.modules()
                        if isinstance(m, torch.nn.MaxPool2d)]
        self.relu = F.relu
        F.relu = self.relu_hook  # nn.ReLU and the residual blocks both call F.relu

    def pool_hook(self, module, inputs, output):
        self.pools.append((inputs[0].detach().clone(), module.kernel_size, module.stride, output.shape))

    def relu_hook(self, x, inplace=False):
        self.relus.append(x.detach().clone())
        return self.relu(x, inplace=inplace)

    def close(self):
        F.relu = self.relu
        for h in self.handles:
            h.remove()


def ill_conditioned(build, x, train):
    """Counts max-pool windows whose two largest values are within TIE (relative) or SAFETY
    times the float32 rounding spread of the pool's input, and ReLU inputs within NEAR_ZERO of
    zero: where a last-bit difference between two correct float32 implementations would
    route a gradient differently."""
    records = []
    for dtype in (torch.float32, torch.float64):
        model = build().to(dtype)
        model.train(train)
        rec = Recorder(model)
        with torch.no_grad():
            model(x.to(dtype))
        rec.close()
        records.append(rec)
    f32, f64 = records
    bad = 0
    for (v, k, stride, shape), (v64, _, _, _) in zip(f32.pools, f64.pools):
        spread = float((v.double() - v64).abs().max() / v64.abs().max().clamp(min=1e-30))
        tie = max(TIE, SAFETY * spread)
        w = v.unfold(2, k, stride).unfold(3, k, stride).reshape(*shape, k * k)
        top = w.topk(2, -1).values
        close = (top[..., 0] - top[..., 1]).abs() < tie * top[..., 0].abs().clamp(min=1e-3)
        bad += int((close & (top[..., 0] != 0)).sum())
    for v in f32.relus:
        bad += int(((v.abs() < NEAR_ZERO) & (v != 0)).sum())
    return bad


def sample_positions(n):
    return [(j * 7919 + 13) % n for j in range(SAMPLES)] if n > SAMPLES else list(range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "..", "shared", "reference"))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    import torch_models  # noqa: E402

    out = {}
    for name in torch_models.NAMES:
        for shape in [(3, 32, 32), (1, 32, 32) if name in torch_models.ONLY_32 else (1, 28, 28)]:
            key = f"{name}/{'x'.join(map(str, shape))}"
            model = torch_models.build(name, shape, 10)
            zoo_weights.fill(model, torch)
            y = torch.tensor([1, 3, 5, 7])

            def build():
                m = torch_models.build(name, shape, 10)
                zoo_weights.fill(m, torch)
                return m

            for seed in range(7, 200):
                x = torch.tensor(np.random.default_rng(seed).standard_normal((4, *shape)), dtype=torch.float32)
                if ill_conditioned(build, x, name != "alexnet") == 0:
                    break
            model = build()
            model.eval()
            with torch.no_grad():
                out[f"{key}/logits_eval"] = model(x).numpy().astype(np.float32)
            # Train mode: batch statistics; alexnet's dropout cannot match another RNG, so its
            # gradients are taken in eval mode.
            model.train(name != "alexnet")
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            out[f"{key}/input"] = x.numpy().astype(np.float32)
            print(f"{key}: input seed {seed}")
            out[f"{key}/logits_train"] = logits.detach().numpy().astype(np.float32)
            out[f"{key}/loss"] = np.array([loss.item()], dtype=np.float32)
            for pname, p in model.named_parameters():
                g = p.grad.flatten().numpy()
                pos = sample_positions(g.size)
                out[f"{key}/grad/{pname}"] = np.concatenate([[np.abs(g).max()], g[pos]]).astype(np.float32)
    path = os.path.join(here, "..", "..", "tests", "data", "golden_zoo.safetensors")
    safetensors_io.save(path, out, {"torch": torch.__version__, "samples": str(SAMPLES)})
    print(f"wrote {len(out)} tensors to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()

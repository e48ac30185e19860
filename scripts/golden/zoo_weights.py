"""Deterministic weights for comparing zoo models between nnlab and PyTorch without storing
them: parameter k of the state dict (in order), element i, gets
    u = (splitmix64(seed=1234+k, counter=i) >> 40) * 2**-24      in [0, 1)
    w = bound * (2u - 1)
with bound = 1/sqrt(fan_in) for weights (fan_in = numel / out_features), 0.1 for biases,
and BatchNorm weights 1 + 0.1 (2u - 1). The same formula is in tests/nn/zoo_golden_test.cpp
(nnlab::Generator::mix is this splitmix64)."""
import numpy as np

MASK = (1 << 64) - 1


def splitmix64(seed, counter):
    """Vectorised over counter (uint64 array); numpy's uint64 arithmetic wraps like C++'s."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (counter + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uniform(seed, n):
    bits = splitmix64(seed, np.arange(n, dtype=np.uint64))
    return (bits >> np.uint64(40)).astype(np.float64) * 2.0 ** -24


def fill(model, torch):
    """Overwrites every parameter of `model` (a torch module) with the formula's values."""
    names = [n for n, _ in model.state_dict().items()]
    params = dict(model.named_parameters())
    with torch.no_grad():
        for k, name in enumerate(names):
            if name not in params:
                continue
            p = params[name]
            u = uniform(1234 + k, p.numel()).reshape(tuple(p.shape))
            if p.dim() >= 2:
                bound = 1.0 / np.sqrt(p.numel() / p.shape[0])
                v = bound * (2 * u - 1)
            elif name.endswith("weight"):  # batch norm scale
                v = 1.0 + 0.1 * (2 * u - 1)
            else:
                v = 0.1 * (2 * u - 1)
            p.copy_(torch.tensor(v, dtype=p.dtype))

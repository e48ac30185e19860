"""Golden values for nnlab's op-test harness (tests/ops/ops_harness_test.cpp).

For every case of the harness: its inputs, the op's output, a fixed random output weight R,
and the gradient of sum(output * R) with respect to each differentiable input, computed by
PyTorch in float64 and stored as float32 in tests/data/golden_ops.safetensors under
"<case>/in0", "<case>/out", "<case>/R", "<case>/grad0", ...

Regenerate (needs Debian's python3-torch; CI does not):
    /usr/bin/python3 scripts/golden/make_op_golden.py
The case names and inputs here must match the table in tests/ops/ops_harness_test.cpp.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

torch.set_default_dtype(torch.float64)


def normal(*shape):
    return ("normal", shape)


def positive(*shape):
    return ("positive", shape)


def distinct(*shape):
    """Values spaced apart so a small perturbation never changes a max or a ReLU gate."""
    return ("distinct", shape)


def targets(n, k):
    return ("targets", (n, k))


def probs(*shape):
    return ("probs", shape)


def make(kind, shape, rng):
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "distinct":
        n = int(np.prod(shape))
        v = (rng.permutation(n) - n / 2) * (4.0 / n) + 0.05
        return v.reshape(shape)
    if kind == "targets":
        n, k = shape
        return rng.integers(0, k, n).astype(np.float64)
    if kind == "probs":
        return rng.uniform(0.05, 0.95, shape)
    raise ValueError(kind)


def bn_train(x, w, b):
    rm, rv = torch.zeros(x.shape[1]), torch.ones(x.shape[1])
    return F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)


def bn_eval(x, w, b, rm, rv):
    return F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-5)


def ce(x, t, **kw):
    return F.cross_entropy(x, t.long(), **kw)


# name, input specs, function, indices of inputs that get gradients
CASES = [
    ("matmul", [normal(5, 7), normal(7, 3)], lambda a, b: a @ b, [0, 1]),
    ("linear", [normal(4, 6), normal(5, 6), normal(5)], F.linear, [0, 1, 2]),
    ("linear_3d", [normal(2, 3, 6), normal(4, 6)], lambda x, w: F.linear(x, w), [0, 1]),
    ("conv2d", [normal(2, 3, 7, 7), normal(4, 3, 3, 3), normal(4)], lambda x, w, b: F.conv2d(x, w, b, 1, 1), [0, 1, 2]),
    ("conv2d_s2p2", [normal(2, 2, 9, 9), normal(3, 2, 5, 5), normal(3)], lambda x, w, b: F.conv2d(x, w, b, 2, 2),
     [0, 1, 2]),
    ("conv2d_dil2", [normal(1, 2, 9, 9), normal(2, 2, 3, 3)], lambda x, w: F.conv2d(x, w, None, 1, 1, 2), [0, 1]),
    ("conv2d_1x1_s2", [normal(2, 4, 6, 6), normal(8, 4, 1, 1)], lambda x, w: F.conv2d(x, w, None, 2, 0), [0, 1]),
    ("max_pool2d", [distinct(2, 3, 6, 6)], lambda x: F.max_pool2d(x, 2, 2), [0]),
    ("max_pool2d_k3s2p1", [distinct(2, 2, 7, 7)], lambda x: F.max_pool2d(x, 3, 2, 1), [0]),
    ("avg_pool2d", [normal(2, 3, 6, 6)], lambda x: F.avg_pool2d(x, 2, 2), [0]),
    ("avg_pool2d_k3s2p1", [normal(2, 2, 7, 7)], lambda x: F.avg_pool2d(x, 3, 2, 1), [0]),
    ("global_avg_pool2d", [normal(2, 3, 5, 5)], lambda x: F.adaptive_avg_pool2d(x, 1), [0]),
    ("batch_norm2d_train", [normal(4, 3, 5, 5), normal(3), normal(3)], bn_train, [0, 1, 2]),
    ("batch_norm1d_train", [normal(8, 5), normal(5), normal(5)], bn_train, [0, 1, 2]),
    ("batch_norm2d_eval", [normal(4, 3, 5, 5), normal(3), normal(3), normal(3), positive(3)], bn_eval, [0, 1, 2]),
    ("relu", [distinct(4, 5)], F.relu, [0]),
    ("leaky_relu", [distinct(4, 5)], lambda x: F.leaky_relu(x, 0.1), [0]),
    ("sigmoid", [normal(4, 5)], torch.sigmoid, [0]),
    ("tanh", [normal(4, 5)], torch.tanh, [0]),
    ("gelu", [normal(4, 5)], F.gelu, [0]),
    ("softmax", [normal(4, 6)], lambda x: F.softmax(x, 1), [0]),
    ("log_softmax", [normal(4, 6)], lambda x: F.log_softmax(x, 1), [0]),
    ("softmax_dim1_3d", [normal(2, 4, 3)], lambda x: F.softmax(x, 1), [0]),
    ("add_broadcast", [normal(4, 5), normal(5)], torch.add, [0, 1]),
    ("sub_broadcast", [normal(4, 1), normal(4, 5)], torch.sub, [0, 1]),
    ("mul", [normal(3, 4), normal(3, 4)], torch.mul, [0, 1]),
    ("div", [normal(3, 4), positive(3, 4)], torch.div, [0, 1]),
    ("mul_scalar", [normal(3, 4)], lambda x: x * 2.5, [0]),
    ("exp", [normal(3, 4)], torch.exp, [0]),
    ("log", [positive(3, 4)], torch.log, [0]),
    ("square", [normal(3, 4)], lambda x: x * x, [0]),
    ("sum", [normal(3, 4)], torch.sum, [0]),
    ("mean", [normal(3, 4)], torch.mean, [0]),
    ("sum_dim1", [normal(3, 4, 2)], lambda x: x.sum(1), [0]),
    ("mean_dim0_keepdim", [normal(3, 4)], lambda x: x.mean(0, keepdim=True), [0]),
    ("flatten", [normal(2, 3, 4, 5)], lambda x: torch.flatten(x, 1), [0]),
    ("reshape", [normal(2, 3, 4)], lambda x: x.reshape(4, 6), [0]),
    ("transpose", [normal(3, 5)], lambda x: x.t(), [0]),
    ("pad2d", [normal(2, 1, 3, 4)], lambda x: F.pad(x, (1, 2, 0, 3)), [0]),
    ("cat_dim1", [normal(3, 2), normal(3, 4)], lambda a, b: torch.cat([a, b], 1), [0, 1]),
    ("cross_entropy", [normal(6, 5), targets(6, 5)], lambda x, t: ce(x, t), [0]),
    ("cross_entropy_sum", [normal(6, 5), targets(6, 5)], lambda x, t: ce(x, t, reduction="sum"), [0]),
    ("cross_entropy_none", [normal(6, 5), targets(6, 5)], lambda x, t: ce(x, t, reduction="none"), [0]),
    ("cross_entropy_smooth", [normal(6, 5), targets(6, 5)], lambda x, t: ce(x, t, label_smoothing=0.1), [0]),
    ("nll_loss", [normal(6, 5), targets(6, 5)], lambda x, t: F.nll_loss(F.log_softmax(x, 1), t.long()), [0]),
    ("bce_with_logits", [normal(4, 3), probs(4, 3)], F.binary_cross_entropy_with_logits, [0, 1]),
    ("mse_loss", [normal(4, 3), normal(4, 3)], F.mse_loss, [0, 1]),
    ("mse_loss_sum", [normal(4, 3), normal(4, 3)], lambda a, b: F.mse_loss(a, b, reduction="sum"), [0, 1]),
    ("mse_softmax_onehot", [normal(5, 4), targets(5, 4)],
     lambda x, t: F.mse_loss(F.softmax(x, 1), F.one_hot(t.long(), 4).double()), [0]),
    # The geometries of vgg11 on 1x32x32 (the zoo golden case that failed on AVX2 CPUs):
    # its first layer (one channel to 64), its last convolutions (a 3x3 kernel over a 2x2
    # image), batch norm over 4 images of 2x2 and the last pool (2x2 to 1x1); and LeNet-5's
    # one-channel first layer, which nnlab's own AVX2 and AVX-512 kernels compute.
    ("conv2d_one_channel_to_64", [normal(4, 1, 8, 8), normal(64, 1, 3, 3)],
     lambda x, w: F.conv2d(x, w, None, 1, 1), [0, 1]),
    ("conv2d_k3_over_2x2", [normal(4, 16, 2, 2), normal(16, 16, 3, 3)],
     lambda x, w: F.conv2d(x, w, None, 1, 1), [0, 1]),
    ("batch_norm2d_train_2x2", [normal(4, 8, 2, 2), normal(8), normal(8)], bn_train, [0, 1, 2]),
    ("max_pool2d_2x2_to_1x1", [distinct(4, 8, 2, 2)], lambda x: F.max_pool2d(x, 2, 2), [0]),
    ("conv2d_one_channel_k5p2", [normal(2, 1, 12, 12), normal(6, 1, 5, 5), normal(6)],
     lambda x, w, b: F.conv2d(x, w, b, 1, 2), [0, 1, 2]),
    # A layer nnlab computes by Winograd F(4x4, 3x3) on AVX-512: 32 channels, and 64 output
    # tiles of 4x4 (the least it takes).
    ("conv2d_winograd", [normal(1, 32, 32, 32), normal(32, 32, 3, 3), normal(32)],
     lambda x, w, b: F.conv2d(x, w, b, 1, 1), [0, 1, 2]),
    # Evaluation's mirrored view of a batch (eval_flip): left and right swapped.
    ("flip_width", [normal(2, 3, 4, 5)], lambda x: torch.flip(x, [-1]), [0]),
]


def main():
    out = {}
    for index, (name, specs, fn, grads) in enumerate(CASES):
        rng = np.random.default_rng(1000 + index)
        arrays = [make(kind, shape, rng) for kind, shape in specs]
        tensors = [torch.tensor(a, requires_grad=(i in grads)) for i, a in enumerate(arrays)]
        y = fn(*tensors)
        r = torch.tensor(rng.standard_normal(tuple(y.shape)))
        (y * r).sum().backward()
        for i, a in enumerate(arrays):
            out[f"{name}/in{i}"] = a.astype(np.float32)
        out[f"{name}/out"] = y.detach().numpy().astype(np.float32)
        out[f"{name}/R"] = r.numpy().astype(np.float32)
        for i in grads:
            out[f"{name}/grad{i}"] = tensors[i].grad.numpy().astype(np.float32)
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "golden_ops.safetensors")
    safetensors_io.save(path, out, {"torch": torch.__version__, "cases": str(len(CASES))})
    print(f"wrote {len(CASES)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()

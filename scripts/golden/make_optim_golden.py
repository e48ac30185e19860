#!/usr/bin/python3
"""Golden values for nnlab's optimizers, gradient clipping and LR schedules, from PyTorch.

Regenerate (needs torch 1.13, which Debian's /usr/bin/python3 has; the tests do not):

    /usr/bin/python3 scripts/golden/make_optim_golden.py

It writes tests/data/optim_golden.json and tests/data/scheduler_golden.json, read by
tests/optim/optim_golden_test.cpp and tests/optim/scheduler_test.cpp.

Optimizers: three parameters of different shapes and a fixed, seeded sequence of
gradients (parameter 1 has no gradient at some steps, to check it is skipped and its state
left alone; the gradient scale varies so that clipping sometimes bites and sometimes not).
Every configuration runs torch.optim on those gradients and records the parameters after
each step, plus the norms clip_grad_norm_ returns. SGDW (decoupled weight decay for SGD,
which torch 1.13 lacks) is built from torch's SGD by shrinking p by (1 - lr*wd) first, as
AdamW does.

Schedules: an SGD (or Adam) optimizer with two groups of different lr; each configuration
records the groups' lr (and momentum or beta1, which one-cycle cycles) after construction
and after every step. Linear warm-up is SequentialLR(LinearLR, <schedule>).
"""
import json
import math
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data")

SHAPES = [[4, 3], [5], [2, 3, 2]]
STEPS = 12
SKIP = {1: {3, 8}}  # parameter index -> steps (0-based) at which it has no gradient
SCALES = [1.0, 0.05, 2.0, 0.5, 1.0, 3.0, 0.02, 1.0, 0.7, 1.5, 0.1, 1.0]


def f32(values):
    """Floats as the shortest decimals that read back as the same float32."""
    return [float(repr(np.float32(v))) for v in np.asarray(values, dtype=np.float32).ravel()]


def fixture():
    gen = torch.Generator().manual_seed(20240601)
    initial = [torch.randn(s, generator=gen) for s in SHAPES]
    grads = []
    for step in range(STEPS):
        row = []
        for i, s in enumerate(SHAPES):
            g = torch.randn(s, generator=gen) * SCALES[step]
            row.append(None if step in SKIP.get(i, ()) else g)
        grads.append(row)
    return initial, grads


OPTIMIZERS = [
    # name, torch class, options, groups (None: one group of all), clip (max_norm, norm_type), decoupled SGD wd
    ("sgd", "sgd", torch.optim.SGD, dict(lr=0.1), None, None, 0),
    ("sgd_momentum", "sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9), None, None, 0),
    ("sgd_dampening", "sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3), None, None, 0),
    ("sgd_nesterov_wd", "sgd", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     None, None, 0),
    ("sgdw_momentum", "sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9), None, None, 0.05),
    ("adam", "adam", torch.optim.Adam, dict(lr=0.01), None, None, 0),
    ("adam_l2_amsgrad", "adam", torch.optim.Adam,
     dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True), None, None, 0),
    ("adamw", "adamw", torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1), None, None, 0),
    ("adamw_amsgrad", "adamw", torch.optim.AdamW, dict(lr=0.02, weight_decay=0.05, amsgrad=True), None, None, 0),
    ("rmsprop", "rmsprop", torch.optim.RMSprop, dict(lr=0.01), None, None, 0),
    ("rmsprop_centered_momentum", "rmsprop", torch.optim.RMSprop,
     dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01), None, None, 0),
    ("rmsprop_momentum", "rmsprop", torch.optim.RMSprop, dict(lr=0.005, momentum=0.8), None, None, 0),
    ("adagrad", "adagrad", torch.optim.Adagrad, dict(lr=0.1), None, None, 0),
    ("adagrad_decay", "adagrad", torch.optim.Adagrad,
     dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.01, eps=1e-8), None, None, 0),
    ("sgd_groups", "sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=1e-3),
     [dict(params=[0, 2]), dict(params=[1], lr=0.01, weight_decay=0.0)], None, 0),
    ("adamw_groups", "adamw", torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1),
     [dict(params=[0], lr=0.03), dict(params=[1, 2], weight_decay=0.0)], None, 0),
    ("sgd_clip2", "sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9), None, (1.0, 2.0), 0),
    ("adam_clip_inf", "adam", torch.optim.Adam, dict(lr=0.01), None, (0.5, math.inf), 0),
    ("rmsprop_clip3", "rmsprop", torch.optim.RMSprop, dict(lr=0.01), None, (2.0, 3.0), 0),
]


def run_optimizer(kind, cls, options, groups, clip, sgdw, initial, grads):
    params = [p.clone().requires_grad_(True) for p in initial]
    if groups is None:
        opt = cls(params, **options)
    else:
        opt = cls([dict(g, params=[params[i] for i in g["params"]]) for g in groups], **options)
    expected, norms = [], []
    for row in grads:
        for p, g in zip(params, row):
            p.grad = None if g is None else g.clone()
        if clip is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, clip[0], norm_type=clip[1])
            norms.append(float(norm))
        if sgdw:
            with torch.no_grad():
                for group in opt.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.mul_(1 - group["lr"] * sgdw)
        opt.step()
        expected.append([f32(p.detach()) for p in params])
    return expected, norms


def optimizer_golden():
    initial, grads = fixture()
    cases = []
    for name, kind, cls, options, groups, clip, sgdw in OPTIMIZERS:
        expected, norms = run_optimizer(kind, cls, options, groups, clip, sgdw, initial, grads)
        opts = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
        if sgdw:
            opts.update(weight_decay=sgdw, decoupled_weight_decay=True)
        cases.append(dict(name=name, optimizer=kind, options=opts, groups=groups,
                          clip=None if clip is None else dict(max_norm=clip[0],
                                                              norm_type="inf" if math.isinf(clip[1]) else clip[1]),
                          norms=norms, expected=expected))
    return dict(torch_version=torch.__version__, shapes=SHAPES, initial=[f32(p) for p in initial],
                grads=[[None if g is None else f32(g) for g in row] for row in grads], cases=cases)


# ---- schedules ----
BASE_LRS = [0.1, 0.02]
S = torch.optim.lr_scheduler


def warm(start, total, make):
    """SequentialLR(LinearLR warm-up, the schedule) as nnlab's LinearWarmup."""
    return lambda opt: S.SequentialLR(opt, [S.LinearLR(opt, start_factor=start, total_iters=total), make(opt)],
                                      milestones=[total])


SCHEDULES = [
    # name, nnlab description, torch factory, optimizer kind, steps, metrics (plateau)
    ("step", dict(kind="step", step_size=3, gamma=0.5), lambda o: S.StepLR(o, 3, gamma=0.5), "sgd", 20),
    ("multistep", dict(kind="multistep", milestones=[2, 5, 5, 9], gamma=0.3),
     lambda o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3), "sgd", 14),
    ("exponential", dict(kind="exponential", gamma=0.9), lambda o: S.ExponentialLR(o, 0.9), "sgd", 30),
    ("cosine", dict(kind="cosine", t_max=10, eta_min=0.001), lambda o: S.CosineAnnealingLR(o, 10, eta_min=0.001),
     "sgd", 25),
    ("cosine_zero_min", dict(kind="cosine", t_max=7, eta_min=0.0), lambda o: S.CosineAnnealingLR(o, 7), "sgd", 10),
    ("warmup_cosine", dict(kind="cosine", t_max=8, eta_min=0.0, warmup=4, start_factor=0.1),
     warm(0.1, 4, lambda o: S.CosineAnnealingLR(o, 8)), "sgd", 15),
    ("warmup_step", dict(kind="step", step_size=2, gamma=0.5, warmup=3, start_factor=1 / 3),
     warm(1 / 3, 3, lambda o: S.StepLR(o, 2, gamma=0.5)), "sgd", 12),
    ("warmup_multistep", dict(kind="multistep", milestones=[3, 6], gamma=0.1, warmup=2, start_factor=0.25),
     warm(0.25, 2, lambda o: S.MultiStepLR(o, [3, 6], gamma=0.1)), "sgd", 12),
    ("warmup_exponential", dict(kind="exponential", gamma=0.8, warmup=5, start_factor=0.01),
     warm(0.01, 5, lambda o: S.ExponentialLR(o, 0.8)), "sgd", 12),
    # One-cycle runs total_steps - 1 steps: PyTorch allows one more, after the last batch, where it
    # extrapolates past the last phase (a negative lr with linear annealing); nnlab holds the
    # final value there instead (tests/optim/scheduler_test.cpp checks it).
    ("onecycle", dict(kind="onecycle", total_steps=30), lambda o: S.OneCycleLR(o, BASE_LRS, total_steps=30),
     "sgd", 29),
    ("onecycle_three_phase_linear",
     dict(kind="onecycle", total_steps=40, pct_start=0.25, anneal="linear", three_phase=True, div_factor=10.0,
          final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9),
     lambda o: S.OneCycleLR(o, BASE_LRS, total_steps=40, pct_start=0.25, anneal_strategy="linear",
                            three_phase=True, div_factor=10.0, final_div_factor=100.0,
                            base_momentum=0.8, max_momentum=0.9), "adam", 39),
    ("onecycle_adam_no_momentum", dict(kind="onecycle", total_steps=17, pct_start=0.4, cycle_momentum=False),
     lambda o: S.OneCycleLR(o, BASE_LRS, total_steps=17, pct_start=0.4, cycle_momentum=False), "adam", 16),
]

PLATEAUS = [
    ("plateau_min_rel", dict(mode="min", factor=0.5, patience=2, threshold=0.01, threshold_mode="rel", cooldown=1,
                             min_lr=0.004),
     [1.0, 0.9, 0.895, 0.893, 0.9, 0.8, 0.81, 0.82, 0.83, 0.84, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77,
      0.78, 0.79, 0.8, 0.81, 0.82, 0.83]),
    ("plateau_max_abs", dict(mode="max", factor=0.2, patience=1, threshold=0.05, threshold_mode="abs", cooldown=0,
                             min_lr=0.0),
     [0.5, 0.52, 0.6, 0.61, 0.62, 0.7, 0.7, 0.74, 0.8, 0.81, 0.79, 0.9, 0.9, 0.9, 0.9]),
]


def make_optimizer(kind):
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    groups = [dict(params=[a], lr=BASE_LRS[0]), dict(params=[b], lr=BASE_LRS[1])]
    if kind == "adam":
        return torch.optim.Adam(groups)
    return torch.optim.SGD(groups, lr=BASE_LRS[0], momentum=0.9)


def record(opt):
    lrs = [g["lr"] for g in opt.param_groups]
    momenta = [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
    return lrs, momenta


def scheduler_golden():
    cases = []
    for name, desc, make, kind, steps in SCHEDULES:
        opt = make_optimizer(kind)
        sched = make(opt)
        lrs, momenta = [], []
        for step in range(steps + 1):
            if step > 0:
                opt.step()
                sched.step()
            lr, mom = record(opt)
            lrs.append(lr)
            momenta.append(mom)
        cases.append(dict(name=name, optimizer=kind, schedule=desc, lrs=lrs, momenta=momenta))
    for name, desc, metrics in PLATEAUS:
        opt = make_optimizer("sgd")
        sched = S.ReduceLROnPlateau(opt, **desc)
        lrs = [record(opt)[0]]
        for m in metrics:
            opt.step()
            sched.step(m)
            lrs.append(record(opt)[0])
        cases.append(dict(name=name, optimizer="sgd", schedule=dict(desc, kind="plateau"), metrics=metrics, lrs=lrs))
    return dict(torch_version=torch.__version__, base_lrs=BASE_LRS, cases=cases)


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    write("optim_golden.json", optimizer_golden())
    write("scheduler_golden.json", scheduler_golden())

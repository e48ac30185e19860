// Every differentiable op of nnlab, PyTorch-style free functions.
#pragma once

#include "nnlab/ops/activation.h"
#include "nnlab/ops/conv.h"
#include "nnlab/ops/elementwise.h"
#include "nnlab/ops/linear.h"
#include "nnlab/ops/loss.h"
#include "nnlab/ops/norm.h"
#include "nnlab/ops/pool.h"
#include "nnlab/ops/shape.h"

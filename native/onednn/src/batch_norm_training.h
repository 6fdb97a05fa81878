// Training-mode BatchNormalization over channels-last float32 tensors ([rows, channels]), the native twins of
// src/training/backends/wasm-kernels/batch-norm-training.ts. Same arithmetic and, per channel, the same order of
// every sum, in double where the JS computes in JS numbers (doubles) and float32 where it stores: the results are
// bit-identical as long as this file is compiled without FMA contraction or fast-math (see binding.gyp).
#pragma once

#include <cstdint>

namespace sweep_onednn {

// y = γ·(x − μ)/√(σ² + ε) + β with the batch mean μ and biased variance σ² of each channel; writes y, μ, σ².
void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                              float* variance, int64_t rows, int64_t channels, double epsilon);

// dx, dγ, dβ of the above through the batch statistics, given dy, x and the forward's μ and σ².
void batch_norm_train_backward(const float* dy, const float* x, const float* mean, const float* variance,
                               const float* gamma, float* dx, float* d_gamma, float* d_beta, int64_t rows,
                               int64_t channels, double epsilon);

}  // namespace sweep_onednn

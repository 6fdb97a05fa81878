// Gradient of a 2-D max pool over NHWC float32 tensors, the native twin of
// src/training/backends/wasm-kernels/max-pool-grad.ts: each output gradient goes to the first maximum of its
// window (row-major scan; a window's first element wins when nothing compares greater, so maxima ≤ 0 and NaN route
// as in the JS), added in the same order. Bit-identical to the JS kernel.
#pragma once

#include <cstdint>

namespace sweep_onednn {

struct PoolGeometry {
  int64_t batch, in_h, in_w, channels, out_h, out_w, stride_h, stride_w, filter_h, filter_w, pad_top, pad_left;
  static constexpr int kFields = 12;
};

// Empty when the geometry is usable, else what is wrong with it.
const char* check_pool_geometry(const PoolGeometry& g);

// dx (the size of x) from dy ([batch, out_h, out_w, channels]) and x.
void max_pool_grad(const float* dy, const float* x, float* dx, const PoolGeometry& g);

}  // namespace sweep_onednn

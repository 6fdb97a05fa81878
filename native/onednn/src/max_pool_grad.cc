#include "max_pool_grad.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sweep_onednn {

const char* check_pool_geometry(const PoolGeometry& g) {
  if (g.batch < 1 || g.in_h < 1 || g.in_w < 1 || g.channels < 1 || g.out_h < 1 || g.out_w < 1) return "sizes must be ≥ 1";
  if (g.stride_h < 1 || g.stride_w < 1 || g.filter_h < 1 || g.filter_w < 1) return "strides and window must be ≥ 1";
  if (g.pad_top < 0 || g.pad_left < 0) return "padding must be ≥ 0";
  return "";
}

void max_pool_grad(const float* dy, const float* x, float* dx, const PoolGeometry& g) {
  const int64_t channels = g.channels;
  const int64_t row_stride = g.in_w * channels;
  const int64_t image_stride = g.in_h * row_stride;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch * image_stride));
  std::vector<float> best(channels);
  std::vector<int64_t> best_at(channels);
  float* bv = best.data();
  int64_t* ba = best_at.data();
  int64_t dy_index = 0;
  for (int64_t n = 0; n < g.batch; ++n) {
    const int64_t image_base = n * image_stride;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t h0 = oh * g.stride_h - g.pad_top;
      const int64_t h_begin = std::max<int64_t>(h0, 0);
      const int64_t h_end = std::min<int64_t>(h0 + g.filter_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow, dy_index += channels) {
        const int64_t w0 = ow * g.stride_w - g.pad_left;
        const int64_t w_begin = std::max<int64_t>(w0, 0);
        const int64_t w_end = std::min<int64_t>(w0 + g.filter_w, g.in_w);
        bool first = true;  // the JS's bestAt === −1 test: only the window's first element
        for (int64_t h = h_begin; h < h_end; ++h) {
          for (int64_t w = w_begin; w < w_end; ++w) {
            const int64_t base = image_base + h * row_stride + w * channels;
            const float* v = x + base;
            if (first) {
              for (int64_t c = 0; c < channels; ++c) bv[c] = v[c], ba[c] = base + c;
              first = false;
              continue;
            }
            for (int64_t c = 0; c < channels; ++c) {
              if (v[c] > bv[c]) bv[c] = v[c], ba[c] = base + c;
            }
          }
        }
        if (first) continue;  // empty window: nothing routed
        const float* d = dy + dy_index;
        for (int64_t c = 0; c < channels; ++c) {
          float& target = dx[ba[c]];
          target = static_cast<float>(static_cast<double>(target) + static_cast<double>(d[c]));
        }
      }
    }
  }
}

}  // namespace sweep_onednn

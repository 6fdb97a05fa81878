#include "conv_geometry.h"

#include <cstring>

namespace sweep_onednn {

ConvKey key_of(const ConvRequest& r, Layout layout) {
  const ConvGeometry& g = r.g;
  int32_t alpha_bits;
  std::memcpy(&alpha_bits, &r.alpha, sizeof alpha_bits);
  return {static_cast<int64_t>(r.kind), g.batch, g.in_h, g.in_w, g.in_c, g.out_c, g.k_h, g.k_w, g.out_h, g.out_w,
          g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.pad_bottom, g.pad_right, r.bias ? 1 : 0,
          static_cast<int64_t>(r.activation), alpha_bits, static_cast<int64_t>(layout)};
}

std::string check_geometry(const ConvGeometry& g) {
  const int64_t positive[] = {g.batch, g.in_h, g.in_w, g.in_c, g.out_c, g.k_h, g.k_w, g.out_h, g.out_w, g.stride_h, g.stride_w};
  for (int64_t v : positive) {
    if (v <= 0) return "sizes and strides must be positive";
  }
  if (g.pad_top < 0 || g.pad_left < 0 || g.pad_bottom < 0 || g.pad_right < 0) return "padding must be non-negative";
  if ((g.in_h - g.k_h + g.pad_top + g.pad_bottom) / g.stride_h + 1 != g.out_h ||
      (g.in_w - g.k_w + g.pad_left + g.pad_right) / g.stride_w + 1 != g.out_w ||
      g.in_h + g.pad_top + g.pad_bottom < g.k_h || g.in_w + g.pad_left + g.pad_right < g.k_w) {
    return "output size does not follow from input size, filter size, strides and padding";
  }
  return "";
}

}  // namespace sweep_onednn

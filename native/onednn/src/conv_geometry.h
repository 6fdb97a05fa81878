// Geometry of one 2-D convolution in TensorFlow's layouts (input/output NHWC, filter HWIO), as the TypeScript
// side computes it (tf.backend_util.computeConv2DInfo), plus the fused epilogue of the forward pass.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace sweep_onednn {

enum class ConvKind : int32_t { forward = 0, backward_data = 1, backward_weights = 2 };

// Activation codes shared with src/training/backends/onednn/conv-geometry.ts.
enum class Activation : int32_t { linear = 0, relu = 1, relu6 = 2, elu = 3, sigmoid = 4, leakyrelu = 5 };

// How tensors are laid out for the primitive: on the caller's NHWC/HWIO buffers directly, or in formats oneDNN
// picks (format_tag::any) with reorders in and out.
enum class Layout : int32_t { user = 0, any_weights = 1, any = 2 };

struct ConvGeometry {
  // Order = the Int32Array the TypeScript side passes.
  int64_t batch, in_h, in_w, in_c, out_c, k_h, k_w, out_h, out_w, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right;
  static constexpr int kFields = 15;
};

struct ConvRequest {
  ConvKind kind;
  ConvGeometry g;
  bool bias;
  Activation activation;
  float alpha;  // leakyrelu slope
};

using ConvKey = std::array<int64_t, ConvGeometry::kFields + 5>;

ConvKey key_of(const ConvRequest& r, Layout layout);

// Empty when the geometry is one oneDNN (and TensorFlow) agree on; else what is wrong with it.
std::string check_geometry(const ConvGeometry& g);

}  // namespace sweep_onednn

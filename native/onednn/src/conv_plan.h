// One oneDNN convolution primitive for one shape, with the reorders between the caller's NHWC/HWIO buffers and
// the layouts the primitive runs on. Creating it JIT-compiles code, so plans are cached by shape and attributes.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "conv_geometry.h"

namespace sweep_onednn {

// Buffers of one call, by role. forward: a = x, b = filter, bias (or null), out = y.
// backward_data: a = dy, b = filter, out = dx. backward_weights: a = x, b = dy, out = dW.
struct ConvBuffers {
  void* a;
  void* b;
  void* bias;
  void* out;
};

class ConvPlan {
 public:
  ConvPlan(const ConvRequest& request, Layout layout);
  void execute(const ConvBuffers& buffers);
  // oneDNN's name of the implementation it chose, e.g. "jit:avx512_core".
  const std::string& implementation() const { return implementation_; }

 private:
  enum class Role { a, b, bias, out };
  struct Operand {
    Role role;
    dnnl::memory user;   // on the caller's buffer
    dnnl::memory inner;  // in the primitive's layout, on a scratch buffer; empty when that is the user layout
    dnnl::reorder reorder;
    bool output;
    int scratch_slot;
  };

  void add_operand(Role role, int arg, const dnnl::memory::desc& user, const dnnl::memory::desc& inner, bool output);

  dnnl::primitive primitive_;
  std::vector<Operand> operands_;
  std::unordered_map<int, dnnl::memory> args_;
  std::string implementation_;
};

// The cached plan for `request` under the current layout, created on first use.
ConvPlan& plan_for(const ConvRequest& request);
// Changes the layout of plans created from now on (and drops the cached ones).
void set_layout(Layout layout);
Layout layout();
size_t cached_plans();

}  // namespace sweep_onednn

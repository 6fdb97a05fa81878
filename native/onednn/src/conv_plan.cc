#include "conv_plan.h"

#include <map>
#include <memory>

#include "runtime.h"

namespace sweep_onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

Layout g_layout = Layout::user;
std::map<ConvKey, std::unique_ptr<ConvPlan>> g_plans;

struct Descs {
  memory::desc x, filter, y, bias;
};

// The caller's layouts: NHWC activations and HWIO filters (oneDNN's logical order is N, C, H, W and O, I, H, W).
Descs user_descs(const ConvGeometry& g) {
  return {
      memory::desc({g.batch, g.in_c, g.in_h, g.in_w}, f32, tag::nhwc),
      memory::desc({g.out_c, g.in_c, g.k_h, g.k_w}, f32, tag::hwio),
      memory::desc({g.batch, g.out_c, g.out_h, g.out_w}, f32, tag::nhwc),
      memory::desc({g.out_c}, f32, tag::x),
  };
}

memory::desc any_of(const memory::desc& d) { return memory::desc(d.dims(), f32, tag::any); }

// The descriptors the primitive is created with: the user ones, or format_tag::any where the layout says so.
Descs primitive_descs(const Descs& user, Layout layout) {
  Descs d = user;
  if (layout != Layout::user) d.filter = any_of(user.filter);
  if (layout == Layout::any) {
    d.x = any_of(user.x);
    d.y = any_of(user.y);
  }
  return d;
}

dnnl::primitive_attr forward_attr(const ConvRequest& r) {
  dnnl::post_ops ops;
  using alg = dnnl::algorithm;
  switch (r.activation) {
    case Activation::linear: break;
    case Activation::relu: ops.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f); break;
    case Activation::relu6: ops.append_eltwise(1.f, alg::eltwise_clip, 0.f, 6.f); break;
    case Activation::elu: ops.append_eltwise(1.f, alg::eltwise_elu, 1.f, 0.f); break;
    case Activation::sigmoid: ops.append_eltwise(1.f, alg::eltwise_logistic, 0.f, 0.f); break;
    case Activation::leakyrelu: ops.append_eltwise(1.f, alg::eltwise_relu, r.alpha, 0.f); break;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace

ConvPlan::ConvPlan(const ConvRequest& r, Layout layout) {
  const ConvGeometry& g = r.g;
  const memory::dims strides = {g.stride_h, g.stride_w};
  const memory::dims pad_l = {g.pad_top, g.pad_left};
  const memory::dims pad_r = {g.pad_bottom, g.pad_right};
  const Descs user = user_descs(g);
  const Descs prim = primitive_descs(user, layout);
  const auto direct = dnnl::algorithm::convolution_direct;
  const bool bias = r.kind == ConvKind::forward && r.bias;

  using fwd = dnnl::convolution_forward;
  const fwd::desc fwd_desc(dnnl::prop_kind::forward_training, direct, prim.x, prim.filter, bias ? user.bias : memory::desc(),
                           prim.y, strides, pad_l, pad_r);
  const fwd::primitive_desc fwd_pd = r.kind == ConvKind::forward ? fwd::primitive_desc(fwd_desc, forward_attr(r), engine())
                                                                 : fwd::primitive_desc(fwd_desc, engine());
  switch (r.kind) {
    case ConvKind::forward: {
      primitive_ = fwd(fwd_pd);
      implementation_ = fwd_pd.impl_info_str();
      add_operand(Role::a, DNNL_ARG_SRC, user.x, fwd_pd.src_desc(), false);
      add_operand(Role::b, DNNL_ARG_WEIGHTS, user.filter, fwd_pd.weights_desc(), false);
      if (bias) add_operand(Role::bias, DNNL_ARG_BIAS, user.bias, user.bias, false);
      add_operand(Role::out, DNNL_ARG_DST, user.y, fwd_pd.dst_desc(), true);
      break;
    }
    case ConvKind::backward_data: {
      using bwd = dnnl::convolution_backward_data;
      const bwd::primitive_desc pd(bwd::desc(direct, prim.x, prim.filter, prim.y, strides, pad_l, pad_r), engine(), fwd_pd);
      primitive_ = bwd(pd);
      implementation_ = pd.impl_info_str();
      add_operand(Role::a, DNNL_ARG_DIFF_DST, user.y, pd.diff_dst_desc(), false);
      add_operand(Role::b, DNNL_ARG_WEIGHTS, user.filter, pd.weights_desc(), false);
      add_operand(Role::out, DNNL_ARG_DIFF_SRC, user.x, pd.diff_src_desc(), true);
      break;
    }
    case ConvKind::backward_weights: {
      using bwd = dnnl::convolution_backward_weights;
      const bwd::primitive_desc pd(bwd::desc(direct, prim.x, prim.filter, prim.y, strides, pad_l, pad_r), engine(), fwd_pd);
      primitive_ = bwd(pd);
      implementation_ = pd.impl_info_str();
      add_operand(Role::a, DNNL_ARG_SRC, user.x, pd.src_desc(), false);
      add_operand(Role::b, DNNL_ARG_DIFF_DST, user.y, pd.diff_dst_desc(), false);
      add_operand(Role::out, DNNL_ARG_DIFF_WEIGHTS, user.filter, pd.diff_weights_desc(), true);
      break;
    }
  }
}

void ConvPlan::add_operand(Role role, int arg, const memory::desc& user, const memory::desc& inner, bool output) {
  Operand op{role, memory(user, engine(), DNNL_MEMORY_NONE), {}, {}, output, 0};
  if (inner != user) {
    op.inner = memory(inner, engine(), DNNL_MEMORY_NONE);
    op.reorder = output ? dnnl::reorder(op.inner, op.user) : dnnl::reorder(op.user, op.inner);
    op.scratch_slot = static_cast<int>(role);
  }
  args_.insert_or_assign(arg, op.inner ? op.inner : op.user);
  operands_.push_back(std::move(op));
}

void ConvPlan::execute(const ConvBuffers& buffers) {
  dnnl::stream& s = stream();
  for (Operand& op : operands_) {
    void* handle = op.role == Role::a ? buffers.a : op.role == Role::b ? buffers.b : op.role == Role::bias ? buffers.bias : buffers.out;
    op.user.set_data_handle(handle);
    if (!op.inner) continue;
    op.inner.set_data_handle(scratch(op.scratch_slot, op.inner.get_desc().get_size()));
    if (!op.output) op.reorder.execute(s, op.user, op.inner);
  }
  primitive_.execute(s, args_);
  for (Operand& op : operands_) {
    if (op.inner && op.output) op.reorder.execute(s, op.inner, op.user);
  }
  s.wait();
}

ConvPlan& plan_for(const ConvRequest& request) {
  const ConvKey key = key_of(request, g_layout);
  auto it = g_plans.find(key);
  if (it == g_plans.end()) it = g_plans.emplace(key, std::make_unique<ConvPlan>(request, g_layout)).first;
  return *it->second;
}

void set_layout(Layout layout) {
  if (layout == g_layout) return;
  g_layout = layout;
  g_plans.clear();
}

Layout layout() { return g_layout; }

size_t cached_plans() { return g_plans.size(); }

}  // namespace sweep_onednn

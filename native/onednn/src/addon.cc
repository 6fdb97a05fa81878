// N-API entry points of the oneDNN convolution addon and of the native twins of the project's training kernels
// (batch norm, max-pool gradient). Tensors are passed zero-copy as byte offsets into the caller's ArrayBuffer (the
// tfjs wasm heap); see src/training/backends/onednn/addon.ts for the JS side.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <exception>
#include <mutex>
#include <string>

#include "conv_geometry.h"
#include "conv_plan.h"
#include "batch_norm_training.h"
#include "max_pool_grad.h"
#include "napi_args.h"
#include "runtime.h"

namespace sweep_onednn {
namespace {

constexpr size_t kMaxArgs = 12;

// The plan cache, scratch buffers and stream are process-wide; sweep calls from one JS thread, but an addon
// loaded in several worker_threads would share them.
std::mutex g_mutex;

struct Args {
  napi_value v[kMaxArgs];
  size_t count = kMaxArgs;
};

Args args_of(napi_env env, napi_callback_info info, size_t required, const char* fn) {
  Args a;
  check(env, napi_get_cb_info(env, info, &a.count, a.v, nullptr, nullptr), fn);
  if (a.count < required) throw ArgError(std::string(fn) + ": expected " + std::to_string(required) + " arguments");
  return a;
}

// Runs `body`, turning C++ exceptions into JS exceptions.
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const dnnl::error& e) {
    napi_throw_error(env, "ERR_ONEDNN", (std::string("oneDNN: ") + e.what() + " (status " + std::to_string(e.status) + ")").c_str());
  } catch (const ArgError& e) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", e.what());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

ConvRequest request_of(napi_env env, napi_value kind, napi_value geometry, bool bias, napi_value activation, napi_value alpha) {
  ConvRequest r{};
  const int64_t k = integer_arg(env, kind, "kind");
  if (k < 0 || k > 2) throw ArgError("kind must be 0 (forward), 1 (backward data) or 2 (backward weights)");
  r.kind = static_cast<ConvKind>(k);
  const int32_t* g = int32_array_arg(env, geometry, ConvGeometry::kFields, "geometry");
  int64_t* fields = &r.g.batch;
  for (int i = 0; i < ConvGeometry::kFields; ++i) fields[i] = g[i];
  const std::string problem = check_geometry(r.g);
  if (!problem.empty()) throw ArgError("geometry: " + problem);
  r.bias = bias;
  const int64_t act = integer_arg(env, activation, "activation");
  if (act < 0 || act > static_cast<int64_t>(Activation::leakyrelu)) throw ArgError("unknown activation code");
  r.activation = static_cast<Activation>(act);
  r.alpha = static_cast<float>(number_arg(env, alpha, "alpha"));
  if (r.kind != ConvKind::forward && (r.bias || r.activation != Activation::linear)) {
    throw ArgError("bias and activation apply to the forward convolution only");
  }
  return r;
}

// Element counts of the a, b and out buffers of a request (see ConvBuffers).
void sizes_of(const ConvRequest& r, int64_t& a, int64_t& b, int64_t& out) {
  const ConvGeometry& g = r.g;
  const int64_t x = g.batch * g.in_h * g.in_w * g.in_c;
  const int64_t y = g.batch * g.out_h * g.out_w * g.out_c;
  const int64_t filter = g.k_h * g.k_w * g.in_c * g.out_c;
  switch (r.kind) {
    case ConvKind::forward: a = x, b = filter, out = y; break;
    case ConvKind::backward_data: a = y, b = filter, out = x; break;
    case ConvKind::backward_weights: a = x, b = y, out = filter; break;
  }
}

void* at(const Bytes& heap, int64_t offset, int64_t floats, const char* name) {
  if (offset < 0 || offset % 4 != 0 || static_cast<uint64_t>(offset) + static_cast<uint64_t>(floats) * 4 > heap.length) {
    throw ArgError(std::string(name) + ": offset " + std::to_string(offset) + " + " + std::to_string(floats) +
                   " floats is outside the heap or misaligned");
  }
  return heap.data + offset;
}

// configure(threads, layout)
napi_value Configure(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 2, "configure");
    const int64_t threads = integer_arg(env, a.v[0], "threads");
    const int64_t layout = integer_arg(env, a.v[1], "layout");
    if (threads < 1 || threads > 1024) throw ArgError("threads must be between 1 and 1024");
    if (layout < 0 || layout > 2) throw ArgError("layout must be 0 (user), 1 (any weights) or 2 (any)");
    const std::lock_guard<std::mutex> lock(g_mutex);
    set_threads(static_cast<int>(threads));
    set_layout(static_cast<Layout>(layout));
    return undefined(env);
  });
}

napi_value set_property(napi_env env, napi_value object, const char* name, napi_value value) {
  check(env, napi_set_named_property(env, object, name, value), name);
  return object;
}

// info() → { version, isa, threads, layout, plans }
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value out, v;
    check(env, napi_create_object(env, &out), "info");
    const dnnl_version_t* version = dnnl::version();
    const std::string text = std::to_string(version->major) + "." + std::to_string(version->minor) + "." + std::to_string(version->patch);
    check(env, napi_create_string_utf8(env, text.c_str(), text.size(), &v), "version");
    set_property(env, out, "version", v);
    check(env, napi_create_string_utf8(env, isa_name(), NAPI_AUTO_LENGTH, &v), "isa");
    set_property(env, out, "isa", v);
    check(env, napi_create_int32(env, threads(), &v), "threads");
    set_property(env, out, "threads", v);
    check(env, napi_create_int32(env, static_cast<int32_t>(layout()), &v), "layout");
    set_property(env, out, "layout", v);
    check(env, napi_create_int64(env, static_cast<int64_t>(cached_plans()), &v), "plans");
    return set_property(env, out, "plans", v);
  });
}

// conv(kind, heap, aOffset, bOffset, biasOffset (-1: none), outOffset, geometry, activation, alpha)
napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 9, "conv");
    const int64_t bias_offset = integer_arg(env, a.v[4], "biasOffset");
    const ConvRequest r = request_of(env, a.v[0], a.v[6], bias_offset >= 0, a.v[7], a.v[8]);
    const Bytes heap = array_buffer_arg(env, a.v[1], "heap");
    int64_t a_size = 0, b_size = 0, out_size = 0;
    sizes_of(r, a_size, b_size, out_size);
    const ConvBuffers buffers{
        at(heap, integer_arg(env, a.v[2], "aOffset"), a_size, "a"),
        at(heap, integer_arg(env, a.v[3], "bOffset"), b_size, "b"),
        r.bias ? at(heap, bias_offset, r.g.out_c, "bias") : nullptr,
        at(heap, integer_arg(env, a.v[5], "outOffset"), out_size, "out"),
    };
    const std::lock_guard<std::mutex> lock(g_mutex);
    plan_for(r).execute(buffers);
    return undefined(env);
  });
}

// implementation(kind, geometry, hasBias, activation, alpha) → oneDNN's implementation name (creates the plan)
napi_value Implementation(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 5, "implementation");
    const ConvRequest r = request_of(env, a.v[0], a.v[1], bool_arg(env, a.v[2], "hasBias"), a.v[3], a.v[4]);
    const std::lock_guard<std::mutex> lock(g_mutex);
    const std::string name = plan_for(r).implementation();
    napi_value v;
    check(env, napi_create_string_utf8(env, name.c_str(), name.size(), &v), "implementation");
    return v;
  });
}

// Rows and channels of a [rows, channels] batch-norm call, both ≥ 1.
void rows_channels_of(napi_env env, napi_value rows_v, napi_value channels_v, int64_t& rows, int64_t& channels) {
  rows = integer_arg(env, rows_v, "rows");
  channels = integer_arg(env, channels_v, "channels");
  if (rows < 1 || channels < 1 || rows > (int64_t{1} << 40) / channels) throw ArgError("rows and channels must be ≥ 1");
}

const float* floats_in(const Bytes& heap, napi_env env, napi_value offset, int64_t count, const char* name) {
  return static_cast<const float*>(at(heap, integer_arg(env, offset, name), count, name));
}

float* floats_out(const Bytes& heap, napi_env env, napi_value offset, int64_t count, const char* name) {
  return static_cast<float*>(at(heap, integer_arg(env, offset, name), count, name));
}

// batchNormTrainForward(heap, xOffset, gammaOffset, betaOffset, yOffset, meanOffset, varianceOffset, rows, channels, epsilon)
napi_value BatchNormTrainForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 10, "batchNormTrainForward");
    int64_t rows = 0, channels = 0;
    rows_channels_of(env, a.v[7], a.v[8], rows, channels);
    const double epsilon = number_arg(env, a.v[9], "epsilon");
    const Bytes heap = array_buffer_arg(env, a.v[0], "heap");
    const int64_t size = rows * channels;
    batch_norm_train_forward(floats_in(heap, env, a.v[1], size, "x"), floats_in(heap, env, a.v[2], channels, "gamma"),
                             floats_in(heap, env, a.v[3], channels, "beta"), floats_out(heap, env, a.v[4], size, "y"),
                             floats_out(heap, env, a.v[5], channels, "mean"), floats_out(heap, env, a.v[6], channels, "variance"),
                             rows, channels, epsilon);
    return undefined(env);
  });
}

// batchNormTrainBackward(heap, dyOffset, xOffset, meanOffset, varianceOffset, gammaOffset, dxOffset, dGammaOffset,
//                        dBetaOffset, rows, channels, epsilon)
napi_value BatchNormTrainBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 12, "batchNormTrainBackward");
    int64_t rows = 0, channels = 0;
    rows_channels_of(env, a.v[9], a.v[10], rows, channels);
    const double epsilon = number_arg(env, a.v[11], "epsilon");
    const Bytes heap = array_buffer_arg(env, a.v[0], "heap");
    const int64_t size = rows * channels;
    batch_norm_train_backward(floats_in(heap, env, a.v[1], size, "dy"), floats_in(heap, env, a.v[2], size, "x"),
                              floats_in(heap, env, a.v[3], channels, "mean"), floats_in(heap, env, a.v[4], channels, "variance"),
                              floats_in(heap, env, a.v[5], channels, "gamma"), floats_out(heap, env, a.v[6], size, "dx"),
                              floats_out(heap, env, a.v[7], channels, "dGamma"), floats_out(heap, env, a.v[8], channels, "dBeta"),
                              rows, channels, epsilon);
    return undefined(env);
  });
}

// maxPoolGrad(heap, dyOffset, xOffset, dxOffset, geometry): geometry is [batch, inH, inW, channels, outH, outW,
// strideH, strideW, filterH, filterW, padTop, padLeft].
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a = args_of(env, info, 5, "maxPoolGrad");
    const int32_t* fields = int32_array_arg(env, a.v[4], PoolGeometry::kFields, "geometry");
    PoolGeometry g{};
    int64_t* out = &g.batch;
    for (int i = 0; i < PoolGeometry::kFields; ++i) out[i] = fields[i];
    const std::string problem = check_pool_geometry(g);
    if (!problem.empty()) throw ArgError("geometry: " + problem);
    const Bytes heap = array_buffer_arg(env, a.v[0], "heap");
    const int64_t x_size = g.batch * g.in_h * g.in_w * g.channels;
    const int64_t dy_size = g.batch * g.out_h * g.out_w * g.channels;
    max_pool_grad(floats_in(heap, env, a.v[1], dy_size, "dy"), floats_in(heap, env, a.v[2], x_size, "x"),
                  floats_out(heap, env, a.v[3], x_size, "dx"), g);
    return undefined(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"configure", nullptr, Configure, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"implementation", nullptr, Implementation, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"batchNormTrainForward", nullptr, BatchNormTrainForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"batchNormTrainBackward", nullptr, BatchNormTrainBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace sweep_onednn

NAPI_MODULE(NODE_GYP_MODULE_NAME, sweep_onednn::Init)

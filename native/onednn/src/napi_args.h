// Small helpers for reading N-API call arguments; each throws ArgError with a message for the JS exception.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sweep_onednn {

struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  throw ArgError(std::string(what) + ": " + (info && info->error_message ? info->error_message : "N-API call failed"));
}

inline double number_arg(napi_env env, napi_value v, const char* name) {
  double out = 0;
  if (napi_get_value_double(env, v, &out) != napi_ok) throw ArgError(std::string(name) + " must be a number");
  return out;
}

inline int64_t integer_arg(napi_env env, napi_value v, const char* name) {
  const double d = number_arg(env, v, name);
  if (d != static_cast<double>(static_cast<int64_t>(d))) throw ArgError(std::string(name) + " must be an integer");
  return static_cast<int64_t>(d);
}

inline bool bool_arg(napi_env env, napi_value v, const char* name) {
  bool out = false;
  if (napi_get_value_bool(env, v, &out) != napi_ok) throw ArgError(std::string(name) + " must be a boolean");
  return out;
}

struct Bytes {
  uint8_t* data;
  size_t length;
};

inline Bytes array_buffer_arg(napi_env env, napi_value v, const char* name) {
  bool is_buffer = false;
  check(env, napi_is_arraybuffer(env, v, &is_buffer), name);
  if (!is_buffer) throw ArgError(std::string(name) + " must be an ArrayBuffer (the wasm heap)");
  void* data = nullptr;
  size_t length = 0;
  check(env, napi_get_arraybuffer_info(env, v, &data, &length), name);
  if (data == nullptr && length > 0) throw ArgError(std::string(name) + " is detached");
  return {static_cast<uint8_t*>(data), length};
}

inline const int32_t* int32_array_arg(napi_env env, napi_value v, size_t expected, const char* name) {
  bool is_typed = false;
  check(env, napi_is_typedarray(env, v, &is_typed), name);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is_typed) check(env, napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr), name);
  if (!is_typed || type != napi_int32_array || length != expected) {
    throw ArgError(std::string(name) + " must be an Int32Array of length " + std::to_string(expected));
  }
  return static_cast<const int32_t*>(data);
}

}  // namespace sweep_onednn

// Process-wide oneDNN state: the CPU engine and stream, the OpenMP thread count, and scratch buffers for
// tensors reordered into oneDNN's own layouts. Everything runs on the caller's (Node's main) thread.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>

namespace sweep_onednn {

dnnl::engine& engine();
dnnl::stream& stream();

// Sets the OpenMP team size for every following primitive call (Debian's libdnnl uses the OpenMP runtime).
void set_threads(int threads);
// OpenMP's team size for the next parallel region (what set_threads took effect as).
int threads();

// A buffer of at least `bytes` for reordered tensors; slot 0..kScratchSlots-1. Grows only, reused across calls.
constexpr int kScratchSlots = 4;
void* scratch(int slot, size_t bytes);

const char* isa_name();

}  // namespace sweep_onednn

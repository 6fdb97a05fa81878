#include "runtime.h"

#include <omp.h>

#include <cstdlib>
#include <memory>
#include <new>

namespace sweep_onednn {

namespace {
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
};
Scratch g_scratch[kScratchSlots];
}  // namespace

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

void set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }

int threads() { return omp_get_max_threads(); }

void* scratch(int slot, size_t bytes) {
  Scratch& s = g_scratch[slot];
  if (s.bytes < bytes) {
    std::free(s.data);
    s.data = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (s.data == nullptr) {
      s.bytes = 0;
      throw std::bad_alloc();
    }
    s.bytes = bytes;
  }
  return s.data;
}

const char* isa_name() {
  using dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    case cpu_isa::avx512_mic: return "avx512_mic";
    case cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "unknown";
  }
}

}  // namespace sweep_onednn

# Native oneDNN convolution kernels for the wasm training backend (see src/training/backends/onednn/).
# Build: npm run build:native (needs g++, make, python3 and Debian's libdnnl-dev 2.6).
# -ffp-contract=off (and no -ffast-math): the batch-norm and max-pool-gradient kernels must round every a·b + c
# twice, as the JS kernels they replace do, to give bit-identical results. -O3 vectorizes their elementwise loops
# and the per-channel sums across channels (each channel's sum keeps its order; no reassociation without
# -ffast-math): batch norm forward/backward of [64,32,32,32] 3.3/4.2 ms at -O2, 1.9/2.6 ms at -O3.
{
  "targets": [
    {
      "target_name": "sweep_onednn",
      "sources": [
        "src/addon.cc",
        "src/batch_norm_training.cc",
        "src/conv_geometry.cc",
        "src/conv_plan.cc",
        "src/max_pool_grad.cc",
        "src/runtime.cc"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-ffp-contract=off", "-fopenmp", "-Wall", "-Wextra"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}

# Native oneDNN convolution kernels for the wasm training backend (see src/training/backends/onednn/).
# Build: npm run build:native (needs g++, make, python3 and Debian's libdnnl-dev 2.6).
{
  "targets": [
    {
      "target_name": "sweep_onednn",
      "sources": [
        "src/addon.cc",
        "src/conv_geometry.cc",
        "src/conv_plan.cc",
        "src/runtime.cc"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-fopenmp", "-Wall", "-Wextra"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}

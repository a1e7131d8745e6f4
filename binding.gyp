{
  "targets": [
    {
      "target_name": "finetune",
      "sources": [
        "native/src/binding.cc",
        "native/src/ops_tensor.cc",
        "native/src/ops_math.cc",
        "native/src/ops_shape.cc",
        "native/src/ops_nn.cc",
        "native/src/bernoulli.cc",
        "native/src/ops_optim.cc",
        "native/src/ops_distributed.cc",
        "native/src/ops_profiler.cc",
        "native/src/allocator.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/libtorch.mjs include)",
        "native/shim"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        # libtorch is built with NDEBUG and some of its classes (RecordFunction) have members
        # only without it: the addon must see the same layouts
        "NDEBUG",
        "<!@(node native/libtorch.mjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["<!@(node native/libtorch.mjs cflags)", "-fexceptions", "-frtti", "-O2", "-fno-math-errno", "-ffp-contract=off", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node native/libtorch.mjs ldflags)"],
      "libraries": ["<!@(node native/libtorch.mjs libs)"]
    }
  ]
}

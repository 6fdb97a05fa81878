#!/usr/bin/env bash
# Installs what sweep needs on a fresh Debian/Ubuntu machine: Debian packages (nats-server, the offline
# Fashion-MNIST dataset; with --test also Chromium for the report test and python3-torch for examples/pytorch), then npm dependencies, then builds the
# optional native oneDNN convolution kernels (native/onednn; needs g++, make, python3 and libdnnl-dev), then the
# compiled CLI (dist/).
# As root it installs; otherwise it prints the exact commands to run. The native build is optional: when it
# fails, setup warns and training uses the plain wasm kernels.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

pkgs=()
command -v nats-server >/dev/null 2>&1 || [[ -x /usr/sbin/nats-server ]] || pkgs+=(nats-server)
[[ -d /usr/share/datasets/fashion-mnist ]] || pkgs+=(dataset-fashion-mnist)
if [[ $want_test == 1 ]]; then
  command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
  command -v ip >/dev/null 2>&1 || [[ -x /usr/sbin/ip ]] || pkgs+=(iproute2)
  # GNU time: test/security/png-bomb.test.ts measures the peak RSS of `sweep predict` with /usr/bin/time.
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  # PyTorch for examples/pytorch, which the command-trainer tests run (and bench:train compares against).
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || pkgs+=(python3-torch)
fi

# Optional: what the native oneDNN addon builds with.
native_pkgs=()
[[ -f /usr/include/oneapi/dnnl/dnnl.hpp ]] || native_pkgs+=(libdnnl-dev)
command -v g++ >/dev/null 2>&1 || native_pkgs+=(g++)
command -v make >/dev/null 2>&1 || native_pkgs+=(make)
command -v python3 >/dev/null 2>&1 || native_pkgs+=(python3)

apt_updated=0
apt_install() {
  if [[ $apt_updated == 0 ]]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ((${#pkgs[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "setup: apt-get install ${pkgs[*]}" >&2
    apt_install "${pkgs[@]}"
  else
    echo "setup: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${pkgs[*]}${native_pkgs[*]:+ ${native_pkgs[*]}}" >&2
    exit 1
  fi
fi

if ((${#native_pkgs[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "setup: apt-get install ${native_pkgs[*]} (for the native oneDNN convolution kernels)" >&2
    apt_install "${native_pkgs[@]}" || echo "setup: WARNING: could not install ${native_pkgs[*]}; the oneDNN addon will likely not build" >&2
  else
    echo "setup: for the native oneDNN convolution kernels (~2.5x faster CPU training) run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${native_pkgs[*]} && npm run build:native" >&2
  fi
fi

# onnxruntime-node's install script would fetch CUDA binaries from outside the registry; the CPU binary is bundled.
export ONNXRUNTIME_NODE_INSTALL=skip
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# The native oneDNN convolution kernels (src/training/backends/onednn/): rebuilt when missing or older than their
# sources. Optional: a failed build leaves training on the plain wasm kernels.
addon=native/onednn/build/Release/sweep_onednn.node
# node-gyp can only download Node's headers from nodejs.org: point it at the ones installed with Node if unset.
node_prefix=$(node -p "require('path').dirname(require('path').dirname(process.execPath))")
if [[ -z ${npm_config_nodedir:-} && $(npm config get nodedir 2>/dev/null) =~ ^(undefined|null|)$ && -f $node_prefix/include/node/node_api.h ]]; then
  export npm_config_nodedir=$node_prefix
fi
if [[ ! -f $addon ]] || [[ -n $(find native/onednn/binding.gyp native/onednn/src -newer "$addon" -print -quit) ]]; then
  echo "setup: npm run build:native (oneDNN convolution kernels)" >&2
  if ! build_log=$(npm run build:native 2>&1) || ! load_error=$(node -e "require('./$addon').info()" 2>&1); then
    echo "setup: WARNING: the native oneDNN addon is not available, so training runs on the plain wasm kernels (slower)." >&2
    echo "setup: reason:" >&2
    { grep -E "error|Error|ERR!|not found|No such file" <<<"$build_log${load_error:+$'\n'$load_error}" || tail -n 20 <<<"$build_log"; } | head -n 20 | sed 's/^/  /' >&2 || true
    echo "setup: needs g++, make, python3, Node's headers (npm config get nodedir) and libdnnl-dev; retry with npm run build:native" >&2
  fi
fi

# The worker's process guard (native/process-guard: prctl(PR_SET_DUMPABLE, 0); C and Node's headers only, no
# library). Without it a worker refuses to run user code on Linux (docs/security.md), so a failed build says so.
guard=native/process-guard/build/Release/sweep_process_guard.node
if [[ ! -f $guard ]] || [[ -n $(find native/process-guard/binding.gyp native/process-guard/src -newer "$guard" -print -quit) ]]; then
  echo "setup: npm run build:guard (the worker's process guard)" >&2
  if ! build_log=$(npm run build:guard 2>&1) || ! load_error=$(node -e "require('./$guard').dumpable()" 2>&1); then
    echo "setup: WARNING: the worker's process guard did not build: a worker started with --allow-command or --allow-module will refuse to start (see docs/security.md)." >&2
    { grep -E "error|Error|ERR!|not found|No such file" <<<"$build_log${load_error:+$'\n'$load_error}" || tail -n 20 <<<"$build_log"; } | head -n 20 | sed 's/^/  /' >&2 || true
    echo "setup: needs gcc, make, python3 and Node's headers (npm config get nodedir); retry with npm run build:guard" >&2
  fi
fi

# The compiled CLI (dist/, from tsconfig.build.json), so that commands start without transpiling TypeScript.
# Rebuilt when missing or older than src/ (bin/build-stamp.js); bin/sweep.js runs the sources until then.
if ! node --input-type=module -e "import { distIsFresh } from './bin/build-stamp.js'; process.exit(distIsFresh() ? 0 : 1)"; then
  echo "setup: npm run build (the compiled CLI in dist/)" >&2
  if ! build_log=$(npm run build 2>&1); then
    echo "setup: WARNING: the TypeScript build failed, so sweep runs from the sources (slower start). The errors:" >&2
    grep -E "error TS" <<<"$build_log" | head -n 20 | sed 's/^/  /' >&2 || tail -n 20 <<<"$build_log" >&2
  fi
fi

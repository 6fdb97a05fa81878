#!/usr/bin/env bash
# Installs what sweep needs on a fresh Debian/Ubuntu machine: Debian packages (nats-server, the offline
# Fashion-MNIST dataset; with --test also Chromium for the report test), then npm dependencies.
# As root it installs; otherwise it prints the exact commands to run.
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
fi

if ((${#pkgs[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "setup: apt-get install ${pkgs[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi

# onnxruntime-node's install script would fetch CUDA binaries from outside the registry; the CPU binary is bundled.
export ONNXRUNTIME_NODE_INSTALL=skip
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# syntax=docker/dockerfile:1
# Command-trainer worker image: `sweep worker` for sweeps over a program of the user's own (spec `trainer:`), here
# PyTorch 2.4 on CUDA 12.1 (conda's python3, torch and numpy), with Node.js 20 and this repository's sweep.
# NOT BUILT IN CI (no registry access there): a recipe, kept plausible, not a tested artefact.
#
# Build from the repository root. .dockerignore admits only the sources of sweep itself, so the PyTorch example
# comes in as a named build context (BuildKit):
#   docker build -f deploy/docker/command-worker.Dockerfile --build-context examples=examples \
#     -t sweep-command-worker:0.1.0 .
#
# The example lands in /app/examples/pytorch (train.py, sweep.yaml). A spec's trainer `cwd` becomes an absolute
# path when the coordinator expands it (the spec file's directory), and the worker runs the program there: launch
# /app/examples/pytorch/sweep.yaml from this image too (or bake your own program in at the path your spec resolves
# to, or mount it there). train.py reads Fashion-MNIST from $SWEEP_DATA_DIR/fashion-mnist/ (the four
# *-ubyte.gz files): mount the datasets volume at /data/datasets, as the other worker images do.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
ARG PYTORCH_IMAGE=pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime

FROM ${NODE_IMAGE} AS node

FROM ${PYTORCH_IMAGE}
# Node from the official image (its binary needs glibc >= 2.28; this base is Ubuntu 22.04). setpriv, which starts
# every trainer program, is util-linux's and already in the base.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
# Node's headers, for the process-guard addon below.
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc make \
 && rm -rf /var/lib/apt/lists/*
# train.py reads the IDX files with numpy: make sure conda's python3 has it.
RUN python3 -c 'import numpy' 2>/dev/null || pip install --no-cache-dir numpy
RUN groupadd --gid 10001 sweep \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin sweep

WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# The worker makes itself non-dumpable with it (src/worker/process-guard.ts), so the programs it runs as uid 10001
# cannot read its /proc files or ptrace it; without it, a worker started with --allow-command refuses to start.
COPY native/process-guard/binding.gyp ./native/process-guard/
COPY native/process-guard/src ./native/process-guard/src
# Built in place, in one layer: `npm run build` stamps dist/ with the fingerprint of src/ (bin/build-stamp.js),
# and bin/sweep.js runs dist/ only while src/ is there with that fingerprint, so src/ stays in the image.
# The dev dependencies (tsc) are pruned in the same layer. No oneDNN addon: the tfjs backend serves built-in
# models only, and wasm falls back to its own kernels without it.
RUN npm ci --omit=optional --no-audit --no-fund \
 && npm run build \
 && npm_config_nodedir=/usr/local npm run build:guard \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && npm cache clean --force
COPY --from=examples pytorch ./examples/pytorch

ENV NODE_ENV=production \
    HOME=/tmp \
    SWEEP_BACKEND=wasm \
    SWEEP_DATA_DIR=/data/datasets
# Numeric, so the kubelet can verify runAsNonRoot.
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["node", "bin/sweep.js", "worker"]
# A worker runs no trainer program unless allowed: `--allow-command python3` lets it run `python3 ...` commands
# (the example's), and only those. Override CMD to allow other programs.
CMD ["--allow-command", "python3", "--health-port", "9464"]

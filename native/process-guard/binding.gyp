# The worker's process guard (src/worker/command/process-guard.ts): prctl(PR_SET_DUMPABLE, 0), so that the
# programs a worker runs as its own uid cannot read its /proc files (environ, mem) or ptrace it.
# C and Node-API only, no library: it builds wherever gcc and Node's headers are (npm run build:guard).
{
  "targets": [
    {
      "target_name": "sweep_process_guard",
      "sources": ["src/process_guard.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}

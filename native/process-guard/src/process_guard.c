// prctl(PR_SET_DUMPABLE) for Node: the one system call the worker needs that Node does not offer.
//
// A process that is not dumpable has its /proc/<pid> files owned by root (so environ and mem are closed to
// processes of its own uid) and cannot be ptrace-attached without CAP_SYS_PTRACE. The flag survives fork, is reset
// by execve of a readable binary: the programs the worker execs are dumpable themselves, the worker stays not.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <node_api.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, message);
  return NULL;
}

// setNonDumpable(): prctl(PR_SET_DUMPABLE, 0); throws with errno's text when the kernel refuses.
static napi_value set_non_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __linux__
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return throw_errno(env, "prctl(PR_SET_DUMPABLE, 0)", errno);
  return NULL;
#else
  napi_throw_error(env, NULL, "PR_SET_DUMPABLE exists only on Linux");
  return NULL;
#endif
}

// dumpable(): prctl(PR_GET_DUMPABLE) as a number (0: not dumpable, 1: dumpable, 2: root-only core dumps).
static napi_value get_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __linux__
  int value = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (value < 0) return throw_errno(env, "prctl(PR_GET_DUMPABLE)", errno);
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
#else
  napi_throw_error(env, NULL, "PR_GET_DUMPABLE exists only on Linux");
  return NULL;
#endif
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setNonDumpable", NULL, set_non_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dumpable", NULL, get_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/* OCI hooks (libbb/hooks.c): run a hook list with the container's state on stdin. */
#ifndef OCIBOX_HOOKS_H
#define OCIBOX_HOOKS_H

#include "libbb.h"
#include "json.h"

enum hook_kind {
	HOOK_PRESTART,            /* "prestart": deprecated, still what many tools use */
	HOOK_CREATE_RUNTIME,      /* "createRuntime" */
	HOOK_CREATE_CONTAINER,    /* "createContainer" */
	HOOK_START_CONTAINER,     /* "startContainer" */
	HOOK_POSTSTART,           /* "poststart" */
	HOOK_POSTSTOP,            /* "poststop" */
};
const char *hook_kind_name(enum hook_kind k);

/* Runs every hook of kind K in HOOKS (config.json's "hooks", may be NULL) in order: path, args
 * (args[0] is argv[0]), env (only what is given), timeout in seconds (killed with SIGKILL when
 * exceeded), STATE_JSON written to its stdin. The whole list is checked before the first hook
 * runs (absolute path, timeout > 0). The first hook that fails or times out stops the list: a
 * negative value with *err naming the hook and its exit status or signal. Except for
 * HOOK_POSTSTART and HOOK_POSTSTOP, where runtime.md wants a warning and the rest of the list
 * and lifecycle going on: each failure is printed (err_print) and the result is 0. */
int hooks_run(const struct json *hooks, enum hook_kind k, const char *state_json,
	      struct error **err);

#endif

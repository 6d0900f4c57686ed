/* Seccomp without libseccomp (libbb/seccomp.c): an OCI linux.seccomp section compiled to a
 * classic BPF program at run time, from a syscall table that the build generates out of the
 * target compiler's own <asm/unistd.h> (scripts/gen-syscalls -> $(B)/syscalls.h). */
#ifndef OCIBOX_SECCOMP_H
#define OCIBOX_SECCOMP_H

#include "libbb.h"
#include "json.h"

struct seccomp_filter; /* a compiled program plus the flags and listener the section asked for */

/* Compiles SECTION (the object under linux.seccomp) for the architectures it lists (none: this
 * binary's own), with every action of runtime-spec 1.2 (SCMP_ACT_KILL, _KILL_PROCESS,
 * _KILL_THREAD, _TRAP, _ERRNO with errnoRet/defaultErrnoRet, _TRACE, _ALLOW, _LOG, _NOTIFY),
 * argument comparisons (SCMP_CMP_*, 64-bit values split on 32-bit arches) and flags.
 * A syscall name this arch does not know is skipped, as runc and crun do. NULL with *err set on
 * a malformed section ("seccomp: syscalls[3].action: unknown action 'SCMP_ACT_FOO'"). */
struct seccomp_filter *seccomp_compile(const struct json *section, struct error **err);

/* Loads the program into the calling thread (needs no_new_privs or CAP_SYS_ADMIN). A filter with
 * SCMP_ACT_NOTIFY returns the listener fd (>= 0; the caller sends it to listenerPath), else 0;
 * a negative errno value with *err set on failure. */
int seccomp_install(const struct seccomp_filter *f, struct error **err);
bool seccomp_wants_listener(const struct seccomp_filter *f);
void seccomp_free(struct seccomp_filter *f);

/* This build's table: number of NAME on this arch, -1 if unknown. */
int seccomp_syscall_nr(const char *name);

/* What the caller needs around the install: the listenerPath and listenerMetadata of the
 * section (NULL if absent), and the program's length in BPF instructions. */
const char *seccomp_listener_path(const struct seccomp_filter *f);
const char *seccomp_listener_metadata(const struct seccomp_filter *f);
size_t seccomp_program_len(const struct seccomp_filter *f);

/* The tables this build carries (libbb/seccomp_syscalls.c): column SECCOMP_COL_NATIVE is this
 * binary's own arch; an x86_64 build adds i386 and x32, whose processes its kernel also runs.
 * Number of NAME in COLUMN as seccomp_data.nr shows it (x32 with __X32_SYSCALL_BIT), else -1. */
enum { SECCOMP_COL_NATIVE, SECCOMP_COL_X86, SECCOMP_COL_X32 };
int seccomp_syscall_nr_in(const char *name, unsigned column);
unsigned seccomp_syscall_columns(void);

/* The "seccomp" object of `ocirun features`: enabled, actions, operators, archs, knownFlags,
 * supportedFlags. */
void seccomp_features(struct json_writer *w);

#endif

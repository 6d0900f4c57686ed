/* Root-confined path resolution (libbb/path_resolve.c): open what a path names under a
 * directory as if that directory were "/", for extracting layers and writing into container
 * root filesystems without ever touching anything outside them. */
#ifndef OCIBOX_PATH_H
#define OCIBOX_PATH_H

#include "libbb.h"

enum {
	PATH_MKDIRS = 1 << 0, /* create missing directories on the way (mode 0755) */
};

/* Opens PATH as a directory under rootfd: every symlink on the way is followed but read as if
 * rootfd were "/" (absolute targets start over at rootfd, ".." stops there), magic links
 * (/proc/self/fd/N) are refused. openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) where the
 * kernel has it, else the same walk one component at a time with O_NOFOLLOW. Returns an
 * O_PATH fd, or a negative errno value with *err set ("PATH: why"). */
int path_open_dir_in_root(int rootfd, const char *path, unsigned flags, struct error **err);

/* The same for the directory holding PATH's last component; *last points at that component
 * inside PATH. PATH must name something below the root: not "", not ending in "/", "." or "..". */
int path_open_parent_in_root(int rootfd, const char *path, unsigned flags, const char **last,
                             struct error **err);

/* rm -rf NAME under dirfd, never following a symlink; a missing NAME is not an error. Returns
 * 0 or a negative errno value (errno set). */
int path_remove_at(int dirfd, const char *name);

/* Whether openat2 is used: probed once. Tests force the walk with path_force_walk(true). */
bool path_have_openat2(void);
void path_force_walk(bool on);

#endif

/* /dev for a container (libbb/devices.c): runtime-spec's default devices and symlinks, plus
 * linux.devices, created inside the rootfs without ever leaving it. */
#ifndef OCIBOX_DEVICES_H
#define OCIBOX_DEVICES_H

#include "libbb.h"
#include "json.h"

/* ROOTFD is the container's rootfs (any fd opened on it); its dev/ is assumed already mounted
 * (a tmpfs) by the caller. Creates null, zero, full, random, urandom, tty (mknod; a bind mount
 * of the host node when IN_USERNS, where mknod is not allowed), the symlinks fd, stdin, stdout,
 * stderr, ptmx -> pts/ptmx, core -> /proc/kcore when the host has it, then every entry of
 * DEVICES (linux.devices, may be NULL) with its type, major/minor, fileMode, uid and gid. Paths
 * resolve inside the rootfs (path.h), so a hostile symlink in dev/ cannot point us outside. */
int devices_setup(int rootfd, const struct json *devices, bool in_userns, struct error **err);

#endif

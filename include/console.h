/* Terminals for containers (libbb/console.c): a pty whose master goes to the caller over a
 * unix socket (runc's --console-socket protocol) or is relayed to our own terminal. */
#ifndef OCIBOX_CONSOLE_H
#define OCIBOX_CONSOLE_H

#include "libbb.h"

/* Opens a new pty pair (CLOEXEC both); *slave_name is "/dev/pts/N", malloc'd. */
int console_open_pty(int *master, int *slave, char **slave_name, struct error **err);
/* Connects to the unix socket at SOCKET_PATH and sends MASTER with SCM_RIGHTS, the message
 * payload being the pty's name, as runc does (containerd and podman read it so). */
int console_send_master(const char *socket_path, int master, const char *name, struct error **err);
/* In the container's init: new session, SLAVE as controlling terminal and fds 0, 1, 2. */
int console_become_slave(int slave, struct error **err);
int console_set_size(int fd, unsigned short rows, unsigned short cols, struct error **err);
/* Copies our stdin -> MASTER and MASTER -> our stdout until MASTER hangs up, with our terminal
 * in raw mode (restored on return) and SIGWINCH forwarded. For `ocirun run` on a terminal. */
int console_relay(int master, struct error **err);

#endif

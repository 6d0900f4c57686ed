/* The channel between a container's init and the runtime that made it: one SOCK_SEQPACKET
 * message per step (a type byte, some text, at most one fd), so neither side ever has to parse
 * a stream or guess where a message ends. */
#include "runtime.h"
#include <sys/socket.h>

int sync_send(int fd, char type, const char *text, int pass_fd)
{
	char buf[4096];
	size_t len = text ? strlen(text) : 0;
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov;
	struct msghdr msg = {0};

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = type;
	memcpy(buf + 1, text ? text : "", len);
	iov.iov_base = buf;
	iov.iov_len = len + 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int sync_recv(int fd, char *type, char *buf, size_t size, int *got_fd)
{
	char in[4096];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {in, sizeof(in)};
	struct msghdr msg = {0};
	ssize_t n;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.space;
	msg.msg_controllen = sizeof(ctl.space);
	if (got_fd)
		*got_fd = -1;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE; /* the other side died */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		int f;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&f, CMSG_DATA(c), sizeof(int));
		if (got_fd && *got_fd < 0)
			*got_fd = f;
		else
			close(f);
	}
	*type = in[0];
	if (buf && size) {
		size_t len = (size_t)n - 1 < size - 1 ? (size_t)n - 1 : size - 1;
		memcpy(buf, in + 1, len);
		buf[len] = '\0';
	}
	return 0;
}

NORETURN void sync_fail(int fd, struct error **err, const char *what, int status)
{
	char msg[2048];
	const struct error *e = *err;

	if (e && e->errnum)
		snprintf(msg, sizeof(msg), "%s: %s", e->msg ? e->msg : "error", strerror(e->errnum));
	else
		snprintf(msg, sizeof(msg), "%s", e && e->msg ? e->msg : "error");
	if (fd < 0 || sync_send(fd, SYNC_ERROR, msg, -1) < 0)
		fprintf(stderr, "ocirun: %s: %s\n", what, msg);
	_exit(status);
}

/* TCP with timeouts for the HTTP client: non-blocking sockets and poll, so that a dead peer or
 * a black-holed address costs at most the timeout the user set. */
#include "tls.h"
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

static int wait_fd(int fd, short events, unsigned timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do
		r = poll(&p, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int connect_one(const struct addrinfo *ai, unsigned timeout_ms)
{
	int fd cleanup_close = -1, one = 1, r;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char c;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		r = wait_fd(fd, POLLOUT, timeout_ms);
		if (r < 0)
			return r;
		/* Not SO_ERROR: qemu-user passes its value through untranslated (host errno
		 * numbers on MIPS). A failed connect's error comes back from read() instead. */
		if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
			return read(fd, &c, 1) < 0 ? -errno : -ECONNREFUSED;
	}
	/* A request head and its body go out as separate writes: no Nagle delay between them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return steal_fd(&fd);
}

int net_connect(const char *host, unsigned port, unsigned timeout_ms, struct error **err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	char serv[8], addr[INET6_ADDRSTRLEN] = "";
	int r, fd = -ENOENT;

	snprintf(serv, sizeof(serv), "%u", port);
	r = getaddrinfo(host, serv, &hints, &res);
	if (r) {
		if (r == EAI_SYSTEM)
			return err_errno(err, "resolve %s", host);
		err_set(err, 0, "resolve %s: %s", host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, timeout_ms);
		if (fd >= 0)
			break;
		/* Name the address that failed last: with a name, which of them is the question. */
		if (ai->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, addr,
				  sizeof(addr));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr,
				  sizeof(addr));
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	const char *via = STREQ(addr, host) ? "" : addr;
	if (fd == -ETIMEDOUT)
		err_set(err, 0, "connect to %s port %u%s%s%s: timed out after %u s", host, port,
			*via ? " (" : "", via, *via ? ")" : "", (timeout_ms + 999) / 1000);
	else
		err_set(err, -fd, "connect to %s port %u%s%s%s", host, port, *via ? " (" : "", via,
			*via ? ")" : "");
	return fd;
}

ssize_t net_recv(int fd, void *buf, size_t len, unsigned timeout_ms)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		int r = wait_fd(fd, POLLIN, timeout_ms);
		if (r < 0)
			return r;
	}
}

int net_send(int fd, const void *buf, size_t len, unsigned timeout_ms)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			int r = wait_fd(fd, POLLOUT, timeout_ms);
			if (r < 0)
				return r;
			continue;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int net_error(struct error **err, int r, const char *what, unsigned timeout_ms)
{
	if (r == -ETIMEDOUT)
		err_set(err, 0, "%s timed out after %u s", what, (timeout_ms + 999) / 1000);
	else
		err_set(err, -r, "%s", what);
	return r;
}

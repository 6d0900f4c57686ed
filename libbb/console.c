/* Terminals for containers: a pty pair made where the container's devpts is, its master handed
 * to whoever asked (runc's --console-socket: one sendmsg whose data is the name and whose
 * SCM_RIGHTS carries the fd; containerd, podman and runc's recvtty read it so), or relayed to
 * our own terminal for a foreground `ocirun run -t`. */
#include "console.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define CONSOLE_NAME_MAX 4096 /* runc's MaxNameLen: receivers size their buffer so */

int console_open_pty(int *master, int *slave, char **slave_name, struct error **err)
{
	cleanup_close int m = -1, s = -1;
	unsigned n;
	int unlock = 0;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_errno(err, "open /dev/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
		return err_errno(err, "unlock pty");
	/* the peer ioctl opens the slave of this very devpts instance, whatever is mounted at
	 * /dev/pts now (Linux 4.13); older kernels go by the name */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/pts/%u", n);
		s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0)
			return err_errno(err, "open %s", path);
	}
	if (asprintf(slave_name, "/dev/pts/%u", n) < 0)
		return err_set(err, ENOMEM, "pty name");
	*master = steal_fd(&m);
	*slave = steal_fd(&s);
	return 0;
}

int console_send_master(const char *socket_path, int master, const char *name, struct error **err)
{
	cleanup_close int sock = -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	size_t len = name ? strlen(name) : 0;
	struct iovec iov = {(void *)name, len};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;

	/* a stream socket carries no SCM_RIGHTS without at least one byte of data */
	if (!len || len >= CONSOLE_NAME_MAX)
		return err_set(err, EINVAL, "console socket: pty name must be 1..%d bytes",
		               CONSOLE_NAME_MAX - 1);
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return err_set(err, ENAMETOOLONG, "console socket %s", socket_path);
	strcpy(sa.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_errno(err, "console socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_errno(err, "connect to console socket %s", socket_path);
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	for (;;) {
		ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (r >= 0 && (size_t)r == len)
			return 0;
		if (r >= 0)
			return err_set(err, EIO, "console socket %s: short send", socket_path);
		if (errno != EINTR)
			return err_errno(err, "send pty to console socket %s", socket_path);
	}
}

int console_become_slave(int slave, struct error **err)
{
	if (setsid() < 0)
		return err_errno(err, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_errno(err, "make the pty our controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_errno(err, "dup2 pty to fd %d", fd);
	if (slave > 2)
		close(slave);
	return 0;
}

int console_set_size(int fd, unsigned short rows, unsigned short cols, struct error **err)
{
	struct winsize ws = {.ws_row = rows, .ws_col = cols};

	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return err_errno(err, "set terminal size %ux%u", (unsigned)cols, (unsigned)rows);
	return 0;
}

static void copy_size(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* One read and a full write; 0 at end of input (EIO: a pty master whose slave is gone). */
static ssize_t pump(int from, int to)
{
	char buf[8192];
	ssize_t n;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EIO)
		return 0;
	if (n > 0 && write_all(to, buf, n) < 0)
		return -1;
	return n;
}

static int relay_loop(int master, int sfd, bool tty, struct error **err)
{
	struct pollfd pfd[3] = {
	    {master, POLLIN, 0},
	    {STDIN_FILENO, POLLIN, 0},
	    {sfd, POLLIN, 0},
	};

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_errno(err, "poll");
		}
		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) > 0 && tty)
				copy_size(STDIN_FILENO, master);
		}
		if (pfd[1].revents & POLLNVAL)
			pfd[1].fd = -1; /* started without a stdin */
		else if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = pump(STDIN_FILENO, master);
			if (n < 0)
				return err_errno(err, "copy to the pty");
			if (n == 0)
				pfd[1].fd =
				    -1; /* our input ended; the container's output has not */
		}
		if (pfd[0].revents & POLLNVAL)
			return err_set(err, EBADF, "pty master");
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = pump(master, STDOUT_FILENO);
			if (n < 0)
				return err_errno(err, "copy from the pty");
			if (n == 0)
				return 0;
		}
	}
}

int console_relay(int master, struct error **err)
{
	cleanup_close int sfd = -1;
	struct termios saved, raw;
	sigset_t winch, old;
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	int r;

	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &winch, &old) < 0)
		return err_errno(err, "block SIGWINCH");
	sfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = err_errno(err, "signalfd");
		goto out;
	}
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
			r = err_errno(err, "raw mode");
			goto out;
		}
		copy_size(STDIN_FILENO, master);
	}
	r = relay_loop(master, sfd, tty, err);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

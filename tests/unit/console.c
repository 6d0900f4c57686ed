/* Terminals (include/console.h): a real pty pair, the --console-socket handoff received the way
 * containerd and runc's recvtty receive it (recvmsg, SCM_RIGHTS, the name as data), a child
 * taking the pty as its controlling terminal, window sizes, and the relay between a terminal of
 * ours (another pty) and a shell on the container's pty, SIGWINCH included. */
#include "unit.h"
#include "console.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

struct pty {
	int master, slave;
	char *name;
};

static void open_pty(struct pty *p)
{
	struct error *err = NULL;

	if (access("/dev/ptmx", F_OK) < 0)
		unit_skip("no /dev/ptmx");
	if (console_open_pty(&p->master, &p->slave, &p->name, &err) < 0)
		unit_skip("console_open_pty: %s: %s", err->msg, strerror(err->errnum));
}

/* Reads from FD until EXPECT shows up or EOF. The guard (two minutes without a byte) only
 * turns a hang into a failure; it is no speed limit. */
static bool read_until(int fd, struct strbuf *sb, const char *expect)
{
	int idle = 0;

	while (!(sb->buf && strstr(sb->buf, expect)) && idle < 120) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0) {
			idle++;
			continue;
		}
		idle = 0;
		sb_grow(sb, 512);
		n = read(fd, sb->buf + sb->len, 511);
		if (n <= 0)
			break;
		sb->len += n;
		sb->buf[sb->len] = '\0';
	}
	return sb->buf && strstr(sb->buf, expect);
}

TEST(pty_pair_both_ways)
{
	struct strbuf sb = STRBUF_INIT;
	struct pty p;
	unsigned n;
	char want[32], *tn;

	open_pty(&p);
	CHECK(str_has_prefix(p.name, "/dev/pts/"));
	CHECK_INT(ioctl(p.master, TIOCGPTN, &n), 0);
	snprintf(want, sizeof(want), "/dev/pts/%u", n);
	CHECK_STR(p.name, want);
	CHECK(isatty(p.slave));
	tn = ttyname(p.slave);
	CHECK_STR(tn, p.name);
	CHECK(fcntl(p.master, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(p.slave, F_GETFD) & FD_CLOEXEC);
	/* master -> slave: a line in canonical mode */
	CHECK_INT(write(p.master, "ping\n", 5), 5);
	CHECK(read_until(p.slave, &sb, "ping\n"));
	sb_release(&sb);
	/* slave -> master, with the line discipline's \n -> \r\n */
	CHECK_INT(write(p.slave, "pong\n", 5), 5);
	CHECK(read_until(p.master, &sb, "pong\r\n"));
	sb_release(&sb);
	free(p.name);
}

TEST(console_socket_handoff)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct error *err = NULL;
	struct pty p;
	char name[4096], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {name, sizeof(name)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	struct strbuf sb = STRBUF_INIT;
	unsigned n1, n2;
	int srv, conn, fd;
	ssize_t len;

	open_pty(&p);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/console.sock", unit_tmpdir());
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(srv >= 0);
	CHECK_INT(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(srv, 1), 0);
	/* the backlog takes the connection, so one process can be both ends */
	CHECK_INT(console_send_master(sa.sun_path, p.master, p.name, &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	CHECK(conn >= 0);
	len = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	CHECK_INT(len, strlen(p.name));
	CHECK(len > 0 && (size_t)len < sizeof(name) && memcmp(name, p.name, len) == 0);
	c = CMSG_FIRSTHDR(&msg);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
	CHECK(c && c->cmsg_len == CMSG_LEN(sizeof(int)));
	CHECK(!(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)));
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	/* what arrived is a pty master, this very one */
	CHECK_INT(ioctl(fd, TIOCGPTN, &n1), 0);
	CHECK_INT(ioctl(p.master, TIOCGPTN, &n2), 0);
	CHECK_INT(n1, n2);
	CHECK_INT(write(fd, "via socket\n", 11), 11);
	CHECK(read_until(p.slave, &sb, "via socket\n"));
	sb_release(&sb);
	close(fd);
	close(conn);

	/* nobody listening, an empty name: errors, not crashes */
	close(srv);
	unlink(sa.sun_path);
	CHECK(console_send_master(sa.sun_path, p.master, p.name, &err) < 0);
	CHECK(err && strstr(err->msg, "connect to console socket") && err->errnum == ENOENT);
	err_free(&err);
	CHECK(console_send_master(sa.sun_path, p.master, "", &err) < 0);
	CHECK(err && strstr(err->msg, "pty name"));
	err_free(&err);
	free(p.name);
}

/* /proc/PID/stat's session (field 6) and tty_nr (field 7). Read from the parent: qemu-user
 * fakes /proc/self/stat for the process it runs, but not for another. */
static bool session_and_tty(pid_t pid, int *session, unsigned *tty_nr)
{
	char path[32], *text, *p;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = read_file_at(AT_FDCWD, path, 4096, NULL);
	p = text ? strrchr(text, ')') : NULL;
	ok = p && sscanf(p, ") %*c %*d %*d %d %u", session, tty_nr) == 2;
	free(text);
	return ok;
}

TEST(become_slave_makes_controlling_tty)
{
	int go[2], ready[2], status, session = -1;
	unsigned tty_nr = 0, maj, min;
	struct pty p;
	struct stat st;
	char c = 0;
	pid_t pid;

	open_pty(&p);
	CHECK_INT(fstat(p.slave, &st), 0);
	CHECK_INT(pipe(go), 0);
	CHECK_INT(pipe(ready), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct error *err = NULL;

		close(p.master);
		if (console_become_slave(p.slave, &err) < 0)
			_exit(2);
		if (getsid(0) != getpid())
			_exit(3);
		for (int fd = 0; fd < 3; fd++)
			if (!isatty(fd) || !ttyname(fd) || strcmp(ttyname(fd), p.name))
				_exit(4);
		/* /dev/tty now means this pty */
		if (open("/dev/tty", O_RDWR | O_CLOEXEC) < 0)
			_exit(5);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(6);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) == 1) {
		CHECK(session_and_tty(pid, &session, &tty_nr));
		CHECK_INT(session, pid);
		/* the kernel's encoding of a dev_t in stat (new_encode_dev) */
		maj = major(st.st_rdev), min = minor(st.st_rdev);
		CHECK_INT(tty_nr, (min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12));
	}
	CHECK_INT(write(go[1], "g", 1), 1);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		unit_fail(__FILE__, __LINE__, "child status 0x%x", status);
	free(p.name);
}

TEST(set_size)
{
	struct error *err = NULL;
	struct winsize ws;
	struct pty p;

	open_pty(&p);
	CHECK_INT(console_set_size(p.master, 33, 111, &err), 0);
	CHECK_INT(ioctl(p.slave, TIOCGWINSZ, &ws), 0);
	CHECK_INT(ws.ws_row, 33);
	CHECK_INT(ws.ws_col, 111);
	CHECK_INT(console_set_size(p.slave, 24, 80, &err), 0);
	CHECK_INT(ioctl(p.master, TIOCGWINSZ, &ws), 0);
	CHECK_INT(ws.ws_row, 24);
	CHECK_INT(ws.ws_col, 80);
	CHECK(console_set_size(-1, 1, 1, &err) < 0);
	CHECK(err && err->errnum == EBADF);
	err_free(&err);
	free(p.name);
}

/* The container: a shell on the container pty's slave. */
static pid_t start_shell(struct pty *c, const char *script)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct error *err = NULL;
		char *const argv[] = {"sh", "-c", (char *)script, NULL};
		close(c->master);
		if (console_become_slave(c->slave, &err) < 0)
			_exit(120);
		execv("/bin/sh", argv);
		_exit(121);
	}
	close(c->slave);
	return pid;
}

TEST(relay_from_pipes)
{
	struct strbuf sb = STRBUF_INIT;
	int in[2], out[2], status;
	struct pty c;
	pid_t shell, relay;

	if (access("/bin/sh", X_OK) < 0)
		unit_skip("no /bin/sh");
	open_pty(&c);
	CHECK_INT(pipe(in), 0);
	CHECK_INT(pipe(out), 0);
	shell = start_shell(&c, "read x; echo \"got:$x\"; exit 3");
	relay = fork();
	if (relay == 0) {
		struct error *err = NULL;
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		_exit(console_relay(c.master, &err) < 0 ? 1 : 0);
	}
	close(c.master);
	close(in[0]);
	close(out[1]);
	CHECK_INT(write(in[1], "hello\n", 6), 6);
	close(in[1]); /* our input ends before the container's output does */
	CHECK(read_until(out[0], &sb, "got:hello"));
	waitpid(shell, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	waitpid(relay, &status, 0); /* ends when the shell's side of the pty is gone */
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	sb_release(&sb);
	close(out[0]);
	free(c.name);
}

/* Our side is a terminal too (a second pty): raw mode while relaying, restored after, and a
 * resize of our terminal reaches the container as its own resize. */
TEST(relay_terminal_and_sigwinch)
{
	struct strbuf sb = STRBUF_INIT;
	struct error *err = NULL;
	struct pty c, term;
	pid_t shell, relay;
	int status;

	if (access("/bin/sh", X_OK) < 0 || access("/bin/stty", X_OK) < 0)
		unit_skip("needs /bin/sh and /bin/stty");
	open_pty(&c);
	open_pty(&term);
	CHECK_INT(console_set_size(term.master, 30, 100, &err), 0);
	/* the first line comes through the relay, so the relay has set the size by then */
	shell = start_shell(&c, "read w; stty size; read x; stty size; stty -isig; echo ready; "
	                        "read y; echo \"end:$y\"");
	relay = fork();
	if (relay == 0) {
		struct termios t;
		/* a session of its own with the terminal, so the resize signals it */
		close(term.master);
		if (console_become_slave(term.slave, &err) < 0)
			_exit(10);
		if (console_relay(c.master, &err) < 0)
			_exit(11);
		if (tcgetattr(0, &t) < 0 || !(t.c_lflag & ICANON) || !(t.c_lflag & ECHO))
			_exit(12); /* not restored */
		_exit(0);
	}
	close(term.slave);
	close(c.master);
	/* the relay gave the container our size before anything else */
	CHECK_INT(write(term.master, "\n", 1), 1);
	CHECK(read_until(term.master, &sb, "30 100"));
	CHECK_INT(console_set_size(term.master, 40, 120, &err), 0); /* SIGWINCH to the relay */
	CHECK_INT(write(term.master, "\n", 1), 1);
	CHECK(read_until(term.master, &sb, "40 120"));
	/* raw mode on our terminal: ^C is no SIGINT for the relay but a byte for the container,
	 * whose own terminal now passes it through (stty -isig) */
	CHECK(read_until(term.master, &sb, "ready"));
	CHECK_INT(write(term.master, "a\x03z\r", 4), 4);
	CHECK(read_until(term.master, &sb, "end:a\x03z"));
	waitpid(shell, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	waitpid(relay, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		unit_fail(__FILE__, __LINE__, "relay status 0x%x", status);
	sb_release(&sb);
	err_free(&err);
	free(c.name);
	free(term.name);
}

/* libbb's own implementation of the libmnl subset in include/netlink.h, so a static build needs
 * no libmnl. Written from libmnl's documented API; built only without FEATURE_SYSTEM_LIBMNL.
 * Parsing never trusts a length it has not checked against the bytes actually there. */
#include "netlink.h"
#include <limits.h>
#include <sys/uio.h>

struct mnl_socket {
	int fd;
	struct sockaddr_nl addr; /* as bound, read back from the kernel */
};

/* ---- sockets ---- */

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	struct mnl_socket *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | flags, bus);
	if (nl->fd < 0) {
		free(nl);
		return NULL;
	}
	return nl;
}

struct mnl_socket *mnl_socket_open(int bus)
{
	return mnl_socket_open2(bus, 0);
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	socklen_t len = sizeof(nl->addr);

	memset(&nl->addr, 0, sizeof(nl->addr));
	nl->addr.nl_family = AF_NETLINK;
	nl->addr.nl_groups = groups;
	nl->addr.nl_pid = pid;
	if (bind(nl->fd, (struct sockaddr *)&nl->addr, sizeof(nl->addr)) < 0)
		return -1;
	/* With MNL_SOCKET_AUTOPID the kernel picks the port id; only getsockname tells it. */
	if (getsockname(nl->fd, (struct sockaddr *)&nl->addr, &len) < 0)
		return -1;
	if (len != sizeof(nl->addr) || nl->addr.nl_family != AF_NETLINK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	int r = close(nl->fd);

	free(nl);
	return r;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	return nl->fd;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	return nl->addr.nl_pid;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz)
{
	static const struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	return sendto(nl->fd, req, siz, 0, (const struct sockaddr *)&kernel, sizeof(kernel));
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz)
{
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = buf, .iov_len = siz};
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t r = recvmsg(nl->fd, &msg, 0);

	if (r < 0)
		return r;
	/* A cut-off datagram would parse as a shorter, wrong answer. */
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	if (msg.msg_namelen != sizeof(from)) {
		errno = EINVAL;
		return -1;
	}
	return r;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	return setsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}

int mnl_socket_getsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t *len)
{
	return getsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}

/* ---- messages ---- */

size_t mnl_nlmsg_size(size_t len)
{
	return len + MNL_NLMSG_HDRLEN;
}

size_t mnl_nlmsg_get_payload_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
}

struct nlmsghdr *mnl_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;

	memset(buf, 0, MNL_NLMSG_HDRLEN);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	return nlh;
}

void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size)
{
	char *p = (char *)nlh + nlh->nlmsg_len;
	size_t len = MNL_ALIGN(size);

	nlh->nlmsg_len += len;
	memset(p, 0, len);
	return p;
}

void *mnl_nlmsg_get_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_NLMSG_HDRLEN;
}

void *mnl_nlmsg_get_payload_offset(const struct nlmsghdr *nlh, size_t offset)
{
	return (char *)nlh + MNL_NLMSG_HDRLEN + MNL_ALIGN(offset);
}

void *mnl_nlmsg_get_payload_tail(const struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_ALIGN(nlh->nlmsg_len);
}

bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	/* Look at nlmsg_len only once the header is known to be there, and compare it unsigned:
	 * libmnl's (int) cast lets a hostile length of 2^31 or more pass, and then walks off. */
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned)len;
}

struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh, int *len)
{
	/* The last message's padding may be missing: *len goes negative, which is not ok. Wide
	 * arithmetic so a length near INT_MAX cannot overflow on the way. */
	long long step = MNL_ALIGN((long long)nlh->nlmsg_len), left = *len - step;

	*len = left < INT_MIN ? INT_MIN : (int)left;
	return (void *)((char *)nlh + step);
}

bool mnl_nlmsg_seq_ok(const struct nlmsghdr *nlh, unsigned int seq)
{
	return !nlh->nlmsg_seq || !seq || nlh->nlmsg_seq == seq;
}

bool mnl_nlmsg_portid_ok(const struct nlmsghdr *nlh, unsigned int portid)
{
	return !nlh->nlmsg_pid || !portid || nlh->nlmsg_pid == portid;
}

/* ---- batches ---- */

struct mnl_nlmsg_batch {
	char *buf;     /* head of the batch */
	size_t limit;  /* bytes one sendto may carry */
	size_t len;    /* bytes of complete messages at buf */
	char *cur;     /* where the next message is being built */
	bool overflow; /* the message at cur did not fit; reset() moves it to the head */
};

struct mnl_nlmsg_batch *mnl_nlmsg_batch_start(void *buf, size_t limit)
{
	struct mnl_nlmsg_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->buf = b->cur = buf;
	b->limit = limit;
	return b;
}

void mnl_nlmsg_batch_stop(struct mnl_nlmsg_batch *b)
{
	free(b);
}

bool mnl_nlmsg_batch_next(struct mnl_nlmsg_batch *b)
{
	const struct nlmsghdr *nlh = (const void *)b->cur;

	/* After a reset the carried-over message alone may exceed the limit. */
	if (b->len > b->limit || nlh->nlmsg_len > b->limit - b->len) {
		b->overflow = true;
		return false;
	}
	b->len += nlh->nlmsg_len;
	b->cur = b->buf + b->len;
	return true;
}

void mnl_nlmsg_batch_reset(struct mnl_nlmsg_batch *b)
{
	if (b->overflow) {
		const struct nlmsghdr *nlh = (const void *)b->cur;

		/* Regions overlap when the message is longer than the batch sent before it. */
		b->len = nlh->nlmsg_len;
		memmove(b->buf, b->cur, b->len);
		b->overflow = false;
	} else {
		b->len = 0;
	}
	b->cur = b->buf + b->len;
}

size_t mnl_nlmsg_batch_size(struct mnl_nlmsg_batch *b)
{
	return b->len;
}

void *mnl_nlmsg_batch_head(struct mnl_nlmsg_batch *b)
{
	return b->buf;
}

void *mnl_nlmsg_batch_current(struct mnl_nlmsg_batch *b)
{
	return b->cur;
}

bool mnl_nlmsg_batch_is_empty(struct mnl_nlmsg_batch *b)
{
	return b->len == 0;
}

/* ---- attribute getters ---- */

uint16_t mnl_attr_get_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

uint16_t mnl_attr_get_len(const struct nlattr *attr)
{
	return attr->nla_len;
}

uint16_t mnl_attr_get_payload_len(const struct nlattr *attr)
{
	return attr->nla_len - MNL_ATTR_HDRLEN;
}

void *mnl_attr_get_payload(const struct nlattr *attr)
{
	return (char *)attr + MNL_ATTR_HDRLEN;
}

/* Payloads are only 4-aligned (a u64 may not be 8-aligned, and a hostile buffer may not be
 * aligned at all): memcpy keeps strict-alignment CPUs and UBSan happy. */
uint8_t mnl_attr_get_u8(const struct nlattr *attr)
{
	return *(const uint8_t *)mnl_attr_get_payload(attr);
}

uint16_t mnl_attr_get_u16(const struct nlattr *attr)
{
	uint16_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

uint32_t mnl_attr_get_u32(const struct nlattr *attr)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

uint64_t mnl_attr_get_u64(const struct nlattr *attr)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
	return v;
}

const char *mnl_attr_get_str(const struct nlattr *attr)
{
	return mnl_attr_get_payload(attr);
}

/* ---- attribute iteration and validation ---- */

bool mnl_attr_ok(const struct nlattr *attr, int len)
{
	return len >= (int)sizeof(*attr) && attr->nla_len >= sizeof(*attr) && attr->nla_len <= len;
}

struct nlattr *mnl_attr_next(const struct nlattr *attr)
{
	return (void *)((char *)attr + MNL_ALIGN(attr->nla_len));
}

int mnl_attr_type_valid(const struct nlattr *attr, uint16_t maxtype)
{
	if (mnl_attr_get_type(attr) > maxtype) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return 1;
}

static int attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type, size_t exp_len)
{
	size_t len = mnl_attr_get_payload_len(attr);
	const char *data = mnl_attr_get_payload(attr);

	if (len < exp_len)
		goto range;
	switch (type) {
	case MNL_TYPE_FLAG:
		if (len > 0)
			goto range;
		break;
	case MNL_TYPE_NUL_STRING:
		if (len == 0)
			goto range;
		if (data[len - 1] != '\0') {
			errno = EINVAL;
			return -1;
		}
		break;
	case MNL_TYPE_STRING:
		if (len == 0)
			goto range;
		break;
	case MNL_TYPE_NESTED:
		/* An empty nest is fine; otherwise it must hold at least one attribute header. */
		if (len > 0 && len < MNL_ATTR_HDRLEN)
			goto range;
		break;
	default:
		break;
	}
	if (exp_len && len > exp_len)
		goto range;
	return 0;
range:
	errno = ERANGE;
	return -1;
}

static const uint8_t attr_type_len[MNL_TYPE_MAX] = {
	[MNL_TYPE_U8] = sizeof(uint8_t),
	[MNL_TYPE_U16] = sizeof(uint16_t),
	[MNL_TYPE_U32] = sizeof(uint32_t),
	[MNL_TYPE_U64] = sizeof(uint64_t),
	[MNL_TYPE_MSECS] = sizeof(uint64_t),
};

int mnl_attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type)
{
	if ((unsigned)type >= MNL_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	return attr_validate(attr, type, attr_type_len[type]);
}

int mnl_attr_validate2(const struct nlattr *attr, enum mnl_attr_data_type type, size_t len)
{
	if ((unsigned)type >= MNL_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	return attr_validate(attr, type, len);
}

int mnl_attr_parse_payload(const void *payload, size_t payload_len, mnl_attr_cb_t cb,
			   void *data)
{
	const struct nlattr *attr = payload;
	const char *end = (const char *)payload + payload_len;
	int ret = MNL_CB_OK;

	for (;; attr = mnl_attr_next(attr)) {
		ptrdiff_t left = end - (const char *)attr;

		/* mnl_attr_ok takes an int; no attribute is longer than 64 KiB anyway. */
		if (!mnl_attr_ok(attr, left > INT_MAX ? INT_MAX : left))
			break;
		ret = cb(attr, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	return ret;
}

int mnl_attr_parse(const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb,
		   void *data)
{
	size_t start = MNL_NLMSG_HDRLEN + MNL_ALIGN((size_t)offset);

	/* Up to nlmsg_len, not libmnl's aligned tail: a hostile message may lack its padding. An
	 * extra header longer than the message leaves no attributes at all. */
	if (start >= nlh->nlmsg_len)
		return MNL_CB_OK;
	return mnl_attr_parse_payload((const char *)nlh + start, nlh->nlmsg_len - start, cb, data);
}

int mnl_attr_parse_nested(const struct nlattr *nest, mnl_attr_cb_t cb, void *data)
{
	/* nla_len below the header would make the payload length wrap to ~64 KiB. */
	if (nest->nla_len < MNL_ATTR_HDRLEN)
		return MNL_CB_OK;
	return mnl_attr_parse_payload(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
				      cb, data);
}

/* ---- attribute putters ---- */

void mnl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);
	char *payload = (char *)attr + MNL_ATTR_HDRLEN;

	attr->nla_type = type;
	attr->nla_len = MNL_ATTR_HDRLEN + len;
	if (len)
		memcpy(payload, data, len);
	/* Zero the padding: it goes to the kernel, and to a reader comparing buffers. */
	memset(payload + len, 0, MNL_ALIGN(len) - len);
	nlh->nlmsg_len += MNL_ALIGN(MNL_ATTR_HDRLEN + len);
}

void mnl_attr_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_u16(struct nlmsghdr *nlh, uint16_t type, uint16_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t data)
{
	mnl_attr_put(nlh, type, sizeof(data), &data);
}

void mnl_attr_put_str(struct nlmsghdr *nlh, uint16_t type, const char *data)
{
	mnl_attr_put(nlh, type, strlen(data), data);
}

void mnl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *data)
{
	mnl_attr_put(nlh, type, strlen(data) + 1, data);
}

/* Would an attribute of len payload bytes fit? Also refuses what nla_len (16 bits) cannot
 * express, which libmnl would write with a wrapped length. */
static bool attr_fits(const struct nlmsghdr *nlh, size_t buflen, size_t len)
{
	if (len > UINT16_MAX - MNL_ATTR_HDRLEN || nlh->nlmsg_len > buflen)
		return false;
	return MNL_ATTR_HDRLEN + MNL_ALIGN(len) <= buflen - nlh->nlmsg_len;
}

bool mnl_attr_put_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, size_t len,
			const void *data)
{
	if (!attr_fits(nlh, buflen, len))
		return false;
	mnl_attr_put(nlh, type, len, data);
	return true;
}

bool mnl_attr_put_u8_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint8_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof(data), &data);
}

bool mnl_attr_put_u16_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint16_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof(data), &data);
}

bool mnl_attr_put_u32_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint32_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof(data), &data);
}

bool mnl_attr_put_u64_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint64_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof(data), &data);
}

bool mnl_attr_put_str_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, const char *data)
{
	return mnl_attr_put_check(nlh, buflen, type, strlen(data), data);
}

bool mnl_attr_put_strz_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			     const char *data)
{
	return mnl_attr_put_check(nlh, buflen, type, strlen(data) + 1, data);
}

/* nla_len stays unset until nest_end, when the nest's size is known. */
struct nlattr *mnl_attr_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *start = mnl_nlmsg_get_payload_tail(nlh);

	start->nla_type = NLA_F_NESTED | type;
	nlh->nlmsg_len += MNL_ATTR_HDRLEN;
	return start;
}

struct nlattr *mnl_attr_nest_start_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type)
{
	if (!attr_fits(nlh, buflen, 0))
		return NULL;
	return mnl_attr_nest_start(nlh, type);
}

void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start)
{
	start->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)start;
}

void mnl_attr_nest_cancel(struct nlmsghdr *nlh, struct nlattr *start)
{
	nlh->nlmsg_len -= (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)start;
}

/* ---- callbacks ---- */

static int cb_noop(const struct nlmsghdr *nlh UNUSED, void *data UNUSED)
{
	return MNL_CB_OK;
}

static int cb_done(const struct nlmsghdr *nlh UNUSED, void *data UNUSED)
{
	return MNL_CB_STOP;
}

/* An ack is an NLMSG_ERROR with error 0. */
static int cb_error(const struct nlmsghdr *nlh, void *data UNUSED)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Some subsystems send the errno positive; the kernel proper sends it negative. Negated
	 * unsigned, so a hostile INT_MIN is no overflow. */
	errno = e->error < 0 ? (int)(0u - (unsigned)e->error) : e->error;
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static const mnl_cb_t default_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = cb_noop,
	[NLMSG_ERROR] = cb_error,
	[NLMSG_DONE] = cb_done,
	[NLMSG_OVERRUN] = cb_noop,
};

int mnl_cb_run2(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid,
		mnl_cb_t cb_data, void *data, mnl_cb_t *cb_ctl_array,
		unsigned int cb_ctl_array_len)
{
	const struct nlmsghdr *nlh = buf;
	int len = numbytes > INT_MAX ? INT_MAX : (int)numbytes;
	int ret = MNL_CB_OK;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		mnl_cb_t cb = NULL;

		if (!mnl_nlmsg_portid_ok(nlh, portid)) {
			errno = ESRCH;
			return MNL_CB_ERROR;
		}
		if (!mnl_nlmsg_seq_ok(nlh, seq)) {
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
		/* The table changed during the dump: what was read is inconsistent. */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			errno = EINTR;
			return MNL_CB_ERROR;
		}
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			cb = cb_data;
		else if (nlh->nlmsg_type < cb_ctl_array_len)
			cb = cb_ctl_array ? cb_ctl_array[nlh->nlmsg_type] : NULL;
		else
			cb = default_ctl_cb[nlh->nlmsg_type];
		if (cb) {
			ret = cb(nlh, data);
			if (ret <= MNL_CB_STOP)
				return ret;
		}
	}
	return ret;
}

int mnl_cb_run(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid,
	       mnl_cb_t cb_data, void *data)
{
	return mnl_cb_run2(buf, numbytes, seq, portid, cb_data, data, NULL, 0);
}

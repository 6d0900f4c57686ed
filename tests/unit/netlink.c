/* Netlink (include/netlink.h): the same tests pass against libbb/netlink.c and the target's
 * libmnl. Building, parsing and hostile input on synthetic buffers; then rtnetlink for real,
 * as root, inside a network namespace of the test's own so the host is never touched. */
#include "unit.h"
#include "netlink.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#define ALIGNED __attribute__((aligned(8)))

/* Every byte from p on for n bytes equals c: padding zeroed, refused writes left no trace. */
static bool all_bytes(const void *p, size_t n, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return false;
	return true;
}

/* Messages and attributes land on 4-byte boundaries whatever their payload. */
#define CHECK_ALIGNED(nlh) CHECK_INT((nlh)->nlmsg_len % MNL_ALIGNTO, 0)

TEST(nlmsg_header_and_extra_header)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	char *odd;

	CHECK_INT(MNL_ALIGN(1), 4);
	CHECK_INT(MNL_ALIGN(4), 4);
	CHECK_INT(MNL_ALIGN(5), 8);
	CHECK_INT(MNL_NLMSG_HDRLEN, 16);
	CHECK_INT(MNL_ATTR_HDRLEN, 4);
	CHECK_INT(mnl_nlmsg_size(10), 26);
	CHECK(MNL_SOCKET_BUFFER_SIZE >= 4096 && MNL_SOCKET_BUFFER_SIZE <= 8192);

	memset(buf, 0xaa, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	CHECK((char *)nlh == buf);
	CHECK_INT(nlh->nlmsg_len, 16);
	CHECK_INT(nlh->nlmsg_type, 0);
	CHECK_INT(nlh->nlmsg_flags, 0);
	CHECK_INT(nlh->nlmsg_seq, 0);
	CHECK_INT(nlh->nlmsg_pid, 0);
	CHECK_INT(mnl_nlmsg_get_payload_len(nlh), 0);

	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	CHECK((void *)ifm == mnl_nlmsg_get_payload(nlh));
	CHECK((char *)ifm == buf + 16);
	CHECK_INT(nlh->nlmsg_len, 16 + sizeof(*ifm));
	CHECK(all_bytes(ifm, sizeof(*ifm), 0));

	odd = mnl_nlmsg_put_extra_header(nlh, 5);
	CHECK(odd == buf + 32);
	CHECK_INT(nlh->nlmsg_len, 40);
	CHECK(all_bytes(odd, 8, 0)); /* the 3 padding bytes too */
	CHECK(all_bytes(buf + 40, sizeof(buf) - 40, 0xaa));
	CHECK_ALIGNED(nlh);

	CHECK_INT(mnl_nlmsg_get_payload_len(nlh), 24);
	CHECK((char *)mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifm)) == buf + 32);
	CHECK((char *)mnl_nlmsg_get_payload_offset(nlh, 5) == buf + 24);
	CHECK((char *)mnl_nlmsg_get_payload_tail(nlh) == buf + 40);
}

TEST(nlmsg_iteration_and_checks)
{
	char buf[64] ALIGNED = {0};
	struct nlmsghdr *a = (struct nlmsghdr *)buf, *b;
	int len = sizeof(buf);

	a->nlmsg_len = 20; /* unaligned: the next message starts at 20 all the same */
	a->nlmsg_seq = 7;
	b = (struct nlmsghdr *)(buf + 20);
	b->nlmsg_len = 16;
	b->nlmsg_pid = 99;
	CHECK(mnl_nlmsg_ok(a, len));
	CHECK(mnl_nlmsg_next(a, &len) == b);
	CHECK_INT(len, 44);
	CHECK(mnl_nlmsg_ok(b, len));
	mnl_nlmsg_next(b, &len);
	CHECK_INT(len, 28);
	CHECK(!mnl_nlmsg_ok(b, 15)); /* header cut short */
	CHECK(!mnl_nlmsg_ok(a, 19)); /* message cut short */
	a->nlmsg_len = 15;
	CHECK(!mnl_nlmsg_ok(a, len)); /* shorter than a header */

	/* 0 on either side means "don't check": notifications, the kernel's port */
	CHECK(mnl_nlmsg_seq_ok(a, 7));
	CHECK(!mnl_nlmsg_seq_ok(a, 8));
	CHECK(mnl_nlmsg_seq_ok(a, 0));
	CHECK(mnl_nlmsg_seq_ok(b, 8));
	CHECK(mnl_nlmsg_portid_ok(b, 99));
	CHECK(!mnl_nlmsg_portid_ok(b, 98));
	CHECK(mnl_nlmsg_portid_ok(b, 0));
	CHECK(mnl_nlmsg_portid_ok(a, 98));
}

/* ---- attributes ---- */

enum {
	T_U8 = 1,
	T_U16,
	T_U32,
	T_U64,
	T_STR,
	T_STRZ,
	T_FLAG,
	T_BIN,
	T_MSECS,
	T_MAX = T_MSECS,
};

static const enum mnl_attr_data_type policy[T_MAX + 1] = {
	[T_U8] = MNL_TYPE_U8,
	[T_U16] = MNL_TYPE_U16,
	[T_U32] = MNL_TYPE_U32,
	[T_U64] = MNL_TYPE_U64,
	[T_STR] = MNL_TYPE_STRING,
	[T_STRZ] = MNL_TYPE_NUL_STRING,
	[T_FLAG] = MNL_TYPE_FLAG,
	[T_BIN] = MNL_TYPE_BINARY,
	[T_MSECS] = MNL_TYPE_MSECS,
};

struct table {
	const struct nlattr *tb[T_MAX + 1];
	int seen, stop_at, fail_at;
};

/* The usual libmnl parse callback: reject unknown types and bad lengths, keep the rest. */
static int table_cb(const struct nlattr *attr, void *data)
{
	struct table *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	t->seen++;
	if (type == t->stop_at)
		return MNL_CB_STOP;
	if (type == t->fail_at)
		return MNL_CB_ERROR;
	if (mnl_attr_type_valid(attr, T_MAX) < 0 || mnl_attr_validate(attr, policy[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static const uint8_t mac[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

static struct nlmsghdr *build_every_type(char *buf, size_t size)
{
	struct nlmsghdr *nlh;
	struct nlattr *u8;

	memset(buf, 0xaa, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));

	u8 = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u8(nlh, T_U8, 0x12);
	CHECK_INT(mnl_attr_get_len(u8), 5);
	CHECK_INT(mnl_attr_get_payload_len(u8), 1);
	/* Ours zeroes the padding; Debian's libmnl 1.0.4 leaves whatever the buffer held there
	 * (so callers memset their buffers either way). */
	if (!ENABLE_FEATURE_SYSTEM_LIBMNL)
		CHECK(all_bytes((char *)u8 + 5, 3, 0));
	CHECK_ALIGNED(nlh);
	mnl_attr_put_u16(nlh, T_U16, 0x3456);
	CHECK_ALIGNED(nlh);
	mnl_attr_put_u32(nlh, T_U32, 0x789abcde);
	mnl_attr_put_u64(nlh, T_U64, 0x0123456789abcdefULL);
	mnl_attr_put_str(nlh, T_STR, "eth0");
	mnl_attr_put_strz(nlh, T_STRZ, "veth-peer");
	CHECK_ALIGNED(nlh);
	mnl_attr_put(nlh, T_FLAG, 0, "");
	mnl_attr_put(nlh, T_BIN, sizeof(mac), mac);
	CHECK_ALIGNED(nlh);
	mnl_attr_put_u64(nlh, T_MSECS, 1500);
	CHECK(all_bytes((char *)mnl_nlmsg_get_payload_tail(nlh), 16, 0xaa));
	return nlh;
}

TEST(attr_put_and_parse_every_type)
{
	char buf[512] ALIGNED;
	struct nlmsghdr *nlh = build_every_type(buf, sizeof(buf));
	struct table t = {0};
	const struct nlattr *attr;
	int n = 0;

	/* 32 + 8 (u8) + 8 (u16) + 8 (u32) + 12 (u64) + 8 ("eth0") + 16 ("veth-peer\0") + 4 (flag)
	 * + 12 (6 bytes) + 12 (u64) */
	CHECK_INT(nlh->nlmsg_len, 120);
	CHECK_INT(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), table_cb, &t), MNL_CB_OK);
	CHECK_INT(t.seen, T_MAX);
	for (int i = 1; i <= T_MAX; i++)
		CHECK(t.tb[i] != NULL);
	if (t.seen != T_MAX)
		return;
	CHECK_INT(mnl_attr_get_u8(t.tb[T_U8]), 0x12);
	CHECK_INT(mnl_attr_get_u16(t.tb[T_U16]), 0x3456);
	CHECK_INT(mnl_attr_get_u32(t.tb[T_U32]), 0x789abcde);
	CHECK(mnl_attr_get_u64(t.tb[T_U64]) == 0x0123456789abcdefULL);
	CHECK_INT(mnl_attr_get_payload_len(t.tb[T_STR]), 4);
	CHECK(memcmp(mnl_attr_get_str(t.tb[T_STR]), "eth0", 4) == 0);
	CHECK_STR(mnl_attr_get_str(t.tb[T_STRZ]), "veth-peer");
	CHECK_INT(mnl_attr_get_payload_len(t.tb[T_FLAG]), 0);
	CHECK(memcmp(mnl_attr_get_payload(t.tb[T_BIN]), mac, sizeof(mac)) == 0);
	CHECK(mnl_attr_get_u64(t.tb[T_MSECS]) == 1500);

	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg))
		n++;
	CHECK_INT(n, T_MAX);

	/* A callback's STOP or ERROR ends the walk and is what parse returns. */
	memset(&t, 0, sizeof(t));
	t.stop_at = T_U32;
	CHECK_INT(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), table_cb, &t), MNL_CB_STOP);
	CHECK_INT(t.seen, 3);
	memset(&t, 0, sizeof(t));
	t.fail_at = T_STR;
	CHECK_INT(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), table_cb, &t), MNL_CB_ERROR);
	CHECK_INT(t.seen, 5);
}

TEST(attr_validate_rejects_wrong_lengths)
{
	char buf[512] ALIGNED;
	struct nlmsghdr *nlh = build_every_type(buf, sizeof(buf));
	struct table t = {0};
	struct nlattr *empty;

	CHECK_INT(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), table_cb, &t), MNL_CB_OK);
	if (t.seen != T_MAX)
		return;
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_U32], MNL_TYPE_U64), -1); /* too short */
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_U64], MNL_TYPE_U32), -1); /* too long */
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_STR], MNL_TYPE_NUL_STRING), -1); /* no NUL */
	CHECK_INT(errno, EINVAL);
	CHECK_INT(mnl_attr_validate(t.tb[T_STR], MNL_TYPE_STRING), 0);
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_U8], MNL_TYPE_FLAG), -1);
	CHECK_INT(errno, ERANGE);
	CHECK_INT(mnl_attr_validate2(t.tb[T_BIN], MNL_TYPE_BINARY, sizeof(mac)), 0);
	errno = 0;
	CHECK_INT(mnl_attr_validate2(t.tb[T_BIN], MNL_TYPE_BINARY, 4), -1);
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(mnl_attr_validate2(t.tb[T_BIN], MNL_TYPE_BINARY, 8), -1);
	CHECK_INT(errno, ERANGE);
	CHECK_INT(mnl_attr_validate(t.tb[T_BIN], MNL_TYPE_UNSPEC), 0);
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_U8], MNL_TYPE_MAX), -1);
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK_INT(mnl_attr_type_valid(t.tb[T_MSECS], T_MSECS - 1), -1);
	CHECK_INT(errno, EOPNOTSUPP);
	CHECK_INT(mnl_attr_type_valid(t.tb[T_MSECS], T_MSECS), 1);

	/* Empty strings are refused; an empty nest is not. */
	empty = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, T_STR, 0, "");
	errno = 0;
	CHECK_INT(mnl_attr_validate(empty, MNL_TYPE_STRING), -1);
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(mnl_attr_validate(empty, MNL_TYPE_NUL_STRING), -1);
	CHECK_INT(errno, ERANGE);
	CHECK_INT(mnl_attr_validate(empty, MNL_TYPE_NESTED), 0);
	errno = 0;
	CHECK_INT(mnl_attr_validate(t.tb[T_U16], MNL_TYPE_NESTED), -1); /* 2 bytes: no header */
	CHECK_INT(errno, ERANGE);
}

static int count_cb(const struct nlattr *attr UNUSED, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

TEST(attr_nested_and_cancel)
{
	char buf[512] ALIGNED;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest, *inner, *cancelled, *attr, *empty;
	uint32_t before;
	int n = 0;

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a");
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	CHECK(nest->nla_type & NLA_F_NESTED);
	CHECK_INT(mnl_attr_get_type(nest), IFLA_LINKINFO);
	mnl_attr_put_u32(nlh, 1, 7);
	mnl_attr_put_strz(nlh, 2, "x");
	inner = mnl_attr_nest_start(nlh, 3);
	mnl_attr_put_u8(nlh, 1, 9);
	mnl_attr_nest_end(nlh, inner);
	mnl_attr_nest_end(nlh, nest);
	CHECK_INT(mnl_attr_get_len(inner), 4 + 8);
	CHECK_INT(mnl_attr_get_len(nest), (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest);
	CHECK_INT(mnl_attr_get_len(nest), 4 + 8 + 8 + 12);
	CHECK_ALIGNED(nlh);

	/* Cancelling a half-built nest takes the message back to where it started. */
	before = nlh->nlmsg_len;
	cancelled = mnl_attr_nest_start(nlh, 4);
	mnl_attr_put_u32(nlh, 1, 1);
	mnl_attr_put_strz(nlh, 2, "gone");
	mnl_attr_nest_cancel(nlh, cancelled);
	CHECK_INT(nlh->nlmsg_len, before);

	CHECK_INT(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 2);
	CHECK_INT(mnl_attr_validate(nest, MNL_TYPE_NESTED), 0);
	n = 0;
	CHECK_INT(mnl_attr_parse_nested(nest, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 3);
	n = 0;
	mnl_attr_for_each_nested(attr, nest)
		n++;
	CHECK_INT(n, 3);
	n = 0;
	mnl_attr_for_each_payload(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest))
		n++;
	CHECK_INT(n, 3);
	n = 0;
	CHECK_INT(mnl_attr_parse_payload(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
					 count_cb, &n),
		  MNL_CB_OK);
	CHECK_INT(n, 3);
	n = 0;
	CHECK_INT(mnl_attr_parse_nested(inner, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 1);
	attr = mnl_attr_get_payload(inner);
	CHECK_INT(mnl_attr_get_u8(attr), 9);
	CHECK(mnl_attr_next(attr) == (struct nlattr *)((char *)attr + 8));

	empty = mnl_attr_nest_start(nlh, 5);
	mnl_attr_nest_end(nlh, empty);
	CHECK_INT(mnl_attr_get_len(empty), 4);
	n = 0;
	CHECK_INT(mnl_attr_parse_nested(empty, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 0);
}

TEST(attr_put_check_refuses_overflow)
{
	char buf[128] ALIGNED;
	const size_t size = 64;
	struct nlmsghdr *nlh;

	memset(buf, 0xaa, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	for (int i = 0; i < 6; i++)
		CHECK(mnl_attr_put_u32_check(nlh, size, 1, i));
	CHECK_INT(nlh->nlmsg_len, size); /* full to the byte */
	CHECK(!mnl_attr_put_u8_check(nlh, size, 1, 1));
	CHECK(!mnl_attr_put_u16_check(nlh, size, 1, 1));
	CHECK(!mnl_attr_put_u32_check(nlh, size, 1, 1));
	CHECK(!mnl_attr_put_u64_check(nlh, size, 1, 1));
	CHECK(!mnl_attr_put_str_check(nlh, size, 1, ""));
	CHECK(!mnl_attr_put_strz_check(nlh, size, 1, ""));
	CHECK(!mnl_attr_put_check(nlh, size, 1, 0, ""));
	CHECK(mnl_attr_nest_start_check(nlh, size, 1) == NULL);
	CHECK_INT(nlh->nlmsg_len, size);
	CHECK(all_bytes(buf + size, sizeof(buf) - size, 0xaa));

	/* The padding counts: 45 bytes need 4 + 48. */
	nlh = mnl_nlmsg_put_header(buf);
	CHECK(!mnl_attr_put_check(nlh, size, 1, 45, buf + 64));
	CHECK(mnl_attr_put_check(nlh, size, 1, 44, buf + 64));
	CHECK_INT(nlh->nlmsg_len, size);

	nlh = mnl_nlmsg_put_header(buf);
	CHECK(mnl_attr_put_str_check(nlh, 24, 1, "abcd"));   /* 4 + 4, no NUL */
	CHECK(!mnl_attr_put_strz_check(nlh, 32, 1, "abcd")); /* 4 + 5 -> 12 */
	CHECK(mnl_attr_put_strz_check(nlh, 36, 1, "abcd"));
	CHECK_INT(nlh->nlmsg_len, 36);
	CHECK(mnl_attr_put_u64_check(nlh, 48, 1, 1));
	CHECK(mnl_attr_nest_start_check(nlh, 51, 2) == NULL);
	CHECK(mnl_attr_nest_start_check(nlh, 52, 2) != NULL);
	CHECK_INT(nlh->nlmsg_len, 52);
}

/* Hostile input: each buffer is malloc'd to its exact size, so the ASan build catches any
 * read past it. libmnl's rule: a malformed attribute or message ends the walk quietly. */
static void *exact_copy(const void *p, size_t n)
{
	void *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return c;
}

static struct nlmsghdr *msg_with_attr(char *buf, uint16_t nla_len, size_t payload)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	attr->nla_type = 1;
	attr->nla_len = nla_len;
	memset(attr + 1, 'x', payload);
	nlh->nlmsg_len += MNL_ATTR_HDRLEN + payload;
	return nlh;
}

TEST(attr_hostile_buffers_rejected)
{
	char buf[256] ALIGNED = {0};
	struct nlmsghdr *nlh;
	cleanup_free void *one = exact_copy(buf, 1), *bad1 = NULL, *bad2 = NULL, *bad3 = NULL;
	cleanup_free void *bad4 = NULL, *ok = NULL;
	int n;

	/* Fewer bytes than a header: nla_len is not even looked at. */
	CHECK(!mnl_attr_ok(one, 1));
	CHECK(!mnl_attr_ok(one, 0));
	CHECK(!mnl_attr_ok(one, -4));

	/* nla_len below the header size */
	nlh = msg_with_attr(buf, 2, 4);
	bad1 = exact_copy(buf, nlh->nlmsg_len);
	n = 0;
	CHECK_INT(mnl_attr_parse(bad1, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 0);

	/* nla_len past the end of the message (and of the buffer) */
	nlh = msg_with_attr(buf, 200, 4);
	bad2 = exact_copy(buf, nlh->nlmsg_len);
	n = 0;
	CHECK_INT(mnl_attr_parse(bad2, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 0);
	CHECK(!mnl_attr_ok(mnl_nlmsg_get_payload(bad2), 8));

	/* One good attribute, then a truncated one: the good one is seen, the walk stops. */
	nlh = mnl_nlmsg_put_header(buf);
	mnl_attr_put_u32(nlh, 1, 1);
	((struct nlattr *)mnl_nlmsg_get_payload_tail(nlh))->nla_len = 12;
	((struct nlattr *)mnl_nlmsg_get_payload_tail(nlh))->nla_type = 2;
	nlh->nlmsg_len += 6; /* 6 of its 12 bytes */
	bad3 = exact_copy(buf, nlh->nlmsg_len);
	n = 0;
	CHECK_INT(mnl_attr_parse(bad3, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 1);

	/* A nest whose child claims more than the nest holds */
	nlh = mnl_nlmsg_put_header(buf);
	{
		struct nlattr *nest = mnl_attr_nest_start(nlh, 1);

		mnl_attr_put_u32(nlh, 1, 1);
		mnl_attr_nest_end(nlh, nest);
		((struct nlattr *)mnl_attr_get_payload(nest))->nla_len = 20;
	}
	bad4 = exact_copy(buf, nlh->nlmsg_len);
	n = 0;
	CHECK_INT(mnl_attr_parse(bad4, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 1);
	n = 0;
	CHECK_INT(mnl_attr_parse_nested(mnl_nlmsg_get_payload(bad4), count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 0);

	/* An extra header larger than the message leaves nothing to parse. */
	n = 0;
	CHECK_INT(mnl_attr_parse(bad4, 64, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 0);

	/* An unaligned nlmsg_len whose last attribute ends right on it is fine. */
	nlh = msg_with_attr(buf, 9, 5);
	CHECK_INT(nlh->nlmsg_len, 25);
	ok = exact_copy(buf, nlh->nlmsg_len);
	n = 0;
	CHECK_INT(mnl_attr_parse(ok, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, 1);

	/* One that runs into the missing padding: libmnl takes the attribute (its walk ends at
	 * the aligned tail, past the buffer); ours ends at nlmsg_len and refuses it. */
	((struct nlattr *)mnl_nlmsg_get_payload(ok))->nla_len = 12;
	n = 0;
	CHECK_INT(mnl_attr_parse(ok, 0, count_cb, &n), MNL_CB_OK);
	CHECK_INT(n, ENABLE_FEATURE_SYSTEM_LIBMNL ? 1 : 0);
}

/* ---- mnl_cb_run on synthetic answers ---- */

struct answer {
	char buf[1024] ALIGNED;
	size_t len;
};

static struct nlmsghdr *add_msg(struct answer *a, uint16_t type, uint16_t flags, uint32_t seq,
				uint32_t pid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(a->buf + a->len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	return nlh;
}

static void end_msg(struct answer *a, struct nlmsghdr *nlh)
{
	a->len += MNL_ALIGN(nlh->nlmsg_len);
}

static void add_data(struct answer *a, uint32_t seq, uint32_t pid, uint32_t value)
{
	struct nlmsghdr *nlh = add_msg(a, RTM_NEWLINK, NLM_F_MULTI, seq, pid);

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nlh, IFLA_MTU, value);
	end_msg(a, nlh);
}

static void add_error(struct answer *a, uint32_t seq, uint32_t pid, int error)
{
	struct nlmsghdr *nlh = add_msg(a, NLMSG_ERROR, 0, seq, pid);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	end_msg(a, nlh);
}

static void add_done(struct answer *a, uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *nlh = add_msg(a, NLMSG_DONE, NLM_F_MULTI, seq, pid);

	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	end_msg(a, nlh);
}

struct seen {
	int n;
	uint32_t sum;
	int stop_after; /* return STOP from this data message on */
	int fail_after;
};

static int mtu_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_MTU && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*(uint32_t *)data = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	uint32_t mtu = 0;

	CHECK_INT(nlh->nlmsg_type, RTM_NEWLINK);
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), mtu_attr_cb, &mtu);
	s->n++;
	s->sum += mtu;
	if (s->stop_after && s->n >= s->stop_after)
		return MNL_CB_STOP;
	if (s->fail_after && s->n >= s->fail_after)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

TEST(cb_run_ack_and_errors)
{
	struct answer a = {.len = 0};
	struct seen s = {0};

	add_error(&a, 5, 100, 0);
	errno = EBUSY;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 5, 100, data_cb, &s), MNL_CB_STOP);
	CHECK_INT(errno, 0); /* libmnl sets errno from the ack's error field, 0 */

	a.len = 0;
	add_error(&a, 5, 100, -ENODEV);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 5, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, ENODEV);

	/* Some subsystems send the errno positive. */
	a.len = 0;
	add_error(&a, 5, 100, EPERM);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 5, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, EPERM);

	/* An error message too short to hold struct nlmsgerr, in a buffer cut to size */
	a.len = 0;
	{
		struct nlmsghdr *nlh = add_msg(&a, NLMSG_ERROR, 0, 5, 100);
		cleanup_free void *cut = NULL;

		nlh->nlmsg_len += 4;
		cut = exact_copy(a.buf, nlh->nlmsg_len);
		errno = 0;
		CHECK_INT(mnl_cb_run(cut, nlh->nlmsg_len, 5, 100, data_cb, &s), MNL_CB_ERROR);
		CHECK_INT(errno, EBADMSG);
	}
	CHECK_INT(s.n, 0);
}

TEST(cb_run_multipart_until_done)
{
	struct answer a = {.len = 0}, b = {.len = 0};
	struct seen s = {0};

	/* A dump spread over two reads: the first asks for more, the second ends at DONE. */
	add_data(&a, 9, 100, 1);
	add_data(&a, 9, 100, 2);
	add_data(&b, 9, 100, 4);
	add_done(&b, 9, 100);
	add_data(&b, 9, 100, 8); /* after DONE: never seen */
	CHECK_INT(mnl_cb_run(a.buf, a.len, 9, 100, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.n, 2);
	CHECK_INT(mnl_cb_run(b.buf, b.len, 9, 100, data_cb, &s), MNL_CB_STOP);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.sum, 7);

	/* No data callback: data messages are skipped, control ones still count. */
	CHECK_INT(mnl_cb_run(b.buf, b.len, 9, 100, NULL, NULL), MNL_CB_STOP);
	CHECK_INT(mnl_cb_run(a.buf, 0, 9, 100, data_cb, &s), MNL_CB_OK); /* nothing to do */

	/* NOOP and OVERRUN are passed over. */
	a.len = 0;
	end_msg(&a, add_msg(&a, NLMSG_NOOP, 0, 9, 100));
	end_msg(&a, add_msg(&a, NLMSG_OVERRUN, 0, 9, 100));
	add_data(&a, 9, 100, 16);
	CHECK_INT(mnl_cb_run(a.buf, a.len, 9, 100, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.sum, 23);
}

TEST(cb_run_callback_stop_and_error)
{
	struct answer a = {.len = 0};
	struct seen s = {.stop_after = 2};

	for (int i = 0; i < 4; i++)
		add_data(&a, 1, 0, 1);
	CHECK_INT(mnl_cb_run(a.buf, a.len, 1, 0, data_cb, &s), MNL_CB_STOP);
	CHECK_INT(s.n, 2);
	s = (struct seen){.fail_after = 3};
	CHECK_INT(mnl_cb_run(a.buf, a.len, 1, 0, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(s.n, 3);
}

TEST(cb_run_rejects_wrong_seq_and_portid)
{
	struct answer a = {.len = 0};
	struct seen s = {0};

	add_data(&a, 3, 100, 1);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 4, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, EPROTO);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 3, 101, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, ESRCH);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 4, 101, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, ESRCH); /* the port id is checked first */
	CHECK_INT(s.n, 0);

	/* Even an error message is refused when it answers someone else's request. */
	a.len = 0;
	add_error(&a, 3, 100, -EPERM);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 4, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, EPROTO);

	/* 0 on either side disables the check: unsolicited notifications, unbound callers. */
	a.len = 0;
	add_data(&a, 0, 0, 1);
	CHECK_INT(mnl_cb_run(a.buf, a.len, 4, 101, data_cb, &s), MNL_CB_OK);
	a.len = 0;
	add_data(&a, 3, 100, 1);
	CHECK_INT(mnl_cb_run(a.buf, a.len, 0, 0, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.n, 2);

	/* A good message, then a stray one: the good one is handled before the refusal. */
	add_data(&a, 8, 100, 1);
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 3, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, EPROTO);
	CHECK_INT(s.n, 3);
}

TEST(cb_run_dump_interrupted)
{
	struct answer a = {.len = 0};
	struct seen s = {0};

	add_data(&a, 2, 100, 1);
	((struct nlmsghdr *)a.buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	errno = 0;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 2, 100, data_cb, &s), MNL_CB_ERROR);
	CHECK_INT(errno, EINTR);
	CHECK_INT(s.n, 0);
}

TEST(cb_run_hostile_messages)
{
	struct answer a = {.len = 0};
	struct seen s = {0};
	struct nlmsghdr *nlh;
	cleanup_free void *cut = NULL, *tiny = NULL;

	/* A message claiming more than was received is not handed on. */
	add_data(&a, 1, 0, 1);
	nlh = (struct nlmsghdr *)a.buf;
	cut = exact_copy(a.buf, a.len - 4);
	CHECK_INT(mnl_cb_run(cut, a.len - 4, 1, 0, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.n, 0);
	/* nlmsg_len below the header size ends the walk too. */
	nlh->nlmsg_len = 8;
	CHECK_INT(mnl_cb_run(a.buf, a.len, 1, 0, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.n, 0);
	tiny = exact_copy(a.buf, 10);
	CHECK_INT(mnl_cb_run(tiny, 10, 1, 0, data_cb, &s), MNL_CB_OK);
	CHECK_INT(s.n, 0);
}

static int count_msg_cb(const struct nlmsghdr *nlh UNUSED, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

TEST(cb_run2_control_callbacks)
{
	struct answer a = {.len = 0};
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = count_msg_cb};
	int n = 0;

	add_error(&a, 1, 0, -EPERM);
	add_done(&a, 1, 0);
	/* The table replaces the defaults for every type it covers: the error is counted, not
	 * fatal, and DONE, with no entry of its own, is ignored rather than stopping. */
	CHECK_INT(mnl_cb_run2(a.buf, a.len, 1, 0, NULL, &n, ctl, ARRAY_SIZE(ctl)), MNL_CB_OK);
	CHECK_INT(n, 1);
	/* A shorter table leaves the types past its end to the defaults: DONE stops. */
	n = 0;
	CHECK_INT(mnl_cb_run2(a.buf, a.len, 1, 0, NULL, &n, ctl, NLMSG_ERROR + 1), MNL_CB_STOP);
	CHECK_INT(n, 1);
	n = 0;
	CHECK_INT(mnl_cb_run2(a.buf, a.len, 1, 0, NULL, &n, NULL, 0), MNL_CB_ERROR);
	CHECK_INT(n, 0);
}

/* ---- batches ---- */

static struct nlmsghdr *batch_add(struct mnl_nlmsg_batch *b, uint32_t seq, size_t payload)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));

	nlh->nlmsg_seq = seq;
	memset(mnl_nlmsg_put_extra_header(nlh, payload), (int)seq, payload);
	return nlh;
}

TEST(batch_fill_overflow_and_reset)
{
	char buf[2 * 64] ALIGNED; /* twice the limit, as libmnl asks */
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, 64);
	struct nlmsghdr *head;

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK(mnl_nlmsg_batch_is_empty(b));
	CHECK_INT(mnl_nlmsg_batch_size(b), 0);
	CHECK((char *)mnl_nlmsg_batch_head(b) == buf);
	CHECK((char *)mnl_nlmsg_batch_current(b) == buf);

	batch_add(b, 1, 8);
	CHECK(mnl_nlmsg_batch_next(b));
	CHECK(!mnl_nlmsg_batch_is_empty(b));
	CHECK_INT(mnl_nlmsg_batch_size(b), 24);
	CHECK((char *)mnl_nlmsg_batch_current(b) == buf + 24);
	batch_add(b, 2, 8);
	CHECK(mnl_nlmsg_batch_next(b));
	CHECK_INT(mnl_nlmsg_batch_size(b), 48);

	/* The third does not fit: the batch stays as it was, the message waits past it. */
	batch_add(b, 3, 20);
	CHECK(!mnl_nlmsg_batch_next(b));
	CHECK_INT(mnl_nlmsg_batch_size(b), 48);
	CHECK((char *)mnl_nlmsg_batch_current(b) == buf + 48);

	/* (the first 48 bytes go out here) then reset carries the waiting message to the head */
	mnl_nlmsg_batch_reset(b);
	head = mnl_nlmsg_batch_head(b);
	CHECK_INT(mnl_nlmsg_batch_size(b), 36);
	CHECK_INT(head->nlmsg_seq, 3);
	CHECK_INT(head->nlmsg_len, 36);
	CHECK(all_bytes(mnl_nlmsg_get_payload(head), 20, 3));
	CHECK((char *)mnl_nlmsg_batch_current(b) == buf + 36);

	/* Exactly full is still fine. */
	batch_add(b, 4, 12);
	CHECK(mnl_nlmsg_batch_next(b));
	CHECK_INT(mnl_nlmsg_batch_size(b), 64);

	mnl_nlmsg_batch_reset(b);
	CHECK(mnl_nlmsg_batch_is_empty(b));
	CHECK((char *)mnl_nlmsg_batch_current(b) == buf);
	mnl_nlmsg_batch_stop(b);
}

/* ---- rtnetlink, for real, in a private network namespace ---- */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
};

static void nl_open_private_netns(struct nl *nl)
{
	SKIP_UNLESS_ROOT();
	if (unshare(CLONE_NEWNET) < 0)
		unit_skip("unshare(CLONE_NEWNET): %s", strerror(errno));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	CHECK(nl->sock != NULL);
	if (!nl->sock)
		exit(1); /* a failure, not a skip: root in a fresh namespace can always do this */
	CHECK_INT(mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID), 0);
	nl->portid = mnl_socket_get_portid(nl->sock);
	CHECK(nl->portid != 0);
	CHECK(mnl_socket_get_fd(nl->sock) >= 0);
	nl->seq = 1000;
}

/* One request, then answers until the ack or DONE: 0, or -1 with errno. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[32768] ALIGNED;
	int ret;

	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));

		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, n, nl->seq, nl->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

struct link {
	char name[IFNAMSIZ];
	int index;
	unsigned flags;
};

struct links {
	struct link l[16];
	int n;
};

static int ifname_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_IFNAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *ls = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const char *name = NULL;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_ERROR;
	if (mnl_attr_parse(nlh, sizeof(*ifm), ifname_cb, &name) < 0 || !name)
		return MNL_CB_ERROR;
	if (ls->n < (int)ARRAY_SIZE(ls->l)) {
		struct link *l = &ls->l[ls->n++];

		snprintf(l->name, sizeof(l->name), "%s", name);
		l->index = ifm->ifi_index;
		l->flags = ifm->ifi_flags;
	}
	return MNL_CB_OK;
}

static int dump_links(struct nl *nl, struct links *ls)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	memset(ls, 0, sizeof(*ls));
	return nl_talk(nl, nlh, link_cb, ls);
}

static const struct link *find_link(const struct links *ls, const char *name)
{
	for (int i = 0; i < ls->n; i++)
		if (STREQ(ls->l[i].name, name))
			return &ls->l[i];
	return NULL;
}

TEST(rtnl_dump_links_finds_lo)
{
	struct nl nl;
	struct links ls;
	const struct link *lo;

	nl_open_private_netns(&nl);
	CHECK_INT(dump_links(&nl, &ls), 0);
	lo = find_link(&ls, "lo");
	CHECK(lo != NULL);
	if (lo) {
		CHECK_INT(lo->index, 1); /* registered first in every namespace */
		CHECK(lo->flags & IFF_LOOPBACK);
	}
	CHECK_INT(mnl_socket_close(nl.sock), 0);
}

TEST(rtnl_recvfrom_refuses_short_buffer)
{
	char buf[256] ALIGNED, small[32] ALIGNED;
	struct nlmsghdr *nlh;
	struct nl nl;

	nl_open_private_netns(&nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	CHECK_INT(mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len), nlh->nlmsg_len);
	errno = 0;
	CHECK_INT(mnl_socket_recvfrom(nl.sock, small, sizeof(small)), -1);
	CHECK_INT(errno, ENOSPC);
	mnl_socket_close(nl.sock);
}

static struct nlmsghdr *link_request(char *buf, uint16_t type, uint16_t flags, int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return nlh;
}

/* ip link add NAME type veth peer name PEER */
static int add_veth(struct nl *nl, const char *name, const char *peer)
{
	char buf[1024] ALIGNED;
	struct nlmsghdr *nlh = link_request(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *linkinfo, *info_data, *peer_info;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	info_data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_info = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described like a link of its own: an ifinfomsg, then its attributes. */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, peer_info);
	mnl_attr_nest_end(nlh, info_data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct addr_search {
	int index;
	uint32_t addr; /* network order */
	int found;
	unsigned prefixlen;
};

static int ifa_local_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFA_LOCAL && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*(uint32_t *)data = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_search *as = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	uint32_t local = 0;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_ERROR;
	if (mnl_attr_parse(nlh, sizeof(*ifa), ifa_local_cb, &local) < 0)
		return MNL_CB_ERROR;
	if ((int)ifa->ifa_index == as->index && local == as->addr) {
		as->found++;
		as->prefixlen = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

static int add_ipv4(struct nl *nl, int index, uint32_t addr, unsigned prefixlen)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_index = index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int dump_ipv4(struct nl *nl, struct addr_search *as)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	as->found = 0;
	return nl_talk(nl, nlh, addr_cb, as);
}

TEST(rtnl_veth_pair_up_address_delete)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh;
	struct nl nl;
	struct links ls;
	const struct link *v0, *v1;
	struct addr_search as = {0};
	int index, one = 1;

	nl_open_private_netns(&nl);
	/* Extended acks change the error messages' layout; the errno must come through. */
	CHECK_INT(mnl_socket_setsockopt(nl.sock, NETLINK_EXT_ACK, &one, sizeof(one)), 0);

	if (add_veth(&nl, "obx0", "obx1") < 0) {
		if (errno == EOPNOTSUPP || errno == ENOENT)
			unit_skip("no veth in this kernel: %s", strerror(errno));
		CHECK_INT(errno, 0);
		return;
	}
	errno = 0;
	CHECK_INT(add_veth(&nl, "obx0", "obx2"), -1);
	CHECK_INT(errno, EEXIST);

	CHECK_INT(dump_links(&nl, &ls), 0);
	v0 = find_link(&ls, "obx0");
	v1 = find_link(&ls, "obx1");
	CHECK(find_link(&ls, "lo") != NULL);
	CHECK(v0 && v1);
	if (!v0 || !v1)
		return;
	CHECK(v0->index != v1->index);
	CHECK(!(v0->flags & IFF_UP));
	index = v0->index;

	/* ip link set obx0 up */
	nlh = link_request(buf, RTM_NEWLINK, 0, index);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_flags = IFF_UP;
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_change = IFF_UP;
	CHECK_INT(nl_talk(&nl, nlh, NULL, NULL), 0);
	CHECK_INT(dump_links(&nl, &ls), 0);
	v0 = find_link(&ls, "obx0");
	CHECK(v0 && (v0->flags & IFF_UP));

	/* ip addr add 10.199.0.1/24 dev obx0 */
	as.index = index;
	CHECK_INT(inet_pton(AF_INET, "10.199.0.1", &as.addr), 1);
	CHECK_INT(add_ipv4(&nl, index, as.addr, 24), 0);
	errno = 0;
	CHECK_INT(add_ipv4(&nl, index, as.addr, 24), -1);
	CHECK_INT(errno, EEXIST);
	CHECK_INT(dump_ipv4(&nl, &as), 0);
	CHECK_INT(as.found, 1);
	CHECK_INT(as.prefixlen, 24);

	/* ip link del obx0: the peer goes with it, and the address */
	nlh = link_request(buf, RTM_DELLINK, 0, index);
	CHECK_INT(nl_talk(&nl, nlh, NULL, NULL), 0);
	CHECK_INT(dump_links(&nl, &ls), 0);
	CHECK(find_link(&ls, "obx0") == NULL);
	CHECK(find_link(&ls, "obx1") == NULL);
	CHECK(find_link(&ls, "lo") != NULL);
	CHECK_INT(dump_ipv4(&nl, &as), 0);
	CHECK_INT(as.found, 0);
	mnl_socket_close(nl.sock);
}

TEST(rtnl_delete_missing_link_fails_enodev)
{
	char buf[256] ALIGNED;
	struct nlmsghdr *nlh;
	struct nl nl;

	nl_open_private_netns(&nl);
	nlh = link_request(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "obx-missing");
	errno = 0;
	CHECK_INT(nl_talk(&nl, nlh, NULL, NULL), -1);
	CHECK_INT(errno, ENODEV);

	nlh = link_request(buf, RTM_DELLINK, 0, 4242);
	errno = 0;
	CHECK_INT(nl_talk(&nl, nlh, NULL, NULL), -1);
	CHECK_INT(errno, ENODEV);

	/* The same through extended acks, whose error messages carry attributes after it. */
	{
		int one = 1;

		CHECK_INT(mnl_socket_setsockopt(nl.sock, NETLINK_EXT_ACK, &one, sizeof(one)), 0);
	}
	nlh = link_request(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "obx-missing");
	errno = 0;
	CHECK_INT(nl_talk(&nl, nlh, NULL, NULL), -1);
	CHECK_INT(errno, ENODEV);
	mnl_socket_close(nl.sock);
}

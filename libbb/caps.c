/* Capability names, both ways, and what the running kernel knows. The table is indexed by
 * number: the kernel numbers capabilities densely from 0, so a name is just its index. */
#include "caps.h"
#include <fcntl.h>

static const char *const cap_names[] = {
    "CAP_CHOWN",              /* 0 */
    "CAP_DAC_OVERRIDE",       /* 1 */
    "CAP_DAC_READ_SEARCH",    /* 2 */
    "CAP_FOWNER",             /* 3 */
    "CAP_FSETID",             /* 4 */
    "CAP_KILL",               /* 5 */
    "CAP_SETGID",             /* 6 */
    "CAP_SETUID",             /* 7 */
    "CAP_SETPCAP",            /* 8 */
    "CAP_LINUX_IMMUTABLE",    /* 9 */
    "CAP_NET_BIND_SERVICE",   /* 10 */
    "CAP_NET_BROADCAST",      /* 11 */
    "CAP_NET_ADMIN",          /* 12 */
    "CAP_NET_RAW",            /* 13 */
    "CAP_IPC_LOCK",           /* 14 */
    "CAP_IPC_OWNER",          /* 15 */
    "CAP_SYS_MODULE",         /* 16 */
    "CAP_SYS_RAWIO",          /* 17 */
    "CAP_SYS_CHROOT",         /* 18 */
    "CAP_SYS_PTRACE",         /* 19 */
    "CAP_SYS_PACCT",          /* 20 */
    "CAP_SYS_ADMIN",          /* 21 */
    "CAP_SYS_BOOT",           /* 22 */
    "CAP_SYS_NICE",           /* 23 */
    "CAP_SYS_RESOURCE",       /* 24 */
    "CAP_SYS_TIME",           /* 25 */
    "CAP_SYS_TTY_CONFIG",     /* 26 */
    "CAP_MKNOD",              /* 27 */
    "CAP_LEASE",              /* 28 */
    "CAP_AUDIT_WRITE",        /* 29 */
    "CAP_AUDIT_CONTROL",      /* 30 */
    "CAP_SETFCAP",            /* 31 */
    "CAP_MAC_OVERRIDE",       /* 32 */
    "CAP_MAC_ADMIN",          /* 33 */
    "CAP_SYSLOG",             /* 34 */
    "CAP_WAKE_ALARM",         /* 35 */
    "CAP_BLOCK_SUSPEND",      /* 36 */
    "CAP_AUDIT_READ",         /* 37 */
    "CAP_PERFMON",            /* 38 */
    "CAP_BPF",                /* 39 */
    "CAP_CHECKPOINT_RESTORE", /* 40 */
};

int cap_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (STREQ(cap_names[i], name))
			return i;
	return -1;
}

const char *cap_name(int cap)
{
	return cap >= 0 && cap < (int)ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

/* Read once: a kernel older than the table knows fewer, and asking it to keep a capability it
 * does not have is EINVAL from capset and prctl alike. Caps beyond 63 do not fit our masks. */
int cap_last_cap(void)
{
	static int last = -1;
	char *s;
	long long v;

	if (last >= 0)
		return last;
	last = ARRAY_SIZE(cap_names) - 1;
	s = read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, NULL);
	if (s) {
		s[strcspn(s, "\n")] = '\0';
		if (parse_ll(s, 0, 63, &v) == 0)
			last = v;
		free(s);
	}
	return last;
}

void caps_features(struct json_writer *w)
{
	jw_array_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		jw_string(w, cap_names[i]);
	jw_array_end(w);
}

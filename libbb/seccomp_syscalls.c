/* Syscall names to numbers for seccomp (include/seccomp.h), from $(B)/syscalls.h, which
 * scripts/gen-syscalls makes out of the target compiler's own <asm/unistd.h>. The numbers are
 * the __NR_* macros themselves, so the target compiler evaluates them (mips spells them as
 * expressions). One NUL-separated string of names plus 16-bit offsets and numbers, sorted by
 * name for bsearch: no pointer per name, so no 8-byte slots and no relocations. */
#include "seccomp.h"
#include <asm/unistd.h>

#define NONE 0xffff
/* ARM's private calls (cacheflush, set_tls...) live at 0x0f0000 + n: stored as ARM_SLOT + n,
 * above any __NR_ of the arches we build for (mips n64 ends near 5500). */
#define ARM_SLOT 0xf000
#define ARM_NR(nr) ((nr) - __ARM_NR_BASE + ARM_SLOT)
#define X32_BIT 0x40000000

static const char syscall_names[] =
#define SYSCALL(name, off, ...) #name "\0"
#include "syscalls.h"
#undef SYSCALL
	;

/* The generator counted the offsets; the compiler checks it counted what we concatenated. */
_Static_assert(sizeof(syscall_names) == SYSCALL_NAMES_SIZE + 1, "syscalls.h offsets drifted");

struct syscall_row {
	uint16_t off;
	uint16_t nr[SYSCALL_COLUMNS];
};

static const struct syscall_row syscall_rows[] = {
#define SYSCALL(name, off, ...) {off, {__VA_ARGS__}},
#include "syscalls.h"
#undef SYSCALL
};

static int row_cmp(const void *key, const void *row)
{
	return strcmp(key, syscall_names + ((const struct syscall_row *)row)->off);
}

unsigned seccomp_syscall_columns(void)
{
	return SYSCALL_COLUMNS;
}

int seccomp_syscall_nr_in(const char *name, unsigned column)
{
	const struct syscall_row *r;
	unsigned nr;

	if (column >= SYSCALL_COLUMNS)
		return -1;
	r = bsearch(name, syscall_rows, ARRAY_SIZE(syscall_rows), sizeof(*r), row_cmp);
	if (!r || r->nr[column] == NONE)
		return -1;
	nr = r->nr[column];
	if (column == SECCOMP_COL_NATIVE && nr >= ARM_SLOT)
		return nr - ARM_SLOT + 0x0f0000;
	if (column == SECCOMP_COL_X32)
		return nr | X32_BIT;
	return nr;
}

int seccomp_syscall_nr(const char *name)
{
	return seccomp_syscall_nr_in(name, SECCOMP_COL_NATIVE);
}

/* CVE-2019-5736: a container process that can reach the runtime's /proc/PID/exe could open the
 * host binary and overwrite it. We run container work from a sealed memfd copy of ourselves: the
 * exe link then names that copy, which nothing can write, and the host binary is never exposed. */
#include "runtime.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#define SEALS_WANTED (0x1 | 0x2 | 0x4 | 0x8) /* SEAL, SHRINK, GROW, WRITE */

extern char **environ;

int self_exe_ensure_sealed(char **argv, struct error **err)
{
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int mfd = -1;
	struct stat st;
	int seals;

	if (self < 0)
		return err_errno(err, "open /proc/self/exe");
	seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS_WANTED) == SEALS_WANTED)
		return 0; /* this is the sealed copy already */
	if (fstat(self, &st) < 0)
		return err_errno(err, "stat /proc/self/exe");
	mfd = syscall(SYS_memfd_create, "ocibox", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return err_errno(err, "memfd_create");
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mfd, self, NULL, left);
		if (n <= 0)
			return err_errno(err, "copy /proc/self/exe");
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS_WANTED) < 0)
		return err_errno(err, "seal the copy of /proc/self/exe");
	/* an ELF binary is loaded before the CLOEXEC fd closes, so this works from a CLOEXEC fd */
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return err_errno(err, "re-exec through the sealed copy");
}

/* Targets of the cleanup attributes in libbb.h; each keeps errno as it was. */
#include "libbb.h"

void cleanup_freep(void *p)
{
	void **pp = p;
	int e = errno;

	free(*pp);
	errno = e;
}

void cleanup_closep(int *fd)
{
	int e = errno;

	if (*fd >= 0)
		close(*fd);
	errno = e;
}

void cleanup_fclosep(FILE **f)
{
	int e = errno;

	if (*f)
		fclose(*f);
	errno = e;
}

void cleanup_errp(struct error **err)
{
	err_free(err);
}

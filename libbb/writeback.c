/* Bounding dirty page cache behind a writer: see libbb.h. Both calls are hints; a filesystem
 * that refuses them (ESPIPE, ENOSYS under some emulators) just loses the bound, not the data. */
#include "libbb.h"
#include <fcntl.h>

void writeback_begin(struct writeback *wb, int fd, size_t chunk)
{
	*wb = (struct writeback){.fd = fd, .chunk = chunk};
}

void writeback_wrote(struct writeback *wb, off_t end)
{
	if (!wb->chunk || (uint64_t)(end - wb->started) < wb->chunk)
		return;
	if (wb->started > wb->dropped) {
		sync_file_range(wb->fd, wb->dropped, wb->started - wb->dropped,
		                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		                    SYNC_FILE_RANGE_WAIT_AFTER);
		posix_fadvise(wb->fd, wb->dropped, wb->started - wb->dropped, POSIX_FADV_DONTNEED);
		wb->dropped = wb->started;
	}
	sync_file_range(wb->fd, wb->started, end - wb->started, SYNC_FILE_RANGE_WRITE);
	wb->started = end;
}

/* Every file's tail too: a layer of many small files would otherwise stay dirty until the end.
 * Only started here, not waited for, so the next files are written while the disk works. */
void writeback_end(struct writeback *wb, off_t end)
{
	if (!wb->chunk || end <= wb->started)
		return;
	sync_file_range(wb->fd, wb->started, end - wb->started, SYNC_FILE_RANGE_WRITE);
	wb->started = end;
}

/* tar archives: a streaming reader (ustar, pax, GNU long names), a deterministic writer and a
 * root-confined extractor that knows OCI whiteouts. libbb/tar_read.c, tar_write.c,
 * tar_extract.c. Only uncompressed tar: gzip sits in front of the read/write callbacks.
 *
 * Decisions, so nobody has to rediscover them:
 *  - End of archive: two zero blocks; one zero block followed by end of input is accepted too,
 *    and so is end of input exactly between two entries (Python, Go and GNU tar all read such
 *    archives; a layer's digest catches truncation there). End of input inside a header, inside
 *    an entry's data or right after a pax/GNU long-name header is an error, and so is a zero
 *    block followed by a header (content that other tools would silently drop).
 *  - Rejected with a one-line error naming the entry: sparse files (GNU 'S' and pax
 *    GNU.sparse.*), multi-volume and other vendor ('A'-'Z') types, a NUL inside a pax path,
 *    linkpath or xattr name, a pax record that does not end in '\n' or whose length is wrong,
 *    non-numeric pax size/uid/gid/mtime, two pax or two GNU long-name headers for one entry
 *    (tools disagree which one wins, a scanner and an extractor could see different names),
 *    pax and long-name headers over 1 MiB, negative sizes, bad octal, bad checksums, an empty
 *    name.
 *  - pax global headers ('g') apply their records to every later entry (an empty value deletes
 *    the record, as POSIX says), except path, linkpath and size, which would make every entry
 *    the same file: those are ignored, as Go's archive/tar and Docker ignore 'g' altogether.
 *  - A GNU header (magic "ustar  ") keeps atime/ctime where ustar keeps its name prefix; when
 *    those fields are not numbers the block is read as a ustar prefix (Go 1.7 wrote such files).
 *  - Unknown lowercase/digit type flags are regular files (POSIX); 'D' (GNU dumpdir) is a
 *    directory whose listing data is skipped.
 *  - Owners are numeric ids only: uname/gname are listed and written but never looked up in the
 *    host's passwd file on extraction (a container's users are not the host's). */
#ifndef OCIBOX_TAR_H
#define OCIBOX_TAR_H

#include "libbb.h"

#define TAR_BLOCK 512
#define TAR_META_MAX (1 << 20) /* largest pax or GNU long-name header we accept */

enum tar_type {
	TAR_REG = '0',
	TAR_HARDLINK = '1',
	TAR_SYMLINK = '2',
	TAR_CHR = '3',
	TAR_BLK = '4',
	TAR_DIR = '5',
	TAR_FIFO = '6',
};

struct tar_xattr {
	char *name;
	char *value; /* binary; NUL-terminated for convenience, len excludes it */
	size_t len;
};

struct tar_entry {
	char *path;     /* as stored (pax path > GNU long name > prefix/name); never empty */
	char *linkname; /* hard link or symlink target; "" otherwise */
	char *uname, *gname;
	int type; /* enum tar_type; '\0', '7' and unknown flags read as TAR_REG, 'D' as TAR_DIR */
	char typeflag; /* the flag as stored */
	mode_t mode;   /* permission bits, 07777 */
	long long uid, gid;
	long long
	    size; /* as stored; header-only types (links, devices, dirs, FIFOs) have no data */
	long long mtime;
	long mtime_nsec; /* 0..999999999, from a pax mtime */
	unsigned devmajor, devminor;
	struct tar_xattr *xattrs; /* SCHILY.xattr.*, in archive order */
	size_t nxattrs;
};

/* ---- reader ---- */

/* Reads up to len bytes: returns how many (> 0), 0 at end of input, or a negative value after
 * filling err (inflate_read() has this shape, so a gzip stream plugs straight in). */
typedef ssize_t (*tar_read_fn)(void *ctx, void *buf, size_t len, struct error **err);

struct tar_reader;
struct tar_reader *tar_reader_new(tar_read_fn read, void *ctx);
struct tar_reader *tar_reader_new_fd(int fd); /* skips data with lseek where the fd seeks */
void tar_reader_free(struct tar_reader *r);

/* The next entry: 1 and *e (owned by the reader, valid until the next call), 0 at the end of
 * the archive, or a negative value with *err set ("ENTRY: what was wrong"). Skips whatever is
 * left of the previous entry's data. After an error the reader stays failed. */
int tar_next(struct tar_reader *r, struct tar_entry **e, struct error **err);
/* The current entry's data: > 0 bytes, 0 at its end, negative on error (truncated input). */
ssize_t tar_read_data(struct tar_reader *r, void *buf, size_t len, struct error **err);
unsigned long long tar_reader_offset(const struct tar_reader *r); /* bytes consumed */

/* ---- writer ----
 * ustar headers where the entry fits, a pax header in front where it does not (names over
 * 100/155 bytes or not ASCII, link targets over 100 bytes, sizes of 8 GiB and more, ids over
 * 2097151, names over 31 bytes, mtimes before 1970 or after 2242, xattrs). Output depends only on
 * the entries: pax headers are named "PaxHeaders.0/NAME", no pid, no atime/ctime, whole-second
 * mtimes. */

/* Writes all of buf: returns 0 or a negative value after filling err (deflate_write()'s
 * shape). */
typedef int (*tar_write_fn)(void *ctx, const void *buf, size_t len, struct error **err);

struct tar_write_opts {
	long long uid, gid;        /* >= 0: every entry gets this owner; -1: the entry's own */
	const char *uname, *gname; /* non-NULL: every entry gets these names ("" for none) */
	bool numeric_owner;        /* tree walk: record no user/group names */
	bool set_mtime;            /* every mtime becomes .mtime ... */
	bool clamp_mtime;          /* ... or, with this, only those newer than .mtime */
	long long mtime;
	bool no_xattrs;                           /* tree walk: do not read xattrs */
	void (*warn)(void *ctx, const char *msg); /* sockets skipped; NULL: bb_warn() */
	void *ctx;
};

struct tar_writer;
struct tar_writer *tar_writer_new(tar_write_fn write, void *ctx, const struct tar_write_opts *o);
struct tar_writer *tar_writer_new_fd(int fd, const struct tar_write_opts *o);
void tar_writer_free(struct tar_writer *w);
/* One entry: its header now, then exactly e->size bytes of data through tar_write_data() for a
 * regular file (the next header or tar_write_finish() checks the count and pads). */
int tar_write_header(struct tar_writer *w, const struct tar_entry *e, struct error **err);
int tar_write_data(struct tar_writer *w, const void *buf, size_t len, struct error **err);
/* Header plus e->size bytes read from fd (a file that shrank is an error). */
int tar_write_entry_fd(struct tar_writer *w, const struct tar_entry *e, int fd, struct error **err);
/* The end-of-archive blocks. */
int tar_write_finish(struct tar_writer *w, struct error **err);

/* Walks PATH (relative to dirfd) and writes it and everything below it, sorted bytewise by
 * name, as NAME, NAME/a, ... (directories end in '/'). A second name for an inode already
 * written becomes a hard link to the first. Sockets are skipped with a warning. With
 * TAR_TREE_NO_TOP, PATH itself is not written and names are relative to it (layers). */
enum { TAR_TREE_NO_TOP = 1 << 0 };
int tar_write_tree(struct tar_writer *w, int dirfd, const char *path, unsigned flags,
                   struct error **err);

/* ---- extractor ---- */

enum tar_whiteouts {
	TAR_WHITEOUT_NONE,    /* .wh.* are ordinary files */
	TAR_WHITEOUT_COPY,    /* applied to what is already under the root: deleted, emptied */
	TAR_WHITEOUT_OVERLAY, /* turned into overlayfs whiteouts: 0/0 char devices, opaque xattr */
};

struct tar_extract_opts {
	enum tar_whiteouts whiteouts;
	int same_owner; /* 1: chown every entry, 0: never, -1: when running as root */
	/* Warnings (skipped device nodes, xattrs the filesystem refuses); NULL: bb_warn(). */
	void (*warn)(void *ctx, const char *msg);
	/* Called for each entry before it is extracted; returning false skips it. */
	bool (*filter)(void *ctx, const struct tar_entry *e);
	void *ctx;
	/* Nonzero: keep each file's dirty page cache to about two chunks of this many bytes
	 * (struct writeback in libbb.h), for layers unpacked on boards with little memory. */
	size_t writeback_bytes;
};

/* Extracts every entry under rootfd, never outside it: names with "..", hard links out of the
 * root and writes through symlinks are refused or confined (see libbb/tar_extract.c).
 * Stops at the first error, which names the entry. */
int tar_extract(struct tar_reader *r, int rootfd, const struct tar_extract_opts *o,
                struct error **err);

/* The name tar_extract() uses for an entry: leading "/" and "./" and repeated or trailing
 * slashes dropped; "" for the root itself. NULL (errno EINVAL) when a component is "..". */
char *tar_clean_path(const char *path);

#endif

/*
 * state_file.c - rampartd's durable state files (see state_file.h).
 */
#include "ctrlplane/common/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_file_write_atomic(const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd, saved;
	size_t off = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto fail;
		}
		off += (size_t)n;
	}
	/* fsync before rename: otherwise a crash can leave the new name
	 * pointing at an empty file. */
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

char *state_file_read(const char *path, size_t *len)
{
	/* Compiled Hyperscan databases run to megabytes: grow in 64 KiB steps
	 * (doubling), not 4 KiB ones. */
	enum { CHUNK = 65536 };
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + CHUNK + 1 > cap) {
			char *grown = realloc(buf, cap = (n + CHUNK + 1) * 2);

			if (!grown) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int state_file_mkdir_p(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0750) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

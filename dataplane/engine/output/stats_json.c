/*
 * stats_json.c - the --stats JSON object (see stats_json.h).
 *
 * A struct stats_json * is a jansson object in disguise: the header keeps
 * jansson out of its callers, and nested objects need no wrapper to free.
 */
#include "dataplane/engine/output/stats_json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *as_json(const struct stats_json *s)
{
	return (json_t *)s;
}

static struct stats_json *as_stats(json_t *j)
{
	return (struct stats_json *)j;
}

struct stats_json *stats_json_new(void)
{
	json_t *root = json_object();
	if (root == NULL)
		errno = ENOMEM;
	return as_stats(root);
}

void stats_json_free(struct stats_json *root)
{
	json_decref(as_json(root));
}

static bool valid_args(const struct stats_json *obj, const char *key)
{
	if (obj == NULL || key == NULL || !json_is_object(as_json(obj))) {
		errno = EINVAL;
		return false;
	}
	return true;
}

struct stats_json *stats_json_object(struct stats_json *obj, const char *key)
{
	if (!valid_args(obj, key))
		return NULL;
	json_t *child = json_object_get(as_json(obj), key);
	if (child != NULL) {
		if (!json_is_object(child)) {
			errno = EINVAL;
			return NULL;
		}
		return as_stats(child);
	}
	child = json_object();
	if (child == NULL || json_object_set_new(as_json(obj), key, child) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	return as_stats(child); /* borrowed: the parent holds the reference */
}

/* Takes ownership of value. */
static int set_value(struct stats_json *obj, const char *key, json_t *value)
{
	if (!valid_args(obj, key)) {
		json_decref(value);
		return -1;
	}
	if (value == NULL || json_object_set_new(as_json(obj), key, value) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static json_int_t clamp_u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

int stats_json_set_u64(struct stats_json *obj, const char *key, uint64_t value)
{
	return set_value(obj, key, json_integer(clamp_u64(value)));
}

int stats_json_set_i64(struct stats_json *obj, const char *key, int64_t value)
{
	return set_value(obj, key, json_integer((json_int_t)value));
}

int stats_json_set_double(struct stats_json *obj, const char *key, double value)
{
	/* jansson refuses NaN and infinities: JSON has no spelling for them. */
	return set_value(obj, key, isfinite(value) ? json_real(value) : json_null());
}

int stats_json_set_bool(struct stats_json *obj, const char *key, bool value)
{
	return set_value(obj, key, json_boolean(value));
}

int stats_json_set_string(struct stats_json *obj, const char *key, const char *value)
{
	if (value == NULL) {
		errno = EINVAL;
		return -1;
	}
	json_t *s = json_string(value);
	if (s == NULL) /* not valid UTF-8: an empty string, never a broken file */
		s = json_string("");
	return set_value(obj, key, s);
}

int stats_json_add_u64(struct stats_json *obj, const char *key, uint64_t delta)
{
	if (!valid_args(obj, key))
		return -1;
	json_t *cur = json_object_get(as_json(obj), key);
	if (cur == NULL)
		return stats_json_set_u64(obj, key, delta);
	if (!json_is_integer(cur)) {
		errno = EINVAL;
		return -1;
	}
	json_int_t v = json_integer_value(cur);
	json_int_t d = clamp_u64(delta);
	json_int_t sum = v > (json_int_t)INT64_MAX - d ? (json_int_t)INT64_MAX : v + d;
	return json_integer_set(cur, sum) == 0 ? 0 : -1;
}

int64_t stats_json_get_i64(const struct stats_json *obj, const char *key, int64_t fallback)
{
	if (obj == NULL || key == NULL)
		return fallback;
	json_t *v = json_object_get(as_json(obj), key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

char *stats_json_dumps(const struct stats_json *obj, unsigned flags)
{
	if (obj == NULL) {
		errno = EINVAL;
		return NULL;
	}
	size_t jflags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
	jflags |= (flags & STATS_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
	char *text = json_dumps(as_json(obj), jflags);
	if (text == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		errno = ENOMEM;
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

int stats_json_write(const struct stats_json *obj, const char *path, unsigned flags)
{
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	char *text = stats_json_dumps(obj, flags);
	if (text == NULL)
		return -1;

	bool to_stdout = strcmp(path, "-") == 0;
	int fd = to_stdout ? STDOUT_FILENO
			   : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = fd < 0 ? -1 : 0;
	size_t len = strlen(text), off = 0;
	while (rc == 0 && off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno != EINTR)
			rc = -1;
		else if (n > 0)
			off += (size_t)n;
	}
	int saved = errno;
	if (fd >= 0 && !to_stdout && close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	free(text);
	errno = saved;
	return rc;
}

/*
 * stats_json.h - builds and writes the `--stats FILE` JSON object.
 *
 * Contract: a small, generic wrapper around a JSON object tree so front ends
 * can report whatever counters they have without knowing jansson:
 *
 *     struct stats_json *s = stats_json_new();
 *     stats_json_set_u64(s, "packets_read", n);
 *     struct stats_json *decode = stats_json_object(s, "decode");
 *     stats_json_add_u64(decode, "ipv4", worker_ipv4);   // sums workers
 *     stats_json_set_double(s, "wall_seconds", 1.25);
 *     stats_json_write(s, path, STATS_JSON_PRETTY);
 *     stats_json_free(s);
 *
 * Keys keep the order they were first set in. Setting an existing key
 * replaces its value in place. A nested object returned by stats_json_object
 * is owned by its parent: valid until the root is freed, never freed itself.
 *
 * Integers are JSON integers up to INT64_MAX; larger u64 values are clamped
 * to INT64_MAX (no counter gets there). Doubles that are NaN or infinite are
 * written as null.
 *
 * Thread rules: not thread-safe; build it on one thread (at exit).
 * Functions return 0, or -1 with errno (EINVAL for a NULL object/key or a key
 * that holds a value of another kind, ENOMEM, or the I/O error).
 */
#ifndef RAMPART_STATS_JSON_H
#define RAMPART_STATS_JSON_H

#include <stdbool.h>
#include <stdint.h>

struct stats_json;

#define STATS_JSON_COMPACT 0u
#define STATS_JSON_PRETTY  1u /* two-space indent, one key per line */

struct stats_json *stats_json_new(void);
void stats_json_free(struct stats_json *root);

/* The object under key, created empty if missing. NULL with errno on error
 * (EINVAL when the key already holds a non-object). */
struct stats_json *stats_json_object(struct stats_json *obj, const char *key);

int stats_json_set_u64(struct stats_json *obj, const char *key, uint64_t value);
int stats_json_set_i64(struct stats_json *obj, const char *key, int64_t value);
int stats_json_set_double(struct stats_json *obj, const char *key, double value);
int stats_json_set_bool(struct stats_json *obj, const char *key, bool value);
int stats_json_set_string(struct stats_json *obj, const char *key, const char *value);

/* Adds delta to the integer under key (0 if missing): sums per-worker counters. */
int stats_json_add_u64(struct stats_json *obj, const char *key, uint64_t delta);

/* The integer under key, or `fallback` if missing or not an integer. */
int64_t stats_json_get_i64(const struct stats_json *obj, const char *key, int64_t fallback);

/* The whole object as text (malloc'd, caller frees; ends in a newline). */
char *stats_json_dumps(const struct stats_json *obj, unsigned flags);

/* Writes the object to path ("-": standard output), replacing the file. */
int stats_json_write(const struct stats_json *obj, const char *path, unsigned flags);

#endif /* RAMPART_STATS_JSON_H */

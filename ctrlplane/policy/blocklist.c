/*
 * blocklist.c - `rampartctl block`: CIDRs with optional expiry, persisted in
 * STATE/blocklist.json, injected at the top of the data plane's firewall.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/policy/policy_internal.h"

int policy_cidr_normalize(const char *text, char *out, size_t outlen, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	unsigned char bytes[16];
	const char *slash;
	size_t alen;
	long prefix;
	int family, max;

	if (!text || !*text) {
		snprintf(err, errlen, "bad CIDR: empty");
		return -1;
	}
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(err, errlen, "bad CIDR '%s': not an IPv4 or IPv6 address", text);
		return -1;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bytes) == 1) {
		family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, bytes) == 1) {
		family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "bad CIDR '%s': not an IPv4 or IPv6 address", text);
		return -1;
	}
	prefix = max;
	if (slash) {
		char *end;

		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end || errno || prefix < 0 || prefix > max) {
			snprintf(err, errlen, "bad CIDR '%s': prefix length must be 0-%d", text, max);
			return -1;
		}
	}
	for (int bit = (int)prefix; bit < max; bit++) {
		if (bytes[bit / 8] & (0x80u >> (bit % 8))) {
			snprintf(err, errlen, "bad CIDR '%s': host bits set beyond /%ld", text, prefix);
			return -1;
		}
	}
	if (!inet_ntop(family, bytes, canon, sizeof(canon)) ||
	    (size_t)snprintf(out, outlen, "%s/%ld", canon, prefix) >= outlen) {
		snprintf(err, errlen, "bad CIDR '%s'", text);
		return -1;
	}
	return 0;
}

static json_t *block_rule(const char *name, const char *side)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "name", name, side, "@" POLICY_BLOCKLIST_SET, "action", "deny",
			 "log", "true");
}

json_t *policy_blocklist_inject(const json_t *firewall, const json_t *blocklist)
{
	json_t *fw = firewall && json_is_object(firewall) ? json_deep_copy(firewall) : json_object();
	json_t *sets, *rules, *cidrs, *entry;
	size_t i;

	if (!fw || !blocklist || json_array_size(blocklist) == 0)
		return fw;
	sets = json_object_get(fw, "address-sets");
	if (!json_is_object(sets)) {
		sets = json_object();
		json_object_set_new(fw, "address-sets", sets);
	}
	rules = json_object_get(fw, "rules");
	if (!json_is_array(rules)) {
		rules = json_array();
		json_object_set_new(fw, "rules", rules);
	}
	cidrs = json_array();
	json_array_foreach(blocklist, i, entry)
		json_array_append(cidrs, json_object_get(entry, "cidr"));
	if (!sets || !rules || !cidrs || json_object_set_new(sets, POLICY_BLOCKLIST_SET, cidrs) != 0 ||
	    json_array_insert_new(rules, 0, block_rule("rampart-block-src", "src")) != 0 ||
	    json_array_insert_new(rules, 1, block_rule("rampart-block-dst", "dst")) != 0) {
		json_decref(fw);
		return NULL;
	}
	return fw;
}

static char *blocklist_path(const struct policy_store *s)
{
	char *p;

	return asprintf(&p, "%s/blocklist.json", s->state_dir) < 0 ? NULL : p;
}

int policy_blocklist_load(struct policy_store *s, char *err, size_t errlen)
{
	char *path = blocklist_path(s);
	json_error_t jerr;
	json_t *arr, *e;
	size_t i;

	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	arr = json_load_file(path, 0, &jerr);
	if (!arr) {
		FILE *f = fopen(path, "r");

		if (!f && errno == ENOENT) {
			free(path);
			s->blocklist = json_array();
			return s->blocklist ? 0 : -1;
		}
		if (f)
			fclose(f);
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		free(path);
		return -1;
	}
	if (!json_is_array(arr))
		goto bad;
	json_array_foreach(arr, i, e) {
		json_t *exp = json_object_get(e, "expires");
		char norm[64], why[128];

		if (!json_is_string(json_object_get(e, "cidr")) || !(json_is_null(exp) || json_is_integer(exp)) ||
		    policy_cidr_normalize(json_string_value(json_object_get(e, "cidr")), norm, sizeof(norm),
					  why, sizeof(why)) != 0)
			goto bad;
	}
	free(path);
	s->blocklist = arr;
	return 0;
bad:
	snprintf(err, errlen, "%s: expected [{\"cidr\": \"10.0.0.1/32\", \"expires\": EPOCH|null}...]", path);
	json_decref(arr);
	free(path);
	return -1;
}

static int blocklist_save(const struct policy_store *s, const json_t *list, char *err, size_t errlen)
{
	char *path = blocklist_path(s), *text = json_dumps(list, JSON_INDENT(2));
	int rc = -1;

	if (!path || !text)
		snprintf(err, errlen, "out of memory");
	else if (policy_write_atomic(path, text, strlen(text)) != 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		rc = 0;
	free(path);
	free(text);
	return rc;
}

static ssize_t blocklist_find(const json_t *list, const char *cidr)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "cidr")), cidr) == 0)
			return (ssize_t)i;
	return -1;
}

/* Persist a modified copy, then swap it in: memory never runs ahead of disk. */
static int blocklist_replace(struct policy_store *s, json_t *next, char *err, size_t errlen)
{
	if (!next) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (blocklist_save(s, next, err, errlen) != 0) {
		json_decref(next);
		return -1;
	}
	json_decref(s->blocklist);
	s->blocklist = next;
	return 0;
}

int policy_store_block(struct policy_store *s, const char *cidr, uint64_t ttl_sec, time_t now,
		       char *err, size_t errlen)
{
	char norm[64];
	json_t *next, *entry;
	ssize_t at;

	if (policy_cidr_normalize(cidr, norm, sizeof(norm), err, errlen) != 0)
		return -1;
	next = json_deep_copy(s->blocklist);
	entry = json_pack("{s:s, s:o}", "cidr", norm, "expires",
			  ttl_sec ? json_integer((json_int_t)now + (json_int_t)ttl_sec) : json_null());
	if (!next || !entry) {
		json_decref(next);
		json_decref(entry);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	at = blocklist_find(next, norm);
	if (at >= 0) {
		json_array_set_new(next, (size_t)at, entry);
	} else {
		char why[512];

		json_array_append_new(next, entry);
		/* a new network changes the data plane's policy: build it first
		 * (an expiry change does not) */
		if (policy_validate(s, s->firewall, next, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "block %s: %s", norm, why);
			json_decref(next);
			return -1;
		}
	}
	return blocklist_replace(s, next, err, errlen);
}

int policy_store_unblock(struct policy_store *s, const char *cidr, char *err, size_t errlen)
{
	char norm[64];
	json_t *next;
	ssize_t at;

	if (policy_cidr_normalize(cidr, norm, sizeof(norm), err, errlen) != 0)
		return -1;
	at = blocklist_find(s->blocklist, norm);
	if (at < 0) {
		snprintf(err, errlen, "%s is not blocked", norm);
		return -1;
	}
	next = json_deep_copy(s->blocklist);
	if (next)
		json_array_remove(next, (size_t)at);
	return blocklist_replace(s, next, err, errlen);
}

json_t *policy_store_block_list(const struct policy_store *s)
{
	return json_deep_copy(s->blocklist);
}

size_t policy_store_block_count(const struct policy_store *s)
{
	return json_array_size(s->blocklist);
}

bool policy_store_block_expire(struct policy_store *s, time_t now)
{
	json_t *next = json_array(), *e;
	size_t i;
	bool changed = false;
	char err[256];

	if (!next)
		return false;
	json_array_foreach(s->blocklist, i, e) {
		json_t *exp = json_object_get(e, "expires");

		if (json_is_integer(exp) && json_integer_value(exp) <= (json_int_t)now)
			changed = true;
		else
			json_array_append(next, e);
	}
	if (!changed) {
		json_decref(next);
		return false;
	}
	/* a failed save keeps the entries in memory too, so memory matches disk;
	 * the next second's check tries again */
	return blocklist_replace(s, next, err, sizeof(err)) == 0;
}

/*
 * commands_policy.c - `rampartctl policy ...`, `block`, `unblock`.
 *
 * Policy edits come from the store as validated candidates (built with the
 * data plane's own policy compiler); they are committed as version N+1 only
 * after every data plane loaded them. The blocklist is persisted by the store
 * at once; the change then carries it to the data planes, and a refused
 * block of a new entry is taken back out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/policy/policy_store.h"

static const char policy_usage[] =
	"usage: policy list | policy history | policy add --name N --action allow|deny|reject "
	"[--position K] [--ingress ZONE] [--proto P] [--src A] [--dst A] [--src-port P] [--dst-port P] [--log] "
	"| policy remove NAME | policy move NAME --position K | policy rollback [VERSION]";

/* A positive integer that fits in unsigned; -1 when not one. */
static long long parse_count(const char *s, long long max)
{
	char *end;
	long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno || v > max)
		return -1;
	return v;
}

static const char *json_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	if (!v || json_is_null(v))
		return "any";
	char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	snprintf(buf, len, "%s", dump ? dump : "?");
	free(dump);
	return buf;
}

/*
 * A read-only listing: `print` writes the human text for `data` (owned here),
 * the reply carries data itself, or {wrap: data} when wrap is not NULL.
 */
typedef void (*listing_printer)(FILE *f, const json_t *data, struct rampartd *d);

static void reply_listing(struct rampartd *d, struct session *s, json_t *data, const char *wrap,
			  listing_printer print)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = data ? open_memstream(&out, &len) : NULL;

	if (!f) {
		json_decref(data);
		ctl_reply_error(d, s, "out of memory", NULL);
		return;
	}
	print(f, data, d);
	fclose(f);
	ctl_reply_ok(d, s, out, wrap ? json_pack("{s:o}", wrap, data) : data, NULL);
	free(out);
}

static void print_policy(FILE *f, const json_t *l, struct rampartd *d)
{
	static const char *const keys[] = { "ingress", "proto", "src", "src-port", "dst", "dst-port" };
	size_t i;
	json_t *r;
	char buf[256];

	(void)d;
	fprintf(f, "policy version %lld, default-action %s, %zu rule(s)\n",
		(long long)json_integer_value(json_object_get(l, "version")),
		json_text(json_object_get(l, "default-action"), buf, sizeof(buf)),
		json_array_size(json_object_get(l, "rules")));
	json_array_foreach(json_object_get(l, "rules"), i, r) {
		fprintf(f, "%3zu %-28s %-6s", i + 1, json_text(json_object_get(r, "name"), buf, sizeof(buf)),
			json_text(json_object_get(r, "action"), buf, sizeof(buf)));
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const json_t *v = json_object_get(r, keys[k]);

			if (v && !json_is_null(v))
				fprintf(f, " %s=%s", keys[k], json_text(v, buf, sizeof(buf)));
		}
		if (json_is_true(json_object_get(r, "log")))
			fprintf(f, " log");
		fputc('\n', f);
	}
}

static void print_history(FILE *f, const json_t *h, struct rampartd *d)
{
	size_t i;
	json_t *e;

	json_array_foreach(h, i, e)
		fprintf(f, "v%lld %s %s%s\n", (long long)json_integer_value(json_object_get(e, "version")),
			json_string_value(json_object_get(e, "time")) ?: "-",
			json_string_value(json_object_get(e, "summary")) ?: "",
			(uint32_t)json_integer_value(json_object_get(e, "version")) == policy_store_version(d->policy) ?
			" (current)" : "");
}

static int policy_commit(struct rampartd *d, struct change *c, char *err, size_t errlen)
{
	struct policy_candidate *cand = c->arg;
	char line[600];

	c->arg = NULL;
	snprintf(line, sizeof(line), "%s", policy_candidate_summary(cand) ?: "");
	uint32_t v = policy_store_commit(d->policy, cand, err, errlen);

	if (v == 0)
		return -1;
	free(c->text);
	c->text = NULL;
	if (asprintf(&c->text, "policy version %u: %s\n", v, line) < 0)
		c->text = NULL;
	json_object_set_new(c->data, "policy_version", json_integer(v));
	return 0;
}

static void policy_discard(struct rampartd *d, struct change *c)
{
	(void)d;
	policy_candidate_free(c->arg);
	c->arg = NULL;
}

/* Send the candidate to the data planes; commit when they took it. */
static void policy_change(struct rampartd *d, struct session *s, const char *line, struct policy_candidate *cand)
{
	struct change *c = change_new(d, s, line);

	if (!c || change_use_current(d, c) != 0) {
		policy_candidate_free(cand);
		change_free(c);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	free(c->config_yaml);
	c->config_yaml = NULL;
	if (policy_candidate_render_dataplane(d->policy, cand, &c->config_yaml, &c->config_len) != 0) {
		policy_candidate_free(cand);
		change_free(c);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	c->arg = cand;
	c->commit = policy_commit;
	c->discard = policy_discard;
	c->policy_version = policy_store_version(d->policy) + 1;
	c->data = json_object();
	change_start(d, c);
}

static int policy_add_args(int argc, const char **argv, struct policy_rule_spec *r, unsigned *position,
			   char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	*position = 0;
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--log") == 0) {
			r->log = true;
			continue;
		}
		if (!v) {
			snprintf(err, errlen, "usage: policy add: %s needs a value", o);
			return -1;
		}
		i++;
		if (strcmp(o, "--name") == 0)
			r->name = v;
		else if (strcmp(o, "--action") == 0)
			r->action = v;
		else if (strcmp(o, "--ingress") == 0)
			r->ingress = v;
		else if (strcmp(o, "--proto") == 0)
			r->proto = v;
		else if (strcmp(o, "--src") == 0)
			r->src = v;
		else if (strcmp(o, "--dst") == 0)
			r->dst = v;
		else if (strcmp(o, "--src-port") == 0)
			r->src_port = v;
		else if (strcmp(o, "--dst-port") == 0)
			r->dst_port = v;
		else if (strcmp(o, "--position") == 0) {
			long long p = parse_count(v, 1000000);

			if (p < 1) {
				snprintf(err, errlen, "usage: policy add: --position must be 1 or more");
				return -1;
			}
			*position = (unsigned)p;
		} else {
			snprintf(err, errlen, "usage: policy add: unknown option %s", o);
			return -1;
		}
	}
	if (!r->name || !r->action) {
		snprintf(err, errlen, "usage: policy add needs --name and --action");
		return -1;
	}
	return 0;
}

void command_policy(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line)
{
	struct policy_candidate *cand = NULL;
	char err[1024];
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		reply_listing(d, s, policy_store_list(d->policy), NULL, print_policy);
		return;
	}
	if (argc == 2 && strcmp(argv[1], "history") == 0) {
		reply_listing(d, s, policy_store_history(d->policy), "history", print_history);
		return;
	}
	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		struct policy_rule_spec r;
		unsigned pos;

		if (policy_add_args(argc, argv, &r, &pos, err, sizeof(err)) != 0) {
			ctl_reply_error(d, s, err, NULL);
			return;
		}
		rc = policy_store_add(d->policy, &r, pos, &cand, err, sizeof(err));
	} else if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		rc = policy_store_remove(d->policy, argv[2], &cand, err, sizeof(err));
	} else if (argc == 5 && strcmp(argv[1], "move") == 0 && strcmp(argv[3], "--position") == 0) {
		long long p = parse_count(argv[4], 1000000);

		if (p < 1) {
			ctl_reply_error(d, s, "usage: policy move NAME --position K (K >= 1)", NULL);
			return;
		}
		rc = policy_store_move(d->policy, argv[2], (unsigned)p, &cand, err, sizeof(err));
	} else if ((argc == 2 || argc == 3) && strcmp(argv[1], "rollback") == 0) {
		long long v = argc == 3 ? parse_count(argv[2], UINT32_MAX) : 0;

		if (v < 0 || (argc == 3 && v == 0)) {
			ctl_reply_error(d, s, "usage: policy rollback [VERSION] (VERSION >= 1)", NULL);
			return;
		}
		rc = policy_store_rollback(d->policy, (uint32_t)v, &cand, err, sizeof(err));
	} else {
		ctl_reply_error(d, s, policy_usage, NULL);
		return;
	}
	if (rc != 0) {
		ctl_reply_error(d, s, err, line);
		return;
	}
	policy_change(d, s, line, cand);
}

/* block: the store persisted it; a refused new entry is removed again. */
struct block_change {
	char cidr[128];
	bool added;
};

static void block_discard(struct rampartd *d, struct change *c)
{
	struct block_change *b = c->arg;
	char err[256];

	if (b && b->added)
		policy_store_unblock(d->policy, b->cidr, err, sizeof(err));
	free(b);
	c->arg = NULL;
}

static int block_commit(struct rampartd *d, struct change *c, char *err, size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	free(c->arg);
	c->arg = NULL;
	return 0;
}

static void print_blocklist(FILE *f, const json_t *l, struct rampartd *d)
{
	time_t now = time(NULL);
	size_t i;
	json_t *e;

	(void)d;
	fprintf(f, "blocklist: %zu entr%s\n", json_array_size(l), json_array_size(l) == 1 ? "y" : "ies");
	json_array_foreach(l, i, e) {
		const json_t *exp = json_object_get(e, "expires");

		if (json_is_integer(exp))
			fprintf(f, "  %s expires in %lld s\n", json_string_value(json_object_get(e, "cidr")) ?: "?",
				(long long)(json_integer_value(exp) - now));
		else
			fprintf(f, "  %s\n", json_string_value(json_object_get(e, "cidr")) ?: "?");
	}
}

void command_block(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line)
{
	static const char usage[] = "usage: block IP|CIDR [--ttl SECONDS] | unblock IP|CIDR | block list";
	struct block_change *b;
	struct change *c;
	char err[512];
	long long ttl = 0;

	if (strcmp(argv[0], "block") == 0 && argc == 2 && strcmp(argv[1], "list") == 0) {
		reply_listing(d, s, policy_store_block_list(d->policy), "blocklist", print_blocklist);
		return;
	}
	bool is_block = strcmp(argv[0], "block") == 0;

	if (is_block && argc == 4 && strcmp(argv[2], "--ttl") == 0) {
		ttl = parse_count(argv[3], 100LL * 365 * 86400);
		if (ttl < 1) {
			ctl_reply_error(d, s, "usage: block: --ttl must be a number of seconds (1 or more)", NULL);
			return;
		}
	} else if (argc != 2) {
		ctl_reply_error(d, s, usage, NULL);
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	snprintf(b->cidr, sizeof(b->cidr), "%s", argv[1]);
	size_t before = policy_store_block_count(d->policy);
	int rc = is_block ? policy_store_block(d->policy, argv[1], (uint64_t)ttl, time(NULL), err, sizeof(err)) :
		policy_store_unblock(d->policy, argv[1], err, sizeof(err));

	if (rc != 0) {
		free(b);
		ctl_reply_error(d, s, err, line);
		return;
	}
	b->added = is_block && policy_store_block_count(d->policy) > before;
	c = change_new(d, s, line);
	if (!c || change_use_current(d, c) != 0) {
		change_free(c);
		/* nothing reached a data plane: take it back */
		struct change tmp = { .arg = b };

		block_discard(d, &tmp);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	c->arg = b;
	c->commit = block_commit;
	c->discard = block_discard;
	c->data = json_object();
	if (asprintf(&c->text, "%s %s%s\n", is_block ? "blocked" : "unblocked", argv[1],
		     ttl ? " (with ttl)" : "") < 0)
		c->text = NULL;
	change_start(d, c);
}

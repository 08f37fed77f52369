/*
 * reload.c - first load, reloads, RCU swap and the rampartd link (see reload.h).
 */
#include "dataplane/dpdk/reload.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ctrlplane/link/link.h"
#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/inline.h"
#include "dataplane/dpdk/inline_worker.h"
#include "dataplane/dpdk/managed.h"
#include "dataplane/dpdk/rules_loader.h"
#include "dataplane/dpdk/rules_setup.h"
#include "dataplane/dpdk/stats.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/output/output_thread.h"

/* Loads waiting for the loader, first in first out: rampartd matches
 * load-results to its loads by order, so every load is answered in the
 * order it came, a malformed one too (refusal set: answered when it is its
 * turn, never built). More than rampartd keeps in flight (8). */
#define RELOAD_QUEUE_MAX 16

struct queued_load {
	bool present;
	bool from_daemon;
	double received;
	char refusal[256];           /* non-empty: refuse with this when its turn comes */
	struct rules_load_job job;
};

struct reload {
	struct reload_env env;
	struct rte_rcu_qsbr *qsbr;
	struct rules_loader *loader;
	struct dp_generation *gen;                  /* what runs */
	struct engine_worker *engines[INLINE_MAX_WORKERS];
	struct output_thread *output;
	bool rules_loaded;
	bool initial_done;                          /* the start-up set was submitted */
	struct queued_load queue[RELOAD_QUEUE_MAX]; /* ring: head, count */
	unsigned q_head, q_count;
	bool daemon_loaded;                         /* a load came from rampartd */
	struct queued_load building;                /* submitted to the loader (job moved out) */
	/* the swap in flight */
	struct {
		bool active;
		struct rules_load_outcome *o;
		struct dp_generation *old;
		struct queued_load load;
		uint64_t token;
		bool grace_passed;
		uint64_t barrier;
		double published;
	} swap;
	struct inline_swap wswap[INLINE_MAX_WORKERS];
	/* managed */
	struct managed_export *export;
	struct managed_link *link;
	uint64_t reloads_ok, reloads_refused;
};

static void say(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static json_t *running_json(void *ctx)
{
	struct reload *r = ctx;
	const struct dp_generation *g = r->gen;

	return json_pack("{s:I,s:o,s:o}", "generation", (json_int_t)(g ? g->generation : 0),
			 "rules_sha256", g && g->rules_sha256[0] ? json_string(g->rules_sha256) : json_null(),
			 "policy_version", g && g->policy_version >= 0 ? json_integer(g->policy_version)
								       : json_null());
}

static void send_refusal(struct reload *r, uint64_t generation, const char *why)
{
	json_t *msg = json_pack("{s:s,s:I,s:b,s:s}", "type", "load-result", "generation",
				(json_int_t)generation, "ok", 0, "error", why);

	if (r->link && msg)
		(void)managed_link_send(r->link, msg);
	json_decref(msg);
}

static void refuse(struct reload *r, const struct queued_load *q, const char *why)
{
	char line[700];

	r->reloads_refused++;
	snprintf(line, sizeof(line), "rampart-dp: reload generation %llu refused: %s",
		 (unsigned long long)q->job.generation, why);
	say(line);
	if (q->from_daemon)
		send_refusal(r, q->job.generation, why);
}

/* Copy a sealed memfd's text (NUL-terminated). NULL with why. */
static char *read_memfd(int fd, size_t *len, char *why, size_t whylen)
{
	size_t n = 0;
	void *p = link_map_readonly(fd, &n);
	char *copy;

	if (!p) {
		snprintf(why, whylen, "cannot map the memfd: %s", strerror(errno));
		return NULL;
	}
	copy = malloc(n + 1);
	if (copy) {
		memcpy(copy, p, n);
		copy[n] = '\0';
		*len = n;
	} else {
		snprintf(why, whylen, "out of memory");
	}
	if (n)
		munmap(p, n);
	return copy;
}

static void on_load(void *ctx, json_t *msg, int *fds, unsigned n_fds)
{
	struct reload *r = ctx;
	struct queued_load q = { .present = true, .from_daemon = true };
	json_t *gen = json_object_get(msg, "generation");
	json_t *sha = json_object_get(msg, "rules_sha256");
	json_t *pv = json_object_get(msg, "policy_version");
	char why[256] = "";

	q.received = stats_wall_clock();
	q.job.policy_version = json_is_integer(pv) ? json_integer_value(pv) : -1;
	q.job.generation = json_is_integer(gen) ? (uint64_t)json_integer_value(gen) : 0;
	if (!json_is_integer(gen) || json_integer_value(gen) < 0) {
		snprintf(why, sizeof(why), "load: generation missing or not a number");
	} else if (sha && !json_is_null(sha) &&
		   (!json_is_string(sha) || json_string_length(sha) >= sizeof(q.job.rules_sha256))) {
		snprintf(why, sizeof(why), "load: rules_sha256 is not a sha256 hex string");
	} else if (n_fds > 3) {
		snprintf(why, sizeof(why), "load: %u fds (expected rules text, config and hs cache)", n_fds);
	} else {
		if (json_is_string(sha))
			snprintf(q.job.rules_sha256, sizeof(q.job.rules_sha256), "%s",
				 json_string_value(sha));
		/* fds: [config] | [rules, config] | [rules, config, hs cache] */
		q.job.keep_rules = n_fds < 2;
		if (n_fds >= 2)
			q.job.rules_text = read_memfd(fds[0], &q.job.rules_len, why, sizeof(why));
		if (n_fds >= 1 && !why[0])
			q.job.config_yaml = read_memfd(fds[n_fds == 3 ? 1 : n_fds - 1], &q.job.config_len, why,
						       sizeof(why));
		if (n_fds == 3 && !why[0]) {
			/* the compiled blob is an accelerator: unreadable = compile */
			char blob_why[256];

			q.job.hsdb = (uint8_t *)read_memfd(fds[2], &q.job.hsdb_len, blob_why, sizeof(blob_why));
			if (!q.job.hsdb)
				q.job.hsdb_len = 0;
		}
	}
	for (unsigned i = 0; i < n_fds; i++)
		close(fds[i]);
	r->daemon_loaded = true;
	if (why[0]) {
		uint64_t generation = q.job.generation;

		rules_load_job_clear(&q.job);
		q.job.generation = generation;
		snprintf(q.refusal, sizeof(q.refusal), "%s", why);
	}
	if (r->q_count == RELOAD_QUEUE_MAX) {
		/* rampartd never has this many in flight: answer at once */
		refuse(r, &q, "too many loads waiting");
		rules_load_job_clear(&q.job);
		return;
	}
	r->queue[(r->q_head + r->q_count++) % RELOAD_QUEUE_MAX] = q;
}

static json_t *stats_json(void *ctx)
{
	struct reload *r = ctx;

	return r->env.stats_json(r->env.stats_ctx);
}

struct reload *reload_new(const struct reload_env *env, char *err, size_t errlen)
{
	const struct inline_input *in = env->in;
	struct reload *r = calloc(1, sizeof(*r));
	struct rules_loader_env le;
	uint16_t nw = env->plane->n_workers;
	size_t sz;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->env = *env;
	sz = rte_rcu_qsbr_get_memsize(nw);
	r->qsbr = rte_zmalloc("reload_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!r->qsbr || rte_rcu_qsbr_init(r->qsbr, nw) != 0) {
		snprintf(err, errlen, "RCU state: out of memory");
		goto fail;
	}
	for (uint16_t i = 0; i < nw; i++)
		rte_rcu_qsbr_thread_register(r->qsbr, i);
	env->plane->qsbr = r->qsbr;

	le = (struct rules_loader_env){
		.cli = in->cli,
		.classes = in->rules ? in->rules->classes : NULL,
		.n_ports = env->n_ports,
		.port_ids = env->port_ids,
		.port_labels = env->port_labels,
		.n_workers = nw,
	};
	r->loader = rules_loader_start(&le, err, errlen);
	if (!r->loader)
		goto fail;
	if (in->cli->managed_socket) {
		struct managed_port ports[INLINE_MAX_PORTS];
		struct managed_ops ops = { .ctx = r, .running = running_json, .on_load = on_load,
					   .stats = stats_json };

		r->export = managed_export_new(MANAGED_EXPORT_RING_BYTES);
		if (!r->export) {
			snprintf(err, errlen, "export ring: %s", strerror(errno));
			goto fail;
		}
		for (unsigned i = 0; i < env->n_ports && i < INLINE_MAX_PORTS; i++)
			ports[i] = (struct managed_port){ env->port_ids[i], env->port_labels[i] };
		r->link = managed_link_new(in->cli->managed_socket, managed_export_memfd(r->export), nw,
					   ports, env->n_ports, &ops);
		if (!r->link) {
			snprintf(err, errlen, "managed link: out of memory");
			goto fail;
		}
	}
	return r;
fail:
	reload_stop(r);
	reload_free(r);
	return NULL;
}

/* ---- the swap ---- */

static int start_output(struct reload *r)
{
	struct alert_ring *rings[INLINE_MAX_WORKERS];
	uint16_t nw = r->env.plane->n_workers;

	for (uint16_t i = 0; i < nw; i++)
		rings[i] = engine_worker_alert_ring(r->engines[i]);
	r->output = output_thread_start_sink(rings, nw, r->env.in->eve,
					     r->export ? managed_export_record : NULL, r->export);
	return r->output ? 0 : -1;
}

static void print_detect(const struct dp_generation *g)
{
	fprintf(stderr,
		"rampart-dp: detect: %zu rules compiled (%zu skipped) into %zu groups, "
		"%zu Hyperscan bytes, %.3f s\n",
		g->ds.n_rules, g->ds.n_skipped, g->ds.n_groups, g->ds.hs_bytes, g->ds.compile_seconds);
}

/* Step 2: publish the outcome's swaps to every worker. */
static int commit(struct reload *r, struct rules_load_outcome *o, double now, char *err,
		  size_t errlen)
{
	struct inline_plane *pl = r->env.plane;
	struct dp_generation *old = r->gen, *g = o->gen;

	if (old && !o->rules_changed) {
		g->owns_rules = old->owns_rules;
		g->owns_detect = old->owns_detect;
		old->owns_rules = old->owns_detect = false;
	}
	if (old && !o->policy_changed) {
		g->owns_policy = old->owns_policy;
		old->owns_policy = false;
	}
	if (o->rules_changed)
		print_detect(g);
	memset(r->wswap, 0, sizeof(r->wswap));
	for (uint16_t i = 0; i < pl->n_workers; i++) {
		if (o->engines[i]) {
			r->engines[i] = o->engines[i];
			o->engines[i] = NULL;
			r->wswap[i].engine = r->engines[i];
		} else {
			r->wswap[i].rules = o->rules_swaps[i];
			r->wswap[i].policy = o->policy_swaps[i];
		}
	}
	if (!r->output && r->engines[0] && start_output(r) != 0) {
		snprintf(err, errlen, "cannot start the output thread: %s", strerror(errno));
		return -1;
	}
	for (uint16_t i = 0; i < pl->n_workers; i++)
		__atomic_store_n(&pl->workers[i]->pending, &r->wswap[i], __ATOMIC_RELEASE);
	r->gen = g;
	o->gen = NULL;
	r->swap.active = true;
	r->swap.o = o;
	r->swap.old = old;
	r->swap.grace_passed = false;
	r->swap.published = now;
	r->swap.load = r->building;
	r->building.present = false;
	r->swap.token = rte_rcu_qsbr_start(r->qsbr);
	return 0;
}

static void send_success(struct reload *r, const struct rules_load_outcome *o, double swap_s,
			 double total_s)
{
	long rss = 0, peak = 0;
	json_t *msg;

	rules_loader_memory(&rss, &peak);
	msg = json_pack("{s:s,s:I,s:b,s:b,s:{s:I,s:I,s:I,s:I,s:I,s:I},"
			"s:{s:f,s:f,s:f,s:f,s:s?,s:I,s:I},s:{s:I,s:I,s:I}}",
			"type", "load-result", "generation", (json_int_t)o->generation, "ok", 1,
			"rules_changed", o->rules_changed, "rules", "loaded",
			(json_int_t)o->rules_loaded, "compiled", (json_int_t)o->rules_compiled,
			"skipped", (json_int_t)o->rules_skipped, "failed", (json_int_t)o->rules_failed,
			"threshold_applied", (json_int_t)o->threshold_applied,
			"threshold_rejected", (json_int_t)o->threshold_rejected,
			"timing", "parse_s", o->parse_s, "compile_s", o->compile_s, "swap_s", swap_s,
			"total_s", total_s, "hs_cache", o->hs_cache,
			"hs_cache_hits", (json_int_t)o->hs_cache_hits,
			"hs_cache_misses", (json_int_t)o->hs_cache_misses,
			"memory", "detect_bytes", (json_int_t)o->detect_bytes,
			"rss_kb", (json_int_t)rss, "rss_peak_kb", (json_int_t)peak);
	if (r->link && msg)
		(void)managed_link_send(r->link, msg);
	json_decref(msg);
}

/* Steps 3-5. */
static void advance_swap(struct reload *r, double now)
{
	struct inline_plane *pl = r->env.plane;
	struct rules_load_outcome *o = r->swap.o;

	if (!r->swap.grace_passed) {
		if (rte_rcu_qsbr_check(r->qsbr, r->swap.token, false) != 1)
			return;
		for (uint16_t i = 0; i < pl->n_workers; i++)
			if (__atomic_load_n(&pl->workers[i]->pending, __ATOMIC_ACQUIRE))
				return;
		r->swap.grace_passed = true;
		r->swap.barrier = output_thread_barrier(r->output);
	}
	if (!output_thread_barrier_passed(r->output, r->swap.barrier))
		return;

	/* Every worker runs the new generation and no record names the old:
	 * free the replaced state first, so the reply's memory is what stays. */
	double swap_s = now - r->swap.published;
	struct queued_load load = r->swap.load;
	struct rules_load_outcome done = *o;  /* counters and timings only */
	bool big = o->rules_changed && r->swap.old;

	rules_load_outcome_free(o); /* the swaps now hold the replaced state */
	dp_generation_free(r->swap.old);
	memset(&r->swap, 0, sizeof(r->swap));
	/* A replaced rule set is tens of MiB in many allocations: hand the
	 * freed heap back, or RSS keeps both generations' peak. */
	if (big)
		malloc_trim(0);
	if (load.from_daemon) {
		char line[160];

		r->reloads_ok++;
		send_success(r, &done, swap_s, now - load.received);
		snprintf(line, sizeof(line), "rampart-dp: reload generation %llu ok",
			 (unsigned long long)done.generation);
		if (!r->rules_loaded)
			say("rampart-dp: rules loaded");
		say(line);
	} else if (!r->rules_loaded) {
		say("rampart-dp: rules loaded");
	}
	r->rules_loaded = true;
}

/* Start the oldest waiting load (the loader is idle, no swap in flight);
 * refusals decided on arrival are answered here, in order. */
static void submit_next(struct reload *r)
{
	while (r->q_count > 0 && !rules_loader_busy(r->loader)) {
		struct queued_load *q = &r->queue[r->q_head];

		r->q_head = (r->q_head + 1) % RELOAD_QUEUE_MAX;
		r->q_count--;
		if (q->refusal[0]) {
			refuse(r, q, q->refusal);
			continue;
		}
		r->building = *q;
		/* the job's buffers move to the loader: building keeps the rest */
		r->building.job.rules_text = NULL;
		r->building.job.config_yaml = NULL;
		if (!rules_loader_submit(r->loader, &q->job, r->gen, r->engines)) {
			refuse(r, q, "out of memory");
			rules_load_job_clear(&q->job);
			r->building.present = false;
			continue;
		}
		return;
	}
}

int reload_tick(struct reload *r, double now, bool start_initial, char *err, size_t errlen)
{
	const struct inline_input *in = r->env.in;
	struct rules_load_outcome *o;

	if (r->link)
		managed_link_tick(r->link, now);
	if (start_initial && !r->initial_done) {
		r->initial_done = true;
		if (!in->cli->managed_socket || in->cli->n_rules_paths > 0) {
			struct queued_load q = { .present = true, .received = now };

			q.job.policy_version = -1;
			q.job.preloaded = in->rules;
			/* the daemon's loads that came first win */
			if (!r->daemon_loaded && r->q_count < RELOAD_QUEUE_MAX)
				r->queue[(r->q_head + r->q_count++) % RELOAD_QUEUE_MAX] = q;
		}
	}
	if (r->swap.active) {
		advance_swap(r, now);
		return 0;
	}
	o = rules_loader_poll(r->loader);
	if (o && !o->ok) {
		struct queued_load q = r->building;

		r->building.present = false;
		if (!q.from_daemon) {
			snprintf(err, errlen, "%s", o->error);
			rules_load_outcome_free(o);
			return -1;
		}
		q.job.generation = o->generation;
		refuse(r, &q, o->error);
		rules_load_outcome_free(o);
		return 0;
	}
	if (o) {
		if (commit(r, o, now, err, errlen) != 0) {
			rules_load_outcome_free(o);
			return -1;
		}
		return 0;
	}
	submit_next(r);
	return 0;
}

bool reload_rules_loaded(const struct reload *r)
{
	return r->rules_loaded;
}

struct engine_worker *const *reload_engines(const struct reload *r)
{
	return r->engines;
}

const struct dp_generation *reload_current(const struct reload *r)
{
	return r->gen;
}

void reload_fill_stats(const struct reload *r, struct run_stats *s)
{
	struct managed_export_counters c;

	if (!r->export)
		return;
	managed_export_counters(r->export, &c);
	s->managed = true;
	s->export_pushed = c.pushed;
	s->export_dropped_full = c.dropped_full;
	s->export_format_errors = c.format_errors;
	s->managed_attached = r->link && managed_link_attached(r->link);
	s->managed_generation = r->gen ? r->gen->generation : 0;
	s->managed_rules_sha256 = r->gen ? r->gen->rules_sha256 : NULL;
	s->managed_policy_version = r->gen ? r->gen->policy_version : -1;
	s->managed_reloads_ok = r->reloads_ok;
	s->managed_reloads_refused = r->reloads_refused;
}

int reload_stop(struct reload *r)
{
	int rc = 0;

	if (!r)
		return 0;
	rules_loader_stop(r->loader);
	r->loader = NULL;
	managed_link_free(r->link);
	r->link = NULL;
	for (uint16_t i = 0; i < r->env.plane->n_workers; i++)
		if (r->engines[i])
			engine_worker_finish(r->engines[i]);
	if (r->output) {
		rc = output_thread_stop(r->output);
		r->output = NULL;
	}
	while (r->q_count > 0) {
		rules_load_job_clear(&r->queue[r->q_head].job);
		r->q_head = (r->q_head + 1) % RELOAD_QUEUE_MAX;
		r->q_count--;
	}
	return rc;
}

void reload_free(struct reload *r)
{
	if (!r)
		return;
	/* Engines first (a worker that never applied a swap in flight still
	 * runs the old generation), then that swap: never-applied swaps free
	 * their new state, applied ones the old; then both generations. */
	for (uint16_t i = 0; i < INLINE_MAX_WORKERS; i++)
		engine_worker_free(r->engines[i]);
	rules_load_outcome_free(r->swap.o);
	dp_generation_free(r->swap.old);
	dp_generation_free(r->gen);
	managed_export_free(r->export);
	if (r->env.plane->qsbr == r->qsbr)
		r->env.plane->qsbr = NULL;
	rte_free(r->qsbr);
	free(r);
}

/*
 * rules_loader.c - builds generations on a loader pthread (see rules_loader.h).
 */
#include "dataplane/dpdk/rules_loader.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/rules_setup.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/policy/policy.h"
#include "dataplane/engine/policy/rep_sources.h"
#include "dataplane/engine/proc_memory.h"
#include "signatures/compiler/hs_cache.h"
#include "signatures/parser/sig_parser.h"
#include "signatures/rule.h"

struct rules_loader {
	struct rules_loader_env env;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool have_job, quit;                      /* under lock */
	struct rules_load_job job;                /* under lock until taken */
	const struct dp_generation *running;
	struct engine_worker *engines[INLINE_MAX_WORKERS];
	struct rules_load_outcome *outcome;       /* allocated by submit, filled by the loader */
	_Atomic(struct rules_load_outcome *) done; /* loader -> control thread */
	_Atomic bool busy;                        /* submitted, outcome not yet polled */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rules_loader_memory(long *rss_kb, long *peak_kb)
{
	/* this header's contract says 0 when unknown; proc_memory says -1 */
	proc_memory_kb(rss_kb, peak_kb);
	if (*rss_kb < 0)
		*rss_kb = 0;
	if (*peak_kb < 0)
		*peak_kb = 0;
}

void dp_generation_free(struct dp_generation *g)
{
	if (!g)
		return;
	if (g->owns_detect && g->de)
		detect_engine_free(g->de);
	if (g->owns_rules) {
		if (g->rs)
			sig_ruleset_free(g->rs);
		if (g->vars)
			sig_vars_free(g->vars);
	}
	if (g->owns_policy)
		fw_policy_free(g->policy);
	engine_config_free(&g->cfg);
	free(g->config_yaml);
	free(g->vars_key);
	free(g);
}

void rules_load_job_clear(struct rules_load_job *job)
{
	free(job->rules_text);
	free(job->config_yaml);
	free(job->hsdb);
	memset(job, 0, sizeof(*job));
	job->policy_version = -1;
}

void rules_load_outcome_free(struct rules_load_outcome *o)
{
	if (!o)
		return;
	for (unsigned i = 0; i < INLINE_MAX_WORKERS; i++) {
		engine_worker_free(o->engines[i]);
		engine_rules_swap_free(o->rules_swaps[i]);
		engine_policy_swap_free(o->policy_swaps[i]);
	}
	dp_generation_free(o->gen);
	free(o);
}

/* ---- one build ---- */

/* Engine config: own --config, then rampartd's YAML on top; inline IPS. */
static int build_config(struct rules_loader *l, const struct rules_load_job *job,
			struct dp_generation *g, char *err, size_t errlen)
{
	const struct cli_options *cli = l->env.cli;

	engine_config_init(&g->cfg);
	if (cli->config_path && engine_config_load(&g->cfg, cli->config_path, err, errlen) != 0)
		return -1;
	if (g->config_yaml &&
	    engine_config_load_string(&g->cfg, g->config_yaml, job->config_len, "rampartd config",
				      err, errlen) != 0)
		return -1;
	g->cfg.mode = ENGINE_MODE_IPS;
	return 0;
}

/* Suricata's defaults, config vars, then --var (later wins); and the key
 * that says whether the rules must be rebuilt for them. */
static int build_vars(struct rules_loader *l, struct dp_generation *g, struct sig_vars **out,
		      char *err, size_t errlen)
{
	const struct cli_options *cli = l->env.cli;
	struct sig_vars *vars = sig_vars_new_defaults();
	char why[256];
	size_t cap = 1, len = 0;

	if (!vars) {
		snprintf(err, errlen, "rule variables: out of memory");
		return -1;
	}
	for (size_t i = 0; i < g->cfg.n_vars; i++) {
		if (sig_vars_set(vars, g->cfg.vars[i].name, g->cfg.vars[i].value, why, sizeof(why))) {
			snprintf(err, errlen, "vars: %s: %s", g->cfg.vars[i].name, why);
			goto fail;
		}
		cap += strlen(g->cfg.vars[i].name) + strlen(g->cfg.vars[i].value) + 2;
	}
	for (size_t i = 0; i < cli->n_vars; i++) {
		if (sig_vars_set(vars, cli->vars[i].name, cli->vars[i].value, why, sizeof(why))) {
			snprintf(err, errlen, "--var %s: %s", cli->vars[i].name, why);
			goto fail;
		}
		cap += strlen(cli->vars[i].name) + strlen(cli->vars[i].value) + 2;
	}
	g->vars_key = malloc(cap);
	if (!g->vars_key) {
		snprintf(err, errlen, "rule variables: out of memory");
		goto fail;
	}
	g->vars_key[0] = '\0';
	for (size_t i = 0; i < g->cfg.n_vars; i++)
		len += (size_t)snprintf(g->vars_key + len, cap - len, "%s=%s\n", g->cfg.vars[i].name,
					g->cfg.vars[i].value);
	for (size_t i = 0; i < cli->n_vars; i++)
		len += (size_t)snprintf(g->vars_key + len, cap - len, "%s=%s\n", cli->vars[i].name,
					cli->vars[i].value);
	*out = vars;
	return 0;
fail:
	sig_vars_free(vars);
	return -1;
}

/* Rule text (threshold.config part included) -> rule set. */
static int parse_rules(struct rules_loader *l, const struct rules_load_job *job,
		       struct dp_generation *g, char *err, size_t errlen)
{
	const char *text = job->rules_text ? job->rules_text : "";
	size_t len = job->rules_text ? job->rules_len : 0;
	char why[384];
	struct sig_load_options opt = { .vars = g->vars, .classes = l->env.classes };
	struct rep_sources rep = { 0 };
	int rc = -1;

	g->rs = sig_ruleset_new();
	if (!g->rs) {
		snprintf(err, errlen, "rule set: out of memory");
		return -1;
	}
	/* geoip / iprep keywords resolve against what this generation's config names */
	if (sig_load_options_attach_reputation(&opt, &g->cfg, &rep, NULL, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (sig_ruleset_load_buffer(g->rs, text, len, "rules", &opt, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "rule text: %s", why);
		goto out;
	}
	if (g->rs->n_rules == 0 && g->rs->n_errors > 0) {
		const struct sig_load_error *e = &g->rs->errors[0];

		snprintf(err, errlen, "every rule was rejected (%zu); first: line %u: %s%s%s",
			 g->rs->n_errors, e->line, e->keyword ? e->keyword : "",
			 e->keyword ? ": " : "", e->reason ? e->reason : "invalid");
		goto out;
	}
	if (g->rs->n_threshold_errors) {
		/* like rampartd's validation: reported, the set still loads */
		const struct sig_load_error *e = &g->rs->threshold_errors[0];

		fprintf(stderr, "rampart-dp: threshold.config: %zu entr%s refused; first: line %u: %s\n",
			g->rs->n_threshold_errors, g->rs->n_threshold_errors == 1 ? "y" : "ies", e->line,
			e->reason ? e->reason : "invalid");
	}
	rc = 0;
out:
	rep_sources_close(&rep);
	return rc;
}

/* Detect build, from rampartd's compiled blob when the job has one. */
static int build_detect(const struct rules_load_job *job, struct dp_generation *g, struct rules_load_outcome *o,
			char *err, size_t errlen)
{
	struct detect_hs_cache *cache = NULL;
	char why[384];
	bool invalid = false;

	if (job->hsdb && job->hsdb_len) {
		cache = detect_hs_cache_load(job->hsdb, job->hsdb_len, why, sizeof(why));
		if (!cache) {
			fprintf(stderr, "rampart-dp: generation %llu: %s: compiling\n",
				(unsigned long long)job->generation, why);
			invalid = true;
		}
	}
	g->de = detect_engine_build_cached(g->rs, cache, &g->ds, why, sizeof(why));
	detect_hs_cache_free(cache);
	if (!g->de) {
		snprintf(err, errlen, "detect engine build failed: %s", why);
		return -1;
	}
	g->owns_detect = true;
	o->hs_cache_hits = g->ds.n_hs_cache_hits;
	o->hs_cache_misses = g->ds.n_hs_cache_misses;
	if (invalid || g->ds.n_hs_cache_fallbacks)
		o->hs_cache = "invalid";
	else if (g->ds.n_hs_cache_hits && !g->ds.n_hs_cache_misses)
		o->hs_cache = "hit";
	else
		o->hs_cache = "miss";
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void build(struct rules_loader *l, struct rules_load_job *job, struct rules_load_outcome *o)
{
	const struct dp_generation *run = l->running;
	const double t0 = now_s();
	struct dp_generation *g = calloc(1, sizeof(*g));
	struct sig_vars *vars = NULL;
	char why[384];
	double t;

	o->generation = job->generation;
	if (!g) {
		snprintf(o->error, sizeof(o->error), "out of memory");
		return;
	}
	o->gen = g;
	g->generation = job->generation;
	g->policy_version = job->policy_version;
	snprintf(g->rules_sha256, sizeof(g->rules_sha256), "%s", job->rules_sha256);
	g->config_yaml = job->config_yaml;
	job->config_yaml = NULL;
	if (build_config(l, job, g, o->error, sizeof(o->error)) != 0)
		return;
	if (build_vars(l, g, &vars, o->error, sizeof(o->error)) != 0)
		return;

	/* Rules: rebuilt unless the same text runs with the same variables. */
	if (job->preloaded) {
		sig_vars_free(vars);
		g->rs = job->preloaded->rs;
		g->vars = job->preloaded->vars;
		o->rules_changed = true;
	} else if (run && (job->keep_rules || (job->rules_sha256[0] &&
					       strcmp(job->rules_sha256, run->rules_sha256) == 0)) &&
		   same_text(g->vars_key, run->vars_key)) {
		sig_vars_free(vars);
		g->rs = run->rs;
		g->vars = run->vars;
		g->de = run->de;
		g->ds = run->ds;
		snprintf(g->rules_sha256, sizeof(g->rules_sha256), "%s", run->rules_sha256);
	} else if (job->keep_rules && !run) {
		sig_vars_free(vars);
		snprintf(o->error, sizeof(o->error), "no rule text and no rules running");
		return;
	} else {
		g->vars = vars;
		g->owns_rules = true;
		o->rules_changed = true;
		t = now_s();
		if (parse_rules(l, job, g, o->error, sizeof(o->error)) != 0)
			return;
		o->parse_s = now_s() - t;
	}
	if (o->rules_changed) {
		t = now_s();
		if (build_detect(job, g, o, o->error, sizeof(o->error)) != 0)
			return;
		o->compile_s = now_s() - t;
		if (job->preloaded)
			o->parse_s = g->rs->load_seconds;
	}
	o->rules_loaded = g->rs->n_active;
	o->rules_compiled = g->ds.n_rules;
	o->rules_skipped = g->ds.n_skipped + (g->rs->n_rules - g->rs->n_active);
	o->rules_failed = g->rs->n_errors;
	o->detect_bytes = g->ds.total_bytes;
	o->threshold_applied = g->rs->n_threshold_applied;
	o->threshold_rejected = g->rs->n_threshold_errors;

	/* Policy: rebuilt when the config or the variables changed. */
	o->policy_changed = !run || o->rules_changed || !same_text(g->config_yaml, run->config_yaml);
	if (!o->policy_changed) {
		g->policy = run->policy;
	} else if (g->cfg.fw_present) {
		g->policy = fw_policy_build(&g->cfg, g->vars, why, sizeof(why));
		if (!g->policy) {
			snprintf(o->error, sizeof(o->error), "firewall: %s", why);
			return;
		}
		g->owns_policy = true;
		for (unsigned i = 0; i < l->env.n_ports; i++)
			fw_policy_bind_port(g->policy, l->env.port_ids[i], l->env.port_labels[i],
					    (int)(i & 1u));
	}

	/* Per worker: first engines, or the swaps. */
	for (uint16_t i = 0; i < l->env.n_workers; i++) {
		if (!l->engines[i]) {
			o->engines[i] = engine_worker_new(&g->cfg, g->de, g->rs, i, why, sizeof(why));
			if (!o->engines[i]) {
				snprintf(o->error, sizeof(o->error), "worker %u: %s", i, why);
				return;
			}
			if (g->policy && engine_worker_set_policy(o->engines[i], g->policy) != 0) {
				snprintf(o->error, sizeof(o->error), "worker %u: firewall: out of memory", i);
				return;
			}
			continue;
		}
		if (o->rules_changed) {
			o->rules_swaps[i] = engine_rules_swap_prepare(l->engines[i], g->de, g->rs);
			if (!o->rules_swaps[i]) {
				snprintf(o->error, sizeof(o->error), "worker %u: rule swap: %s", i,
					 strerror(errno));
				return;
			}
		}
		if (o->policy_changed) {
			o->policy_swaps[i] = engine_policy_swap_prepare(l->engines[i], g->policy);
			if (!o->policy_swaps[i]) {
				snprintf(o->error, sizeof(o->error), "worker %u: policy swap: %s", i,
					 strerror(errno));
				return;
			}
		}
	}
	o->build_s = now_s() - t0;
	o->ok = true;
}

static void *loader_main(void *arg)
{
	struct rules_loader *l = arg;

	/* Parsing and compiling a rule set takes the better part of a second
	 * of CPU. Where workers share CPUs with it (small boxes, the lab) the
	 * workers must win: nice 19 for this thread only (Linux: a TID is a
	 * PRIO_PROCESS target). On dedicated worker cores it changes nothing. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);

	for (;;) {
		struct rules_load_job job;
		struct rules_load_outcome *o;

		pthread_mutex_lock(&l->lock);
		while (!l->have_job && !l->quit)
			pthread_cond_wait(&l->wake, &l->lock);
		if (!l->have_job) {
			pthread_mutex_unlock(&l->lock);
			return NULL;
		}
		job = l->job;
		o = l->outcome;
		l->outcome = NULL;
		l->have_job = false;
		pthread_mutex_unlock(&l->lock);

		{
			build(l, &job, o);
			if (!o->ok) {
				/* Nothing half-built survives a refusal. */
				struct rules_load_outcome keep = { .generation = o->generation };

				memcpy(keep.error, o->error, sizeof(keep.error));
				for (unsigned i = 0; i < INLINE_MAX_WORKERS; i++)
					engine_worker_free(o->engines[i]);
				for (unsigned i = 0; i < INLINE_MAX_WORKERS; i++) {
					engine_rules_swap_free(o->rules_swaps[i]);
					engine_policy_swap_free(o->policy_swaps[i]);
				}
				dp_generation_free(o->gen);
				*o = keep;
			}
		}
		rules_load_job_clear(&job);
		atomic_store_explicit(&l->done, o, memory_order_release);
	}
}

struct rules_loader *rules_loader_start(const struct rules_loader_env *env, char *err,
					size_t errlen)
{
	struct rules_loader *l = calloc(1, sizeof(*l));
	int rc;

	if (!l) {
		snprintf(err, errlen, "rules loader: out of memory");
		return NULL;
	}
	l->env = *env;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	atomic_init(&l->done, NULL);
	atomic_init(&l->busy, false);
	rc = pthread_create(&l->thread, NULL, loader_main, l);
	if (rc != 0) {
		snprintf(err, errlen, "rules loader: pthread_create: %s", strerror(rc));
		free(l);
		return NULL;
	}
	(void)pthread_setname_np(l->thread, "rampart-loader");
	return l;
}

bool rules_loader_submit(struct rules_loader *l, struct rules_load_job *job,
			 const struct dp_generation *running, struct engine_worker *const *engines)
{
	struct rules_load_outcome *o;

	if (atomic_load_explicit(&l->busy, memory_order_acquire))
		return false;
	o = calloc(1, sizeof(*o));
	if (!o)
		return false;
	atomic_store_explicit(&l->busy, true, memory_order_relaxed);
	pthread_mutex_lock(&l->lock);
	l->outcome = o;
	l->job = *job;
	l->running = running;
	for (uint16_t i = 0; i < l->env.n_workers; i++)
		l->engines[i] = engines ? engines[i] : NULL;
	l->have_job = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	memset(job, 0, sizeof(*job));
	job->policy_version = -1;
	return true;
}

bool rules_loader_busy(const struct rules_loader *l)
{
	return atomic_load_explicit(&l->busy, memory_order_acquire);
}

struct rules_load_outcome *rules_loader_poll(struct rules_loader *l)
{
	struct rules_load_outcome *o;

	if (!atomic_load_explicit(&l->busy, memory_order_acquire))
		return NULL;
	o = atomic_exchange_explicit(&l->done, NULL, memory_order_acq_rel);
	if (!o)
		return NULL;
	atomic_store_explicit(&l->busy, false, memory_order_release);
	return o;
}

void rules_loader_stop(struct rules_loader *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->quit = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	if (l->have_job) {
		rules_load_job_clear(&l->job);
		free(l->outcome);
	}
	rules_load_outcome_free(atomic_exchange(&l->done, NULL));
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->wake);
	free(l);
}

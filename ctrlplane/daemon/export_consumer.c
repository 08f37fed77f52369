/*
 * export_consumer.c - the thread that empties the data planes' export rings.
 *
 * One thread for every attached ring: it pops records round-robin (a batch
 * per ring per pass, so one busy data plane cannot starve another) and
 * hands each to export_submit, which never blocks. When every ring is empty
 * it sleeps 1 ms: records wait at most that long, and an idle daemon costs
 * nothing measurable. The ring list is shared with the main thread under
 * rings_lock; removing a ring takes the lock, so a ring is never closed
 * while a pop is running on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/link/export_ring.h"

#define CONSUMER_BATCH   256           /* records per ring per pass */
#define CONSUMER_BUF     (256 * 1024)  /* longest record accepted */

/* Under rings_lock. Keeps the table at most half full. */
static void count_alert(struct rampartd *d, uint32_t gid, uint32_t sid)
{
	if (d->n_sids * 2 >= d->sid_cap && d->sid_cap < RAMPARTD_MAX_SIDS * 2) {
		size_t cap = d->sid_cap ? d->sid_cap * 2 : 1024;
		struct sid_count *t = calloc(cap, sizeof(*t));

		if (t) {
			for (size_t i = 0; i < d->sid_cap; i++) {
				struct sid_count *o = &d->sid_counts[i];

				if (!o->alerts)
					continue;
				size_t j = ((size_t)o->sid * 2654435761u + o->gid) & (cap - 1);

				while (t[j].alerts)
					j = (j + 1) & (cap - 1);
				t[j] = *o;
			}
			free(d->sid_counts);
			d->sid_counts = t;
			d->sid_cap = cap;
		}
	}
	if (d->sid_cap == 0)
		return;
	if (d->n_sids * 2 >= d->sid_cap) {
		gid = 0; /* table full: "other" (gid 0 sid 0) */
		sid = 0;
	}
	size_t j = ((size_t)sid * 2654435761u + gid) & (d->sid_cap - 1);

	while (d->sid_counts[j].alerts && (d->sid_counts[j].sid != sid || d->sid_counts[j].gid != gid))
		j = (j + 1) & (d->sid_cap - 1);
	if (!d->sid_counts[j].alerts) {
		d->sid_counts[j].gid = gid;
		d->sid_counts[j].sid = sid;
		d->n_sids++;
	}
	d->sid_counts[j].alerts++;
}

static void *consumer_main(void *arg)
{
	struct rampartd *d = arg;
	char *buf = malloc(CONSUMER_BUF);
	const struct timespec idle = { .tv_sec = 0, .tv_nsec = 1000000 };

	if (!buf) {
		fprintf(stderr, "rampartd: export consumer: out of memory\n");
		return NULL;
	}
	while (!__atomic_load_n(&d->consumer_stop, __ATOMIC_ACQUIRE)) {
		uint64_t got = 0;

		pthread_mutex_lock(&d->rings_lock);
		for (size_t i = 0; i < d->n_rings; i++) {
			for (int n = 0; n < CONSUMER_BATCH; n++) {
				struct export_rec_hdr h;
				int rc = export_ring_pop(d->rings[i], &h, buf, CONSUMER_BUF);

				if (rc == 0)
					break;
				if (rc < 0)
					continue; /* too long: skipped and counted by the ring */
				export_submit(d->exporter, &h, buf, h.len);
				if (h.kind == EXPORT_REC_ALERT)
					count_alert(d, h.gid, h.sid);
				got++;
			}
		}
		d->consumer_records += got;
		pthread_mutex_unlock(&d->rings_lock);
		if (got == 0)
			nanosleep(&idle, NULL);
	}
	free(buf);
	return NULL;
}

int export_consumer_start(struct rampartd *d, char *err, size_t errlen)
{
	int rc = pthread_create(&d->consumer, NULL, consumer_main, d);

	if (rc != 0) {
		snprintf(err, errlen, "export consumer thread: %s", strerror(rc));
		return -1;
	}
	d->consumer_running = true;
	return 0;
}

void export_consumer_add(struct rampartd *d, struct export_ring *r)
{
	pthread_mutex_lock(&d->rings_lock);
	if (d->n_rings == d->cap_rings) {
		size_t cap = d->cap_rings ? d->cap_rings * 2 : 4;
		struct export_ring **grown = realloc(d->rings, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&d->rings_lock);
			fprintf(stderr, "rampartd: out of memory: export ring not read\n");
			export_ring_close(r);
			return;
		}
		d->rings = grown;
		d->cap_rings = cap;
	}
	d->rings[d->n_rings++] = r;
	pthread_mutex_unlock(&d->rings_lock);
}

void export_consumer_remove(struct rampartd *d, struct export_ring *r)
{
	bool found = false;

	pthread_mutex_lock(&d->rings_lock);
	for (size_t i = 0; i < d->n_rings; i++) {
		if (d->rings[i] == r) {
			d->rings[i] = d->rings[--d->n_rings];
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->rings_lock);
	if (found)
		export_ring_close(r);
}

void export_consumer_stop(struct rampartd *d)
{
	if (d->consumer_running) {
		__atomic_store_n(&d->consumer_stop, true, __ATOMIC_RELEASE);
		pthread_join(d->consumer, NULL);
		d->consumer_running = false;
	}
	for (size_t i = 0; i < d->n_rings; i++)
		export_ring_close(d->rings[i]);
	d->n_rings = 0;
	free(d->sid_counts);
	d->sid_counts = NULL;
	d->sid_cap = d->n_sids = 0;
}

uint64_t export_consumer_ring_dropped(struct rampartd *d)
{
	uint64_t dropped = 0;

	pthread_mutex_lock(&d->rings_lock);
	for (size_t i = 0; i < d->n_rings; i++) {
		struct export_ring_counters rc;

		export_ring_counters(d->rings[i], &rc);
		dropped += rc.dropped_full + rc.dropped_oversize;
	}
	pthread_mutex_unlock(&d->rings_lock);
	return dropped;
}

void export_consumer_render(struct rampartd *d, struct prom_buf *out)
{
	char sid[32];

	prom_family(out, "rampart_export_ring_dropped_total", PROM_COUNTER,
		    "Records the data planes could not put in their export ring (full)");
	prom_u64(out, "rampart_export_ring_dropped_total", NULL, 0, export_consumer_ring_dropped(d));
	prom_family(out, "rampart_alerts_total", PROM_COUNTER, "Alerts exported, by rule (gid:sid; sid when gid is 1)");
	pthread_mutex_lock(&d->rings_lock);
	for (size_t i = 0; i < d->sid_cap; i++) {
		const struct sid_count *s = &d->sid_counts[i];

		if (!s->alerts)
			continue;
		if (s->gid == 0 && s->sid == 0)
			snprintf(sid, sizeof(sid), "other");
		else if (s->gid == 1)
			snprintf(sid, sizeof(sid), "%u", s->sid);
		else
			snprintf(sid, sizeof(sid), "%u:%u", s->gid, s->sid);
		struct prom_label l = { "sid", sid };

		prom_u64(out, "rampart_alerts_total", &l, 1, s->alerts);
	}
	pthread_mutex_unlock(&d->rings_lock);
}

/*
 * test_metrics.c - the Prometheus text writer and the HTTP endpoint as a
 * scraper sees it: 200 + text format 0.0.4 content type at /metrics, 404
 * elsewhere, 405 for other methods, 500 when rendering failed, loopback
 * only unless allowed, bind errors that say why, the `metrics:` section.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/metrics/export_metrics.h"
#include "ctrlplane/metrics/metrics.h"

/* ---- prom_text ---- */

static void test_prom_text_format(void **state)
{
	struct prom_buf b;
	const struct prom_label sink[] = {{"sink", "eve"}};
	const struct prom_label two[] = {{"port", "veth-a"}, {"direction", "rx"}};

	(void)state;
	prom_buf_init(&b);
	prom_family(&b, "rampart_export_records_total", PROM_COUNTER, "Records written per sink.");
	prom_u64(&b, "rampart_export_records_total", sink, 1, 42);
	prom_family(&b, "rampart_port_packets_total", PROM_COUNTER, "Packets per port\nand direction \\ (help).");
	prom_u64(&b, "rampart_port_packets_total", two, 2, 18446744073709551615ull);
	prom_family(&b, "rampart_reload_seconds", PROM_GAUGE, "Last reload.");
	prom_f64(&b, "rampart_reload_seconds", NULL, 0, 0.25);
	prom_f64(&b, "rampart_reload_seconds", NULL, 0, 0.1);
	prom_f64(&b, "rampart_reload_seconds", NULL, 0, 1.0 / 0.0);
	prom_f64(&b, "rampart_reload_seconds", NULL, 0, 0.0 / 0.0);
	assert_false(b.failed);
	assert_string_equal(b.data, "# HELP rampart_export_records_total Records written per sink.\n"
				    "# TYPE rampart_export_records_total counter\n"
				    "rampart_export_records_total{sink=\"eve\"} 42\n"
				    "# HELP rampart_port_packets_total Packets per port\\nand direction \\\\ (help).\n"
				    "# TYPE rampart_port_packets_total counter\n"
				    "rampart_port_packets_total{port=\"veth-a\",direction=\"rx\"} 18446744073709551615\n"
				    "# HELP rampart_reload_seconds Last reload.\n"
				    "# TYPE rampart_reload_seconds gauge\n"
				    "rampart_reload_seconds 0.25\n"
				    "rampart_reload_seconds 0.1\n"
				    "rampart_reload_seconds +Inf\n"
				    "rampart_reload_seconds NaN\n");
	prom_buf_free(&b);
}

static void test_prom_label_escaping(void **state)
{
	struct prom_buf b;
	const struct prom_label l[] = {{"reason", "a\"b\\c\nd"}};

	(void)state;
	prom_buf_init(&b);
	prom_u64(&b, "rampart_drops_total", l, 1, 1);
	assert_string_equal(b.data, "rampart_drops_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n");
	prom_buf_free(&b);
}

static void test_prom_bad_names_fail(void **state)
{
	struct prom_buf b;
	const struct prom_label bad[] = {{"bad-label", "x"}};

	(void)state;
	assert_true(prom_name_valid("rampart_x:y_1"));
	assert_false(prom_name_valid("1abc"));
	assert_false(prom_name_valid("a-b"));
	assert_false(prom_name_valid(""));
	prom_buf_init(&b);
	prom_u64(&b, "bad name", NULL, 0, 1);
	assert_true(b.failed);
	prom_buf_reset(&b);
	assert_false(b.failed);
	prom_u64(&b, "good", bad, 1, 1);
	assert_true(b.failed);
	prom_buf_free(&b);
}

static void test_prom_grows(void **state)
{
	struct prom_buf b;
	char name[32];

	(void)state;
	prom_buf_init(&b);
	for (unsigned i = 0; i < 20000; i++) {
		const struct prom_label l[] = {{"sid", name}};

		snprintf(name, sizeof(name), "%u", i);
		prom_u64(&b, "rampart_alerts_total", l, 1, i);
	}
	assert_false(b.failed);
	assert_non_null(strstr(b.data, "rampart_alerts_total{sid=\"19999\"} 19999\n"));
	assert_int_equal(strlen(b.data), b.len);
	prom_buf_free(&b);
}

/* ---- HTTP ---- */

struct render_ctx {
	unsigned calls;
	bool fail;
};

static void render(struct prom_buf *out, void *arg)
{
	struct render_ctx *ctx = arg;
	const struct prom_label l[] = {{"sink", "redis"}};

	ctx->calls++;
	prom_family(out, "rampart_export_dropped_total", PROM_COUNTER, "Dropped records per sink.");
	prom_u64(out, "rampart_export_dropped_total", l, 1, ctx->calls);
	if (ctx->fail)
		out->failed = true;
}

/* Sends a request, returns the whole answer (malloc'd) or NULL. */
static char *http(uint16_t port, const char *method, const char *path)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[256], *buf = malloc(65536);
	size_t len = 0;
	ssize_t n;
	struct timeval tv = {.tv_sec = 3};

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < 65535 && (n = read(fd, buf + len, 65535 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static void test_metrics_endpoint(void **state)
{
	struct render_ctx ctx = {0};
	char err[256] = "";
	struct metrics_server *s;
	char *resp;
	uint16_t port;

	(void)state;
	s = metrics_server_start("127.0.0.1:0", false, render, &ctx, err, sizeof(err));
	assert_non_null(s);
	port = metrics_server_port(s);
	assert_true(port != 0);

	resp = http(port, "GET", "/metrics");
	assert_non_null(resp);
	assert_true(strncmp(resp, "HTTP/1.0 200", 12) == 0 || strncmp(resp, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strcasestr(resp, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(resp, "\r\n\r\n# HELP rampart_export_dropped_total Dropped records per sink.\n"
				     "# TYPE rampart_export_dropped_total counter\n"
				     "rampart_export_dropped_total{sink=\"redis\"} 1\n"));
	free(resp);

	/* Each scrape renders afresh. */
	resp = http(port, "GET", "/metrics");
	assert_non_null(strstr(resp, "rampart_export_dropped_total{sink=\"redis\"} 2\n"));
	free(resp);

	resp = http(port, "GET", "/");
	assert_non_null(resp);
	assert_non_null(strstr(resp, " 404 "));
	free(resp);
	resp = http(port, "GET", "/metricsX");
	assert_non_null(strstr(resp, " 404 "));
	free(resp);
	resp = http(port, "DELETE", "/metrics");
	assert_non_null(strstr(resp, " 405 "));
	free(resp);

	ctx.fail = true;
	resp = http(port, "GET", "/metrics");
	assert_non_null(strstr(resp, " 500 "));
	assert_null(strstr(resp, "rampart_export_dropped_total"));
	free(resp);
	assert_int_equal(ctx.calls, 3);
	assert_int_equal(metrics_server_requests(s), 6);

	metrics_server_stop(s);
	assert_null(http(port, "GET", "/metrics")); /* nobody listens any more */
}

static void test_listen_rules(void **state)
{
	struct render_ctx ctx = {0};
	char err[256] = "";
	struct metrics_server *s, *t;

	(void)state;
	assert_null(metrics_server_start("0.0.0.0:0", false, render, &ctx, err, sizeof(err)));
	assert_non_null(strstr(err, "not a loopback address"));
	assert_null(metrics_server_start("localhost", false, render, &ctx, err, sizeof(err)));
	assert_non_null(strstr(err, "expected ADDRESS:PORT"));
	assert_null(metrics_server_start("127.0.0.1:99999", false, render, &ctx, err, sizeof(err)));
	assert_null(metrics_server_start("example.com:9477", false, render, &ctx, err, sizeof(err)));

	s = metrics_server_start("0.0.0.0:0", true, render, &ctx, err, sizeof(err));
	assert_non_null(s);
	metrics_server_stop(s);

	s = metrics_server_start("localhost:0", false, render, &ctx, err, sizeof(err));
	assert_non_null(s);
	{
		char addr[64];

		snprintf(addr, sizeof(addr), "127.0.0.1:%u", metrics_server_port(s));
		t = metrics_server_start(addr, false, render, &ctx, err, sizeof(err));
		assert_null(t);
		assert_non_null(strstr(err, strerror(EADDRINUSE)));
	}
	metrics_server_stop(s);

	s = metrics_server_start("[::1]:0", false, render, &ctx, err, sizeof(err));
	if (s) /* hosts without IPv6 cannot bind ::1 */
		metrics_server_stop(s);
}

static int parse_yaml(const char *text, struct metrics_config *cfg, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *node = NULL;
	int rc;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	assert_true(yaml_parser_load(&p, &doc));
	root = yaml_document_get_root_node(&doc);
	for (yaml_node_pair_t *kv = root->data.mapping.pairs.start; kv < root->data.mapping.pairs.top; kv++)
		if (!strcmp((char *)yaml_document_get_node(&doc, kv->key)->data.scalar.value, "metrics"))
			node = yaml_document_get_node(&doc, kv->value);
	metrics_config_defaults(cfg);
	rc = metrics_config_parse(&doc, node, "rampart.yaml", cfg, err, errlen);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

static void test_metrics_config(void **state)
{
	struct metrics_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_yaml("other: 1\n", &c, err, sizeof(err)), 0);
	assert_true(c.enabled);
	assert_string_equal(c.listen, "127.0.0.1:9477");
	assert_false(c.allow_remote);
	assert_int_equal(parse_yaml("metrics:\n  enabled: no\n  listen: '[::1]:9100'\n  allow-remote: yes\n", &c, err,
				    sizeof(err)),
			 0);
	assert_false(c.enabled);
	assert_string_equal(c.listen, "[::1]:9100");
	assert_true(c.allow_remote);
	assert_int_equal(parse_yaml("metrics:\n  enabled: yes\n  listen: 9477\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rampart.yaml:3: metrics.listen:"));
	assert_int_equal(parse_yaml("metrics:\n  port: 1\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rampart.yaml:2: metrics.port: unknown key"));
	assert_int_equal(parse_yaml("metrics: yes\n", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rampart.yaml:1: metrics: expected a mapping"));
}

static void test_export_families(void **state)
{
	struct export_config c;
	struct export_rec_hdr h = {.kind = EXPORT_REC_ALERT};
	char dir[] = "/tmp/rampart-metrics-XXXXXX", err[256] = "", path[128];
	struct exporter *x;
	struct prom_buf b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	export_config_defaults(&c);
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s/eve.json", dir);
	x = export_start(&c, err, sizeof(err));
	assert_non_null(x);
	for (int i = 0; i < 3; i++)
		export_submit(x, &h, "{}", 2);
	assert_int_equal(export_drain(x, 2000), 0);
	prom_buf_init(&b);
	export_metrics_render(&b, x);
	assert_false(b.failed);
	assert_non_null(strstr(b.data, "# TYPE rampart_export_records_total counter\n"
					"rampart_export_records_total{sink=\"eve\"} 3\n"));
	assert_non_null(strstr(b.data, "rampart_export_dropped_total{sink=\"eve\"} 0\n"));
	assert_non_null(strstr(b.data, "# TYPE rampart_export_queued gauge\nrampart_export_queued{sink=\"eve\"} 0\n"));
	assert_null(strstr(b.data, "sink=\"redis\"")); /* disabled sinks have no samples */
	prom_buf_free(&b);
	export_stop(x, 0, NULL);
	snprintf(path, sizeof(path), "%s/eve.json", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_text_format),
		cmocka_unit_test(test_prom_label_escaping),
		cmocka_unit_test(test_prom_bad_names_fail),
		cmocka_unit_test(test_prom_grows),
		cmocka_unit_test(test_metrics_endpoint),
		cmocka_unit_test(test_listen_rules),
		cmocka_unit_test(test_metrics_config),
		cmocka_unit_test(test_export_families),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}

/*
 * metrics_http.c - GET /metrics over libmicrohttpd (see metrics.h).
 *
 * The listening socket is created here (bind errors then say why, and port 0
 * can be read back) and handed to libmicrohttpd, which runs one internal
 * polling thread. The render buffer belongs to that thread and is reused
 * from one scrape to the next.
 */
#include "ctrlplane/metrics/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

struct metrics_server {
	struct MHD_Daemon *mhd;
	metrics_render_fn render;
	void *ctx;
	uint16_t port;
	struct prom_buf buf; /* MHD's thread only */
	atomic_ullong requests;
};

int metrics_parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port_s;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		hlen = (size_t)(rb - addr - 1);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, addr + 1, hlen);
		port_s = rb + 2;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - addr);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, addr, hlen);
		port_s = colon + 1;
	}
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port > 65535)
		goto bad;
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		return 0;
	}
bad:
	snprintf(err, errlen, "metrics: listen \"%s\": expected ADDRESS:PORT or [V6ADDRESS]:PORT (address literal "
			      "or localhost, port 0..65535)", addr);
	return -1;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
			       size_t len, bool copy)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	static const char not_found[] = "not found: the metrics are at /metrics\n";
	static const char not_allowed[] = "method not allowed\n";
	static const char failed[] = "metrics rendering failed\n";
	struct metrics_server *s = cls;
	static int first_call_marker;

	(void)version;
	(void)upload_data;
	/* First call per request: headers only; answer on the second. */
	if (*con_cls != &first_call_marker) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	*upload_data_size = 0;
	atomic_fetch_add(&s->requests, 1);
	if (strcmp(url, "/metrics") != 0)
		return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof(not_found) - 1, false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed, sizeof(not_allowed) - 1,
			       false);
	prom_buf_reset(&s->buf);
	s->render(&s->buf, s->ctx);
	if (s->buf.failed)
		return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed, sizeof(failed) - 1, false);
	return respond(conn, MHD_HTTP_OK, PROM_CONTENT_TYPE, s->buf.data ? s->buf.data : "", s->buf.len, true);
}

struct metrics_server *metrics_server_start(const char *addr, bool allow_remote, metrics_render_fn render,
					    void *ctx, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct metrics_server *s;
	int fd, one = 1;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (!render || !addr) {
		snprintf(err, errlen, "metrics: no listen address or render function");
		return NULL;
	}
	if (metrics_parse_listen(addr, &ss, &sslen, err, errlen) < 0)
		return NULL;
	if (!is_loopback(&ss) && !allow_remote) {
		snprintf(err, errlen, "metrics: listen %s: not a loopback address; the endpoint has no "
				      "authentication, set metrics.allow-remote: yes to expose it", addr);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "metrics: socket: %s", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "metrics: listen %s: %s", addr, strerror(errno));
		close(fd);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	s->render = render;
	s->ctx = ctx;
	prom_buf_init(&s->buf);
	sslen = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sslen);
	s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						 : ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)10, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "metrics: listen %s: libmicrohttpd failed to start", addr);
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

uint16_t metrics_server_port(const struct metrics_server *s)
{
	return s ? s->port : 0;
}

uint64_t metrics_server_requests(const struct metrics_server *s)
{
	return s ? atomic_load(&s->requests) : 0;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd); /* joins its thread and closes the listening socket */
	prom_buf_free(&s->buf);
	free(s);
}

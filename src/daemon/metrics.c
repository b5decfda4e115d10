/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prometheus endpoint.
 *
 * The smallest HTTP server that a Prometheus scraper accepts: read the request (whatever it
 * is), answer HTTP/1.0 200 with the text, close. Scrapes are rare (every 15-60 s), so each is
 * handled synchronously on the event loop with a short send timeout; the request is not parsed
 * beyond waiting for its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

struct metrics_server {
	sd_event_source *source;
	int fd;
	metrics_write_fn write_fn;
	void *userdata;
};

int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len)
{
	_cleanup_free_ char *host = NULL;
	const char *colon;
	unsigned port;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		host = strndup(listen + 1, (size_t)(end - listen - 1));
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return -EINVAL;
		host = strndup(listen, (size_t)(colon - listen));
	}
	if (!host)
		return -ENOMEM;
	if (safe_atou(colon + 1, &port) < 0 || port == 0 || port > 65535)
		return -EINVAL;
	if (listen[0] == '[') {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

		if (inet_pton(AF_INET6, host, &sa.sin6_addr) != 1)
			return -EINVAL;
		memcpy(ret_sockaddr, &sa, sizeof(sa));
		*ret_len = sizeof(sa);
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

		if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
			return -EINVAL;
		memcpy(ret_sockaddr, &sa, sizeof(sa));
		*ret_len = sizeof(sa);
	}
	return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct metrics_server *s = userdata;
	struct timeval tv = { .tv_sec = 1 };
	_cleanup_close_ int cfd = -EBADF;
	_cleanup_free_ char *body = NULL;
	size_t body_len = 0;
	char req[2048], head[256];
	FILE *f;

	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	(void)setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Read the request head; its content does not matter. */
	(void)recv(cfd, req, sizeof(req), 0);

	f = open_memstream(&body, &body_len);
	if (!f)
		return 0;
	s->write_fn(s->userdata, f);
	if (fclose(f) != 0)
		return 0;
	snprintf(head, sizeof(head),
		 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 body_len);
	if (send(cfd, head, strlen(head), MSG_NOSIGNAL) < 0)
		return 0;
	for (size_t off = 0; off < body_len;) {
		ssize_t n = send(cfd, body + off, body_len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return 0;
}

int metrics_server_new(sd_event *event, const char *listen_addr, metrics_write_fn write_fn,
		       void *userdata, struct metrics_server **ret)
{
	struct sockaddr_storage sa;
	unsigned len;
	struct metrics_server *s;
	int one = 1, r;

	r = metrics_parse_listen(listen_addr, &sa, &len);
	if (r < 0)
		return log_error_errno(r, "Invalid MetricsListen=%s (expected ADDRESS:PORT, e.g. "
					  "127.0.0.1:9464).", listen_addr);
	s = calloc(1, sizeof(*s));
	if (!s)
		return log_oom();
	s->write_fn = write_fn;
	s->userdata = userdata;
	s->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = log_error_errno(negative_errno(), "Failed to create the metrics socket: %m");
		free(s);
		return r;
	}
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, len) < 0 || listen(s->fd, 16) < 0) {
		r = log_error_errno(negative_errno(), "Failed to listen on %s for metrics: %m",
				    listen_addr);
		goto fail;
	}
	r = sd_event_add_io(event, &s->source, s->fd, EPOLLIN, on_accept, s);
	if (r < 0) {
		log_error_errno(r, "Failed to watch the metrics socket: %m");
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	safe_close(s->fd);
	free(s);
	return r;
}

struct metrics_server *metrics_server_free(struct metrics_server *s)
{
	if (!s)
		return NULL;
	sd_event_source_disable_unref(s->source);
	safe_close(s->fd);
	free(s);
	return NULL;
}

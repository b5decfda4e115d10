/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control socket server.
 *
 * Each connection is read without blocking the event loop until the client shuts down its
 * side (or the request limit is hit), then handled and answered. The answer is written with
 * a send timeout: a client that stops reading cannot stall the daemon for more than that.
 * Peer credentials come from SO_PEERCRED at accept time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/protocol.h"

/* How long a reply may take to be read by the client. */
#define CONTROL_SEND_TIMEOUT_SEC 2
/* Connections served at once; more wait in the listen backlog. */
#define CONTROL_MAX_CONNECTIONS 16

struct control_conn {
	struct control_server *server;
	sd_event_source *source;
	int fd;
	uid_t uid;
	char *buf;
	size_t len, alloc;
	struct control_conn *next;
};

struct control_server {
	sd_event *event;
	sd_event_source *listen_source;
	int listen_fd;
	char *path;
	control_handler_fn handler;
	void *userdata;
	struct control_conn *conns;
	unsigned n_conns;
};

static void conn_free(struct control_conn *c)
{
	struct control_server *s = c->server;

	for (struct control_conn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	s->n_conns--;
	sd_event_source_disable_unref(c->source);
	safe_close(c->fd);
	free(c->buf);
	free(c);
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_debug_errno(negative_errno(), "Control client went away: %m");
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static json_object *error_reply(int r, const char *message)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(message));
	json_object_object_add(o, "errno", json_object_new_int(r < 0 ? -r : r));
	return o;
}

int control_request_parse(const char *text, json_object **ret_req, const char **ret_verb,
			  json_object **ret_args, char *msg, size_t msg_size)
{
	json_object *req, *verb, *args;
	enum json_tokener_error jerr;

	req = json_tokener_parse_verbose(text, &jerr);
	if (!req || !json_object_is_type(req, json_type_object)) {
		snprintf(msg, msg_size, "malformed request: %s",
			 req ? "not a JSON object" : json_tokener_error_desc(jerr));
		json_object_put(req);
		return -EBADMSG;
	}
	/* A verb with a NUL byte ("ping\u0000x") is no verb string either. */
	if (!json_object_object_get_ex(req, "verb", &verb) ||
	    !json_object_is_type(verb, json_type_string) ||
	    strlen(json_object_get_string(verb)) != (size_t)json_object_get_string_len(verb)) {
		json_object_put(req);
		snprintf(msg, msg_size, "malformed request: no \"verb\" string");
		return -EBADMSG;
	}
	if (!json_object_object_get_ex(req, "args", &args) || !args) {
		args = json_object_new_object();
		json_object_object_add(req, "args", args);
	} else if (!json_object_is_type(args, json_type_object)) {
		json_object_put(req);
		snprintf(msg, msg_size, "malformed request: \"args\" is not an object");
		return -EBADMSG;
	}
	*ret_req = req;
	*ret_verb = json_object_get_string(verb);
	*ret_args = args;
	return 0;
}

json_object *control_request_handle(const char *text, control_handler_fn handler, void *userdata)
{
	_cleanup_free_ char *error = NULL;
	json_object *req, *args, *result = NULL, *reply;
	const char *verb;
	char msg[256];
	int r;

	r = control_request_parse(text, &req, &verb, &args, msg, sizeof(msg));
	if (r < 0)
		return error_reply(r, msg);

	r = handler(userdata, verb, args, &result, &error);
	if (r < 0) {
		if (!error) {
			errno = -r;
			snprintf(msg, sizeof(msg), "%m");
		}
		reply = error_reply(r, error ?: msg);
	} else {
		reply = json_object_new_object();
		json_object_object_add(reply, "ok", json_object_new_boolean(true));
		json_object_object_add(reply, "result", result);
	}
	json_object_put(req);
	return reply;
}

static json_object *handle(struct control_conn *c)
{
	struct control_server *s = c->server;

	if (c->uid != 0)
		return error_reply(-EPERM, "numabd's control socket is for root only");
	return control_request_handle(c->buf ?: "", s->handler, s->userdata);
}

static void conn_finish(struct control_conn *c)
{
	struct timeval tv = { .tv_sec = CONTROL_SEND_TIMEOUT_SEC };
	json_object *reply = handle(c);
	const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	int flags = fcntl(c->fd, F_GETFL);

	/* Blocking writes with a timeout: simple, and bounded. */
	if (flags >= 0)
		(void)fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	send_all(c->fd, text, strlen(text));
	json_object_put(reply);
	conn_free(c);
}

static int on_conn_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct control_conn *c = userdata;

	for (;;) {
		ssize_t n;

		if (c->alloc - c->len < 4096) {
			size_t na = c->alloc ? c->alloc * 2 : 8192;
			char *nb;

			if (na > NUMAB_PROTOCOL_MAX_REQUEST + 1) {
				log_warning("Control request larger than %u bytes, dropping it.",
					    NUMAB_PROTOCOL_MAX_REQUEST);
				conn_free(c);
				return 0;
			}
			nb = realloc(c->buf, na);
			if (!nb) {
				conn_free(c);
				return 0;
			}
			c->buf = nb;
			c->alloc = na;
		}
		n = recv(fd, c->buf + c->len, c->alloc - c->len - 1, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			log_debug_errno(negative_errno(), "Control connection failed: %m");
			conn_free(c);
			return 0;
		}
		if (n == 0)
			break;
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	conn_finish(c);
	return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct control_server *s = userdata;
	struct control_conn *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int cfd, r;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning_errno(negative_errno(), "Failed to accept a control connection, ignoring: %m");
		return 0;
	}
	if (s->n_conns >= CONTROL_MAX_CONNECTIONS) {
		log_warning("Too many control connections, refusing one.");
		safe_close(cfd);
		return 0;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warning_errno(negative_errno(), "Failed to get peer credentials, refusing: %m");
		safe_close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		safe_close(cfd);
		return 0;
	}
	c->server = s;
	c->fd = cfd;
	c->uid = cred.uid;
	r = sd_event_add_io(s->event, &c->source, cfd, EPOLLIN, on_conn_io, c);
	if (r < 0) {
		log_warning_errno(r, "Failed to watch a control connection: %m");
		safe_close(cfd);
		free(c);
		return 0;
	}
	c->next = s->conns;
	s->conns = c;
	s->n_conns++;
	return 0;
}

static int mkdir_parent(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return negative_errno();
			*p = '/';
		}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int control_server_new(sd_event *event, const char *path, control_handler_fn handler,
		       void *userdata, struct control_server **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control_server *s;
	mode_t old_umask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(SYNTHETIC_ERRNO(ENAMETOOLONG), "Socket path too long: %s", path);
	r = mkdir_parent(path);
	if (r < 0)
		return log_error_errno(r, "Failed to create the directory of %s: %m", path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return log_oom();
	s->listen_fd = -EBADF;
	s->event = event;
	s->handler = handler;
	s->userdata = userdata;
	s->path = strdup(path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!s->path || s->listen_fd < 0) {
		r = s->path ? negative_errno() : -ENOMEM;
		goto fail;
	}
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	old_umask = umask(0177);
	r = bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (r < 0 || listen(s->listen_fd, 64) < 0) {
		r = negative_errno();
		log_error_errno(r, "Failed to listen on %s: %m", path);
		goto fail;
	}
	r = sd_event_add_io(event, &s->listen_source, s->listen_fd, EPOLLIN, on_accept, s);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	control_server_free(s);
	return r;
}

struct control_server *control_server_free(struct control_server *s)
{
	if (!s)
		return NULL;
	while (s->conns)
		conn_free(s->conns);
	sd_event_source_disable_unref(s->listen_source);
	if (s->listen_fd >= 0) {
		safe_close(s->listen_fd);
		if (s->path)
			(void)unlink(s->path);
	}
	free(s->path);
	free(s);
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/client.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/protocol.h"

/* How long numabctl waits for numabd's answer: a status of a large machine takes a tick. */
#define CLIENT_TIMEOUT_SEC 30

static int send_request(int fd, const char *verb, json_object *args)
{
	json_object *req = json_object_new_object();
	const char *text;
	size_t len;
	int r = 0;

	json_object_object_add(req, "verb", json_object_new_string(verb));
	json_object_object_add(req, "args", args ? json_object_get(args) : json_object_new_object());
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	while (len > 0) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = negative_errno();
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	json_object_put(req);
	if (r >= 0 && shutdown(fd, SHUT_WR) < 0)
		r = negative_errno();
	return r;
}

int ctl_call(const char *socket_path, const char *verb, json_object *args, bool quiet,
	     json_object **ret_result)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_SEC };
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	json_object *reply, *ok, *v;
	int r;

	socket_path = socket_path ?: NUMAB_SOCKET_PATH;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return log_error_errno(SYNTHETIC_ERRNO(ENAMETOOLONG), "Socket path too long: %s",
				       socket_path);
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create a socket: %m");
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = negative_errno();
		if (r == -ENOENT || r == -ECONNREFUSED) {
			if (!quiet)
				log_error("numabd is not running (no daemon listens on %s).",
					  socket_path);
			return -ECONNREFUSED;
		}
		return log_error_errno(r, "Failed to connect to numabd at %s: %m", socket_path);
	}
	r = send_request(fd, verb, args);
	if (r >= 0)
		r = read_full_fd(fd, NUMAB_PROTOCOL_MAX_REPLY, 0, &text, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to talk to numabd at %s: %m", socket_path);

	reply = json_tokener_parse(text);
	if (!reply || !json_object_object_get_ex(reply, "ok", &ok)) {
		json_object_put(reply);
		return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "numabd sent a malformed answer.");
	}
	if (!json_object_get_boolean(ok)) {
		const char *msg = json_object_object_get_ex(reply, "error", &v) ?
					  json_object_get_string(v) : "unknown error";
		int e = json_object_object_get_ex(reply, "errno", &v) ? json_object_get_int(v) : EIO;

		r = -(e > 0 ? e : EIO);
		if (!quiet)
			log_error("numabd: %s", msg);
		json_object_put(reply);
		return r;
	}
	if (ret_result)
		*ret_result = json_object_object_get_ex(reply, "result", &v) ? json_object_get(v)
									  : NULL;
	json_object_put(reply);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket server of numabd (protocol in shared/protocol.h), on sd-event.
 */

#include <json-c/json.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct control_server;

/*
 * Handle one request. args is never NULL (an empty object when the client sent none). On
 * success return 0 and set *ret_result (a new reference, may be NULL for "no result"); on
 * failure return negative errno and optionally set *ret_error to a heap message for the
 * client. Runs on the event loop: must not block.
 */
typedef int (*control_handler_fn)(void *userdata, const char *verb, json_object *args,
				  json_object **ret_result, char **ret_error);

/*
 * Parse the text of one request as the server does: a JSON object with a "verb" string and an
 * "args" object (an empty one is added when "args" is missing or null). On success return 0,
 * set *ret_req (a new reference, the caller puts it), *ret_verb and *ret_args (both owned by
 * *ret_req). On failure return -EBADMSG with the message for the client in msg.
 */
int control_request_parse(const char *text, json_object **ret_req, const char **ret_verb,
			  json_object **ret_args, char *msg, size_t msg_size);

/*
 * Parse one request (control_request_parse), hand it to handler and build the reply the
 * client gets: {"ok": true, "result": ...} or {"ok": false, "error": ..., "errno": N}. Returns
 * a new reference. The server checks the peer's credentials before calling it.
 */
json_object *control_request_handle(const char *text, control_handler_fn handler, void *userdata);

/*
 * Listen on path (created with mode 0600; a stale socket file is replaced; the parent
 * directory is created with mode 0755). Requests from peers whose uid is not 0 are refused.
 */
int control_server_new(sd_event *event, const char *path, control_handler_fn handler,
		       void *userdata, struct control_server **ret);

/* Stop listening, drop open connections, remove the socket file. Accepts NULL; returns NULL. */
struct control_server *control_server_free(struct control_server *s);

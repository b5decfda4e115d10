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
 * Listen on path (created with mode 0600; a stale socket file is replaced; the parent
 * directory is created with mode 0755). Requests from peers whose uid is not 0 are refused.
 */
int control_server_new(sd_event *event, const char *path, control_handler_fn handler,
		       void *userdata, struct control_server **ret);

/* Stop listening, drop open connections, remove the socket file. Accepts NULL; returns NULL. */
struct control_server *control_server_free(struct control_server *s);

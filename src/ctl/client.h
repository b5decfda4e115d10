/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * numabctl's side of the control protocol (shared/protocol.h).
 */

#include <json-c/json.h>
#include <stdbool.h>

/*
 * Send verb with args (may be NULL; a reference is taken, not consumed) to numabd at
 * socket_path (NULL: the default) and wait for the answer. On {"ok": true} returns 0 and the
 * "result" value in *ret_result (a new reference, possibly NULL). On {"ok": false} returns
 * the daemon's negative errno and logs its message. -ECONNREFUSED/-ENOENT: numabd is not
 * running (logged with that wording unless quiet).
 */
int ctl_call(const char *socket_path, const char *verb, json_object *args, bool quiet,
	     json_object **ret_result);

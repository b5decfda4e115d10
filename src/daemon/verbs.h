/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket's verbs and the metrics text of numabd; declared in
 * daemon/manager-state.h (verbs_handle, verbs_metrics).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/manager-state.h"
#include "shared/macro.h"

/* Set *ret_error to a formatted heap message and return r (negative errno). */
int verbs_fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);

/* Whether v is a JSON string without NUL bytes (a "\u0000" would cut it short in C). */
bool verbs_is_c_string(json_object *v);

/* args[key] if it is a string without NUL bytes, else NULL. */
const char *verbs_arg_string(json_object *args, const char *key);

/* args[key] as a heap vector of strings pointing into the JSON (free() the vector; *ret NULL
 * and *ret_n 0 when the key is absent). -EINVAL when it is not an array of strings without
 * NUL bytes. */
int verbs_arg_strings(json_object *args, const char *key, const char ***ret, size_t *ret_n);

/* Save the runtime settings into the state directory (not in a dry run); on failure a message
 * for the client in *ret_error. */
int verbs_save_settings(struct manager *m, char **ret_error);

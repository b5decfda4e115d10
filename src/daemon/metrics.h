/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A Prometheus text endpoint: answers every HTTP request on a TCP listener with the metrics
 * the callback writes (text format 0.0.4). Off unless [Daemon] MetricsListen= is set;
 * binds to loopback addresses only unless told otherwise by the address given.
 */

#include <stdio.h>
#include <systemd/sd-event.h>

struct metrics_server;

/* Write the current metrics to f. */
typedef void (*metrics_write_fn)(void *userdata, FILE *f);

/* Listen on "ADDRESS:PORT" (IPv4, or [IPv6]:PORT). Returns 0 or negative errno, logged. */
int metrics_server_new(sd_event *event, const char *listen, metrics_write_fn write_fn,
		       void *userdata, struct metrics_server **ret);
struct metrics_server *metrics_server_free(struct metrics_server *s);

/* Parse "127.0.0.1:9464" / "[::1]:9464" into a sockaddr; exposed for tests. */
int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len);

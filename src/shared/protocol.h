/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * numabd's control protocol, shared by the daemon and numabctl.
 *
 * A Unix stream socket, root only (the daemon checks SO_PEERCRED). One request per
 * connection: the client writes one JSON object {"verb": NAME, "args": {...}} and shuts down
 * its write side; the daemon answers with one JSON object and closes:
 *   {"ok": true, "result": {...}}   or   {"ok": false, "error": "message", "errno": N}.
 * One request per connection keeps both sides free of framing and state; the control socket
 * is for operators and scripts, not a data path.
 */

#define NUMAB_SOCKET_PATH NUMAB_RUNSTATEDIR "/numab/numabd.sock"
#define NUMAB_PROTOCOL_MAX_REQUEST (1u << 20)
#define NUMAB_PROTOCOL_MAX_REPLY (64u << 20)

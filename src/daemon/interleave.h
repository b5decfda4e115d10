/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * interleave mode (see interleave.c): each process's memory spread evenly over the cgroup's
 * eligible nodes, within a 10% band, by budgeted page moves.
 */

#include <stdint.h>

struct manager;
struct cg_state;
struct policy_result;

/* Evaluate an interleave cgroup (balance.c dispatches here). */
void balance_interleave(struct manager *m, unsigned idx, const struct policy_result *r,
			struct cg_state *st, uint64_t now_usec);

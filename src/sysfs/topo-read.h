/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Read the NUMA topology from a sysfs root: devices/system/node (online nodes, cpulists,
 * distances, meminfo) and devices/virtual/memory_tiering (tiers, where the kernel has them).
 */

#include "core/topology.h"

/* Read the whole topology. Returns 0 and a new topology in *ret, or negative errno: -ENOENT
 * when the sysfs root has no devices/system/node (a kernel without NUMA), -EBADMSG when a file
 * is malformed. A kernel without NUMA support still has node0, so -ENOENT means a bad root. */
int topo_read(int sysfs_fd, struct topology **ret);

/* Re-read only MemFree of every node (cheap, once per tick). */
int topo_refresh_free(int sysfs_fd, struct topology *t);

/* Parse a node's meminfo text ("Node 0 MemTotal:  1024 kB" lines). Exposed for tests. */
int topo_parse_meminfo(const char *text, uint64_t *ret_total_bytes, uint64_t *ret_free_bytes);

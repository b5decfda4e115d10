/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-kernel path: kernels with the numab series (kernel/) have struct bpf_numab_ops, a
 * cgroup-attached struct_ops that turns the kernel's NUMA balancing on for one cgroup while
 * kernel.numa_balancing is 0. numabd attaches one to the cgroups whose mode is "kernel".
 */
#pragma once

#include <stdint.h>

/* 1 when the running kernel's BTF has struct bpf_numab_ops, 0 when not, negative errno. */
int kops_probe(void);

/*
 * Attach a bpf_numab_ops that enables balancing to cgroup @cgroup_id, in normal mode, with
 * @tiering also memory tiering mode, and @hot_thresh_ms (0: the kernel's default). Returns the
 * link fd (closing it detaches) or negative errno. kops_probe() must have returned 1.
 */
int kops_attach(uint64_t cgroup_id, int tiering, uint32_t hot_thresh_ms);

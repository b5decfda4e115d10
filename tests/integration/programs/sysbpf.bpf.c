/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program that calls bpf_sys_bpf() (on a path it never takes): refused unless AllowSysBpf=yes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

SEC("syscall")
int sysbpf(struct numab_ctx *ctx)
{
	union bpf_attr attr = {};

	if (ctx->tick == ~0ull)
		return bpf_sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	numab_allow(ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

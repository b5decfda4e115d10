/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A program built against a modified numab_bpf.h (verdict moved): numabd refuses it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct numab_ctx {
	__u32 size;
	__u32 flags;
	__u32 reply_flags;
	__u32 verdict;
};

SEC("syscall")
int modified(struct numab_ctx *ctx)
{
	ctx->verdict = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

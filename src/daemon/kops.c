/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attaching struct bpf_numab_ops (see kops.h) with the bpf(2) commands that libbpf wraps, so
 * that it works with any libbpf (Debian 12 ships 1.1, before struct_ops links): the hook is a
 * two-instruction program ("return 1"), the map value is laid out from the kernel's BTF (the
 * map still needs a BTF fd of its own: a one-type BTF is loaded once), and the link is
 * created on the map (BPF_F_LINK). The link holds the map and the program; numabd
 * keeps only the link fd.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "daemon/kops.h"
#include "shared/log.h"

/* From Linux 6.4's uapi, absent from older headers. */
#define KOPS_BPF_F_LINK (1U << 13)
#define KOPS_BPF_STRUCT_OPS 44

static struct {
	int probed;                /* 0 not yet, 1 available, < 0 not */
	uint32_t ops_id;           /* struct bpf_numab_ops */
	uint32_t value_id;         /* struct bpf_struct_ops_bpf_numab_ops */
	uint32_t value_size;
	uint32_t data_off;         /* of the ops in the value */
	uint32_t hook_off, cgroup_id_off, mode_off, hot_thresh_off;
	uint32_t hook_index;       /* member index of numab_hook */
	struct btf *btf;           /* a minimal BTF: struct_ops maps need a btf_fd */
} k;

static int member(const struct btf *btf, uint32_t type_id, const char *name, uint32_t *off,
		  uint32_t *index)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name)) {
			*off = btf_member_bit_offset(t, i) / 8;
			if (index)
				*index = i;
			return 0;
		}
	return -ENOENT;
}

int kops_probe(void)
{
	struct btf *btf;
	int id, vid, r;

	if (k.probed)
		return k.probed;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return k.probed = -errno;
	id = btf__find_by_name_kind(btf, "bpf_numab_ops", BTF_KIND_STRUCT);
	vid = btf__find_by_name_kind(btf, "bpf_struct_ops_bpf_numab_ops", BTF_KIND_STRUCT);
	if (id <= 0 || vid <= 0) {
		btf__free(btf);
		return k.probed = -EOPNOTSUPP;
	}
	k.ops_id = id;
	k.value_id = vid;
	k.value_size = btf__resolve_size(btf, vid);
	r = member(btf, vid, "data", &k.data_off, NULL);
	if (!r)
		r = member(btf, id, "numab_hook", &k.hook_off, &k.hook_index);
	if (!r)
		r = member(btf, id, "cgroup_id", &k.cgroup_id_off, NULL);
	if (!r)
		r = member(btf, id, "mode", &k.mode_off, NULL);
	if (!r)
		r = member(btf, id, "hot_thresh", &k.hot_thresh_off, NULL);
	btf__free(btf);
	if (r < 0 || k.value_size == 0 || k.value_size > 4096)
		return k.probed = -EOPNOTSUPP;
	/* The kernel wants the map's BTF even though the value type is its own. */
	k.btf = btf__new_empty();
	if (!k.btf || btf__add_int(k.btf, "int", 4, BTF_INT_SIGNED) < 0 ||
	    btf__load_into_kernel(k.btf) < 0) {
		btf__free(k.btf);
		k.btf = NULL;
		return k.probed = -EOPNOTSUPP;
	}
	return k.probed = 1;
}

int kops_attach(uint64_t cgroup_id, int tiering, uint32_t hot_thresh_ms)
{
	static const struct bpf_insn ret1[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char vlog[512];
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .log_buf = vlog, .log_size = sizeof(vlog),
		    .log_level = 1);
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = KOPS_BPF_F_LINK);
	uint32_t mode = tiering ? 3 : 1, zero = 0;
	int prog = -1, map = -1, link, r;
	char *value;

	if (kops_probe() != 1)
		return -EOPNOTSUPP;
	popts.expected_attach_type = k.hook_index;
	popts.attach_btf_id = k.ops_id;
	prog = bpf_prog_load(BPF_PROG_TYPE_STRUCT_OPS, "numabd_kops", "GPL", ret1, 2, &popts);
	if (prog < 0) {
		r = -errno;
		log_warning_errno(r, "bpf_numab_ops: loading the hook failed: %m: %.200s", vlog);
		return r;
	}
	mopts.btf_vmlinux_value_type_id = k.value_id;
	mopts.btf_fd = btf__fd(k.btf);
	map = bpf_map_create(BPF_MAP_TYPE_STRUCT_OPS, "numabd_kops", sizeof(uint32_t),
			     k.value_size, 1, &mopts);
	if (map < 0) {
		r = -errno;
		log_warning_errno(r, "bpf_numab_ops: creating the struct_ops map failed: %m");
		goto out;
	}
	value = calloc(1, k.value_size);
	if (!value) {
		r = -ENOMEM;
		goto out;
	}
	*(uint64_t *)(value + k.data_off + k.hook_off) = (uint64_t)prog;
	memcpy(value + k.data_off + k.cgroup_id_off, &cgroup_id, sizeof(cgroup_id));
	memcpy(value + k.data_off + k.mode_off, &mode, sizeof(mode));
	memcpy(value + k.data_off + k.hot_thresh_off, &hot_thresh_ms, sizeof(hot_thresh_ms));
	r = bpf_map_update_elem(map, &zero, value, 0) < 0 ? -errno : 0;
	free(value);
	if (r < 0) {
		log_warning_errno(r, "bpf_numab_ops: filling the struct_ops map failed: %m");
		goto out;
	}
	link = bpf_link_create(map, 0, KOPS_BPF_STRUCT_OPS, NULL);
	r = link < 0 ? -errno : link;
	if (r < 0)
		log_warning_errno(r, "bpf_numab_ops: attaching to cgroup %" PRIu64 " failed: %m",
				  cgroup_id);
out:
	if (map >= 0)
		close(map);
	close(prog);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/policy-input.h"
#include "sysfs/xattr.h"

int policy_input_resolve(const struct numab_roots *roots, const struct snapshot *s,
			 const struct topology *topo, const struct config *cfg,
			 const struct settings *settings, policy_program_fn program_cb,
			 void *userdata, struct policy_results **ret)
{
	struct policy_topology pt = { .all_nodes = topo->node_mask,
				      .cpu_nodes = topo->cpu_node_mask };
	struct policy_cgroup *in = NULL;
	struct cg_xattrs *xa = NULL;
	struct policy_xattr **px = NULL;
	int r = -ENOMEM;

	in = calloc(s->n_cgroups, sizeof(*in));
	xa = calloc(s->n_cgroups, sizeof(*xa));
	px = calloc(s->n_cgroups, sizeof(*px));
	if (!in || !xa || !px)
		goto out;
	for (unsigned i = 0; i < s->n_cgroups; i++) {
		const struct cg_sample *c = &s->cgroups[i];

		in[i] = (struct policy_cgroup){ .path = c->path, .parent = c->parent, .id = c->id,
						.owner_uid = c->owner,
						.mems_effective = cg_policy_mems(c) };
		r = cg_xattr_read_all(roots->cgroup_fd, c->path, &xa[i]);
		if (r < 0) {
			/* Gone since the snapshot, or unreadable: no xattrs then. */
			if (!errno_is_gone(r))
				log_debug_errno(r, "Failed to read the xattrs of %s, ignoring: %m",
						c->path);
			continue;
		}
		in[i].owner_uid = xa[i].owner_uid;
		if (xa[i].n == 0)
			continue;
		px[i] = calloc(xa[i].n, sizeof(**px));
		if (!px[i]) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < xa[i].n; j++)
			px[i][j] = (struct policy_xattr){ .name = xa[i].items[j].name,
							  .value = xa[i].items[j].value };
		in[i].xattrs = px[i];
		in[i].n_xattrs = xa[i].n;
	}
	r = policy_resolve(in, s->n_cgroups, cfg, settings, &pt, program_cb, userdata, ret);
out:
	for (unsigned i = 0; px && i < s->n_cgroups; i++)
		free(px[i]);
	for (unsigned i = 0; xa && i < s->n_cgroups; i++)
		cg_xattrs_done(&xa[i]);
	free(px);
	free(xa);
	free(in);
	return r;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pseries: the device tree's LMBs against the memory blocks. After a DLPAR
 * add or remove the kernel updates both (dlpar_add_lmb / dlpar_remove_lmb
 * set or clear DRCONF_MEM_ASSIGNED as the block comes or goes); when they
 * disagree an operation stopped half way, and the hypervisor and the
 * partition no longer agree on what memory the partition has.
 */
#include <string.h>

#include "checks-internal.h"

#define ID "lmb-mismatch"

/* A sort key per cause, so each cause is one finding. */
#define KEY_NO_BLOCK   "assigned-no-block"
#define KEY_UNASSIGNED "block-unassigned"

CHECK_FN(check_lmb_mismatch)
{
	const struct mt_snapshot *s = ctx->s;
	const struct mt_drmem *d = &s->drmem;
	int r = 0;

	/* Not pseries, or LMBs the kernel would not map to blocks: nothing to compare. */
	if (s->drmem_err < 0 || !d->n || !s->block_size || d->lmb_size != s->block_size)
		return 0;
	for (size_t i = 0; i < d->n && r == 0; i++) {
		const struct mt_lmb *l = &d->lmbs[i];
		uint64_t id = l->base / s->block_size;

		if (!(l->flags & MT_DRCONF_ASSIGNED) || id > MT_BLOCK_ID_MAX)
			continue;
		if (mt_snapshot_find(s, (unsigned long)id) < 0)
			r = mt_group_add(out, ID, MT_SEV_WARNING, KEY_NO_BLOCK, (uint32_t)id, NULL,
					 0);
	}
	/*
	 * A block whose LMB is neither assigned nor reserved (QEMU describes
	 * boot memory as reserved LMBs, never assigned): it is not the
	 * partition's by the device tree's account.
	 */
	for (size_t i = 0; i < s->nblocks && r == 0; i++) {
		const struct mt_lmb *l = mt_block_lmb(s, i);

		if (l && !(l->flags & (MT_DRCONF_ASSIGNED | MT_DRCONF_RESERVED)))
			r = mt_group_add(out, ID, MT_SEV_WARNING, KEY_UNASSIGNED, s->blocks[i].id,
					 NULL, 0);
	}
	FOREACH_FINDING(out, ID, f)
	{
		char list[256];

		mt_format_blocks(f->blocks, f->nblocks, 8, list, sizeof(list));
		if (r)
			break;
		if (f->key && strcmp(f->key, KEY_NO_BLOCK) == 0) {
			r = mt_finding_set_message(
				f,
				"the device tree flags the LMBs of %s assigned to "
				"this partition, but there is no such memory block",
				list);
			r = r
				    ?: mt_finding_set_hint(
					       f, "a DLPAR add or remove stopped half way: the "
						  "hypervisor counts this memory as the "
						  "partition's; see the kernel log, then add or "
						  "remove the LMB again by DRC index");
		} else {
			char subj[256];

			mt_blocks_subject(f, subj, sizeof(subj));
			r = mt_finding_set_message(f,
						   "%s present, but the device tree does not flag "
						   "its LMB assigned to this partition",
						   subj);
			r = r
				    ?: mt_finding_set_hint(
					       f, "the device tree was not updated after a "
						  "DLPAR operation, or the memory is not the "
						  "partition's: do not offline --release it; "
						  "check with the HMC");
		}
	}
	return r;
}

/*
 * pseries hot-add is DLPAR, and the kernel onlines what DLPAR adds itself
 * (dlpar_add_lmb(), whatever auto_online_blocks says): the memory block
 * is online before its add uevent goes out, so a udev rule that onlines
 * memory finds it online and no agent races the kernel. Said once, as
 * info, for the online blocks whose LMB the partition owns, so that
 * memory onlined without anyone's write is explained, not suspected.
 */
CHECK_FN(check_dlpar_onlined)
{
	const struct mt_snapshot *s = ctx->s;
	int r = 0;

	if (s->drmem_err < 0 || !s->drmem.n)
		return 0;
	for (size_t i = 0; i < s->nblocks && r == 0; i++)
		if (s->blocks[i].state == MT_STATE_ONLINE && mt_lmb_assigned(mt_block_lmb(s, i)) &&
		    mt_lmb_has_drc(mt_block_lmb(s, i)))
			r = mt_group_add(out, "dlpar-onlined", MT_SEV_INFO, NULL, s->blocks[i].id,
					 NULL, 0);
	return r
		       ?: mt_describe(
				  out, "dlpar-onlined",
				  "pseries DLPAR memory (LMBs assigned in the device tree): the "
				  "kernel onlines it itself as it adds it, whatever "
				  "auto_online_blocks says, before any udev rule sees it",
				  "no agent races the kernel here; a udev rule that onlines memory "
				  "finds these blocks online");
}

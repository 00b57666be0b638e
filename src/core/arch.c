// SPDX-License-Identifier: GPL-2.0-or-later
/* The offline rules of an architecture's kernel, from what a snapshot knows. */
#include <string.h>

#include "core/arch.h"
#include "shared/kversion.h"

enum mt_arch mt_arch_parse(const char *machine)
{
	if (!machine)
		return MT_ARCH_UNKNOWN;
	if (strcmp(machine, "x86_64") == 0)
		return MT_ARCH_X86_64;
	if (strcmp(machine, "aarch64") == 0 || strncmp(machine, "arm64", 5) == 0)
		return MT_ARCH_ARM64;
	if (strncmp(machine, "ppc64", 5) == 0)
		return MT_ARCH_PPC64;
	if (strncmp(machine, "s390", 4) == 0)
		return MT_ARCH_S390;
	return MT_ARCH_UNKNOWN;
}

const char *mt_veto_reason(enum mt_offline_veto v)
{
	switch (v) {
	case MT_VETO_ARM64_BOOT:
		return "arm64 boot memory: the kernel never lets it go offline";
	case MT_VETO_ARM64_OLD:
		return "arm64 before 5.7: the kernel cannot offline memory";
	case MT_VETO_NONE:
		break;
	}
	return NULL;
}

/* A RAM resource only a driver adds at run time: "System RAM (kmem)" and the like. */
static bool driver_managed(const struct mt_resource *r)
{
	return r->kind == MT_RES_RAM && strncmp(r->name, "System RAM (", 12) == 0;
}

bool mt_arm64_boot_memory(const struct mt_resources *res, uint64_t start, uint64_t end)
{
	uint64_t ram, managed = 0;

	if (!res || res->source == MT_RES_NONE)
		return true;
	ram = mt_resources_coverage(res, MT_RES_RAM, start, end);
	if (!ram)
		return true;
	/*
	 * Driver-managed ranges never overlap each other
	 * (each is one add_memory_driver_managed()), so their sum inside the block is
	 * their coverage.
	 */
	for (size_t i = 0; i < res->n; i++) {
		const struct mt_resource *r = &res->r[i];
		uint64_t lo, hi;

		if (!driver_managed(r) || r->end < start || r->start > end)
			continue;
		lo = r->start > start ? r->start : start;
		hi = r->end < end ? r->end : end;
		managed += hi - lo + 1;
	}
	return managed < ram;
}

enum mt_offline_veto mt_arch_offline_veto(const char *machine, const char *osrelease,
					  const struct mt_resources *res, uint64_t start,
					  uint64_t end)
{
	unsigned major, minor;

	if (mt_arch_parse(machine) != MT_ARCH_ARM64)
		return MT_VETO_NONE;
	/* arm64 gained memory hot-remove, and with it the boot-memory veto, in 5.7. */
	if (osrelease && mt_kversion_parse(osrelease, &major, &minor) &&
	    !mt_kversion_at_least(major, minor, 5, 7))
		return MT_VETO_ARM64_OLD;
	return mt_arm64_boot_memory(res, start, end) ? MT_VETO_ARM64_BOOT : MT_VETO_NONE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* The architecture rules: which machine, and arm64 boot memory from a resource map. */
#include "unit.h"

#include "core/arch.h"
#include "shared/macro.h"

static void test_parse(void)
{
	CHECK(mt_arch_parse("aarch64") == MT_ARCH_ARM64);
	CHECK(mt_arch_parse("arm64") == MT_ARCH_ARM64);
	CHECK(mt_arch_parse("ppc64le") == MT_ARCH_PPC64);
	CHECK(mt_arch_parse("ppc64") == MT_ARCH_PPC64);
	CHECK(mt_arch_parse("x86_64") == MT_ARCH_X86_64);
	CHECK(mt_arch_parse("s390x") == MT_ARCH_S390);
	CHECK(mt_arch_parse("armv7l") == MT_ARCH_UNKNOWN);
	CHECK(mt_arch_parse(NULL) == MT_ARCH_UNKNOWN);
}

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static void test_boot_memory(void)
{
	/* virt: boot RAM 1-3 GiB with the kernel inside; virtio-mem at 4 GiB; kmem at 8 GiB. */
	static const char iomem[] = "40000000-bfffffff : System RAM\n"
				    "  40210000-4153ffff : Kernel code\n"
				    "100000000-11fffffff : virtio0\n"
				    "  100000000-11fffffff : System RAM (virtio_mem)\n"
				    "180000000-187ffffff : System RAM\n"
				    "188000000-18fffffff : System RAM (virtio_mem)\n"
				    "200000000-23fffffff : Soft Reserved\n"
				    "  200000000-23fffffff : dax0.0\n"
				    "    200000000-23fffffff : System RAM (kmem)\n";
	struct mt_resources res = { 0 }, none = { 0 };
	bool zero = false;

	CHECK(mt_iomem_parse(iomem, &res, &zero) == 0);
	CHECK(mt_arm64_boot_memory(&res, GIB, GIB + 128 * MIB - 1));
	CHECK(!mt_arm64_boot_memory(&res, 4 * GIB, 4 * GIB + 128 * MIB - 1));
	CHECK(!mt_arm64_boot_memory(&res, 4 * GIB + 384 * MIB, 4 * GIB + 512 * MIB - 1));
	/* Half plain System RAM, half driver-managed: boot sections inside, vetoed. */
	CHECK(mt_arm64_boot_memory(&res, 6 * GIB, 6 * GIB + 256 * MIB - 1));
	/* kmem under dax under Soft Reserved: hot-added. */
	CHECK(!mt_arm64_boot_memory(&res, 8 * GIB, 8 * GIB + 128 * MIB - 1));
	/* No RAM in the map at all, or no map: assume boot memory (a skip, never a bad write). */
	CHECK(mt_arm64_boot_memory(&res, 16 * GIB, 16 * GIB + 128 * MIB - 1));
	CHECK(mt_arm64_boot_memory(&none, 4 * GIB, 4 * GIB + 128 * MIB - 1));
	CHECK(mt_arm64_boot_memory(NULL, 4 * GIB, 4 * GIB + 128 * MIB - 1));

	CHECK(mt_arch_offline_veto("aarch64", "6.1.0-13-arm64", &res, GIB, GIB + 128 * MIB - 1) ==
	      MT_VETO_ARM64_BOOT);
	CHECK(mt_arch_offline_veto("aarch64", "6.1.0-13-arm64", &res, 4 * GIB,
				   4 * GIB + 128 * MIB - 1) == MT_VETO_NONE);
	/* Before 5.7 arm64 had no hot-remove at all: hot-added memory stays too. */
	CHECK(mt_arch_offline_veto("aarch64", "5.4.0-42-generic", &res, 4 * GIB,
				   4 * GIB + 128 * MIB - 1) == MT_VETO_ARM64_OLD);
	/* Other architectures and unknown machines: no veto. */
	CHECK(mt_arch_offline_veto("x86_64", "6.1.0", &res, GIB, GIB + 128 * MIB - 1) ==
	      MT_VETO_NONE);
	CHECK(mt_arch_offline_veto("ppc64le", "6.1.0", NULL, 0, 256 * MIB - 1) == MT_VETO_NONE);
	CHECK(mt_arch_offline_veto(NULL, NULL, NULL, 0, 128 * MIB - 1) == MT_VETO_NONE);
	CHECK(mt_veto_reason(MT_VETO_NONE) == NULL);
	CHECK(strstr(mt_veto_reason(MT_VETO_ARM64_BOOT), "arm64 boot memory") != NULL);
	mt_resources_free(&res);
}

int main(void)
{
	test_parse();
	test_boot_memory();
	UNIT_EXIT();
}

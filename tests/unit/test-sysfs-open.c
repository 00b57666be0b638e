// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shared/sysfs-open.c and the bounded reads of shared/sysfs.c: links that
 * leave the directory are refused (by openat2 and by the component walk
 * of kernels before 5.6, which must agree), FIFOs and devices are refused
 * without blocking, and a file past its bound is -EFBIG.
 */
#include <errno.h>
#include <sys/stat.h>

#include "unit.h"

static void put_link(int root, const char *target, const char *rel)
{
	if (symlinkat(target, root, rel) < 0) {
		perror(rel);
		exit(1);
	}
}

/* Both resolvers on one path: the same verdict (an fd, or the same errno). */
static int both(int dirfd, const char *path, bool in_root)
{
	int w = mt_open_walk(dirfd, path, O_RDONLY | O_CLOEXEC, 0, in_root);
	int k;

	mt_open_confine(true);
	k = mt_open(dirfd, path, O_RDONLY, 0, in_root ? MT_OPEN_IN_ROOT : 0);
	mt_open_confine(false);
	if ((w >= 0) != (k >= 0) || (w < 0 && w != k))
		UNIT_FAIL("%s: walk %d, openat2 %d", path, w, k);
	if (w >= 0)
		close(w);
	if (k >= 0)
		close(k);
	return w >= 0 ? 0 : w;
}

static void test_resolve(void)
{
	char dir[256];
	int root = unit_tmpdir(dir, sizeof(dir));
	int sub;

	unit_put(root, "t/mem/memory1/state", "online\n");
	unit_put(root, "t/mem/memory2/state.real", "online\n");
	unit_put(root, "outside/state", "online\n");
	put_link(root, "state.real", "t/mem/memory2/state");
	put_link(root, "../../outside", "t/mem/memory3");
	put_link(root, "/etc", "t/mem/memory4");
	put_link(root, "memory5", "t/mem/memory5");
	put_link(root, "memory1", "t/mem/memory6");
	sub = openat(root, "t/mem", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(sub >= 0);

	CHECK(both(sub, "memory1/state", false) == 0);
	CHECK(both(sub, "memory2/state", false) == 0);
	CHECK(both(sub, "memory6/state", false) == 0);
	CHECK(both(sub, "memory1/../memory1/state", false) == 0);
	CHECK(both(sub, ".", false) == 0);
	CHECK(both(sub, "memory1/", false) == 0);
	CHECK(both(sub, "memory3/state", false) == -EXDEV);
	CHECK(both(sub, "memory4/passwd", false) == -EXDEV);
	CHECK(both(sub, "../mem/memory1/state", false) == -EXDEV);
	CHECK(both(sub, "/etc/passwd", false) == -EXDEV);
	CHECK(both(sub, "memory5/state", false) == -ELOOP);
	CHECK(both(sub, "memory9/state", false) == -ENOENT);
	/* In the root: ".." stops at it, absolute links are inside it. */
	unit_put(sub, "etc/passwd", "inside\n");
	CHECK(both(sub, "memory4/passwd", true) == 0);
	CHECK(both(sub, "../../../memory1/state", true) == 0);
	close(sub);
	close(root);
	unit_rmtree(dir);
}

static void test_types(void)
{
	char dir[256], buf[64], *text = NULL;
	int root = unit_tmpdir(dir, sizeof(dir));
	struct mt_refusal rf;
	char big[5000];

	mt_refusal_take(&rf);
	CHECK(mkfifoat(root, "fifo", 0644) == 0);
	put_link(root, "/dev/zero", "zero");
	put_link(root, "/dev/null", "null");
	unit_put(root, "dir/x", "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	unit_put(root, "big", big);
	unit_put(root, "ok", "online\n");

	/* A FIFO with no writer: refused at once, never waited on. */
	CHECK(mt_read_attr(root, "fifo", buf, sizeof(buf)) == -ENXIO);
	CHECK(mt_read_file(root, "fifo", 1 << 20, 0, &text) == -ENXIO);
	CHECK(mt_refusal_take(&rf) == 2 && strstr(rf.path, "/fifo") && strstr(rf.why, "FIFO"));
	CHECK(mt_read_attr(root, "zero", buf, sizeof(buf)) == -ENXIO);
	CHECK(mt_read_file(root, "zero", 1 << 20, 0, &text) == -ENXIO);
	CHECK(mt_read_file(root, "null", 1 << 20, 0, &text) == -ENXIO);
	CHECK(mt_refusal_take(&rf) == 3 && strstr(rf.why, "character device"));
	CHECK(mt_read_attr(root, "dir", buf, sizeof(buf)) == -EISDIR);
	/* Past the bound: an error for that file. */
	CHECK(mt_read_file(root, "big", 4096, 0, &text) == -EFBIG);
	CHECK(mt_read_file(root, "big", 8192, 0, &text) == (ssize_t)strlen(big));
	free(text);
	text = NULL;
	CHECK(mt_refusal_take(&rf) == 1 && strstr(rf.path, "/big"));
	CHECK(mt_read_attr(root, "ok", buf, sizeof(buf)) == 6);
	CHECK_STR(buf, "online");
	CHECK(mt_refusal_take(&rf) == 0);
	close(root);
	unit_rmtree(dir);
}

int main(void)
{
	test_resolve();
	test_types();
	UNIT_EXIT();
}

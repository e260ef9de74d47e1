/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util: bounded reader, capped buffer, error table, log spec parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

static void test_rd_reads_le_and_latches_bad(void **state)
{
	const uint8_t b[] = { 0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12 };
	struct rd r;

	(void)state;
	rd_init(&r, b, sizeof(b));
	assert_int_equal(rd_u8(&r), 0x01);
	assert_int_equal(rd_u16le(&r), 0x1234);
	assert_int_equal(rd_u32le(&r), 0x12345678u);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	/* A read past the end returns 0, consumes nothing, latches bad. */
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
}

static void test_rd_short_read_consumes_nothing(void **state)
{
	const uint8_t b[] = { 0xAA, 0xBB, 0xCC };
	struct rd r;

	(void)state;
	rd_init(&r, b, sizeof(b));
	assert_int_equal(rd_u32le(&r), 0);
	assert_false(rd_ok(&r));
	assert_int_equal(r.off, 0);
	/* Once bad, stays bad even for a read that would fit. */
	assert_int_equal(rd_u8(&r), 0);
}

static void test_rd_huge_skip_does_not_wrap(void **state)
{
	const uint8_t b[8] = { 0 };
	struct rd r;

	(void)state;
	rd_init(&r, b, sizeof(b));
	assert_true(rd_skip(&r, 4));
	assert_false(rd_skip(&r, SIZE_MAX));
	assert_false(rd_ok(&r));
	assert_null(rd_bytes(&r, 0));
}

static void test_buf_limit_latches(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 6);
	buf_put_u32le(&b, 0x04030201);
	assert_int_equal(buf_status(&b), 0);
	buf_put_u32le(&b, 0xFFFFFFFF);
	assert_int_equal(buf_status(&b), ALPHAFS_ERR_TOO_BIG);
	assert_int_equal(b.len, 4);
	buf_put_u8(&b, 1); /* ignored after the error */
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "\x01\x02\x03\x04", 4);
	buf_finish(&b);
}

static void test_buf_printf_and_steal(void **state)
{
	struct buf b;
	size_t len;
	uint8_t *p;

	(void)state;
	buf_init(&b, 1024);
	buf_printf(&b, "model: %s\n", "ILCE-6300");
	buf_printf(&b, "%d", 42);
	assert_int_equal(b.len, strlen("model: ILCE-6300\n42"));
	p = buf_steal(&b, &len);
	assert_memory_equal(p, "model: ILCE-6300\n42", len);
	assert_null(b.data);
	mem_free(p);
	buf_finish(&b);
}

static void test_buf_nomem(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	mem_fail_after(0);
	buf_put_u8(&b, 1);
	mem_fail_after(-1);
	assert_int_equal(buf_status(&b), ALPHAFS_ERR_NOMEM);
	buf_finish(&b);
}

static void test_error_table(void **state)
{
	(void)state;
	assert_string_equal(alphafs_err_name(ALPHAFS_ERR_NO_DEVICE), "NO_DEVICE");
	assert_string_equal(alphafs_strerror(ALPHAFS_ERR_NO_DEVICE),
			    "camera disconnected");
	assert_int_equal(alphafs_err_errno(ALPHAFS_ERR_NO_DEVICE), ENODEV);
	assert_int_equal(alphafs_err_errno(ALPHAFS_ERR_TIMEOUT), ETIMEDOUT);
	assert_string_equal(alphafs_strerror(-9999), "unknown error");
	assert_string_equal(alphafs_err_name(12345), "UNKNOWN");
}

static void test_err_detail_keeps_first(void **state)
{
	struct err_detail d = { 0 };
	char line[300];

	(void)state;
	assert_int_equal(err_set(&d, ALPHAFS_ERR_IO, "first %d", 1), ALPHAFS_ERR_IO);
	assert_int_equal(err_set(&d, ALPHAFS_ERR_TIMEOUT, "second"),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(d.code, ALPHAFS_ERR_IO);
	err_format(&d, line, sizeof(line));
	assert_string_equal(line, "input/output error: first 1");
	err_replace(&d, ALPHAFS_ERR_TIMEOUT, "third");
	assert_int_equal(d.code, ALPHAFS_ERR_TIMEOUT);
	err_clear(&d);
	assert_int_equal(d.code, 0);
}

static void test_log_configure(void **state)
{
	(void)state;
	assert_int_equal(log_configure("warn"), 0);
	assert_int_equal(log_configure("usb,ptp:debug"), 0);
	assert_int_equal(log_levels[LOG_AREA_USB], LOG_LVL_DEBUG);
	assert_int_equal(log_levels[LOG_AREA_PTP], LOG_LVL_DEBUG);
	assert_int_equal(log_levels[LOG_AREA_FS], LOG_LVL_WARN);
	assert_int_equal(log_configure("fs"), 0);
	assert_int_equal(log_levels[LOG_AREA_FS], LOG_LVL_DEBUG);
	/* A bad word changes nothing. */
	assert_int_equal(log_configure("err,bogus"), ALPHAFS_ERR_INVALID);
	assert_int_equal(log_levels[LOG_AREA_FS], LOG_LVL_DEBUG);
	assert_int_equal(log_configure("usb:loud"), ALPHAFS_ERR_INVALID);
	assert_int_equal(log_configure("warn"), 0);
	assert_int_equal(log_levels[LOG_AREA_USB], LOG_LVL_WARN);
}

/* A mount table with three mounts stacked on /mnt/a b (a space in the
 * path, written \040 by the kernel), listed out of order: the top one
 * (31, on 30) first, the bottom one (28) last. */
static const char MOUNTS[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"31 30 0:41 / /mnt/a\\040b rw - fuse.sshfs host: rw\n"
	"30 28 0:40 / /mnt/a\\040b rw,nosuid - fuse.alphafs alphafs:emulate "
	"rw,user_id=0\n"
	"28 22 0:39 / /mnt/a\\040b rw,nosuid shared:7 master:2 - fuse.alphafs "
	"alphafs:usb:001\\054004 rw,user_id=0\n"
	"32 22 0:42 / /mnt/other rw - tmpfs tmpfs rw\n";

static void test_mountinfo_top_of_a_stack(void **state)
{
	struct mount_entry e;

	(void)state;
	/* The top is the one nothing at the path is mounted on, wherever
	 * the table lists it. */
	assert_int_equal(mountinfo_top(MOUNTS, strlen(MOUNTS), "/mnt/a b", &e),
			 1);
	assert_int_equal(e.id, 31);
	assert_string_equal(e.fstype, "fuse.sshfs");
	assert_int_equal(mountinfo_top(MOUNTS, strlen(MOUNTS), "/mnt/other",
				       &e),
			 1);
	assert_int_equal(e.id, 32);
	assert_int_equal(e.major, 0);
	assert_int_equal(e.minor, 42);
	assert_int_equal(mountinfo_top(MOUNTS, strlen(MOUNTS), "/", &e), 1);
	assert_string_equal(e.source, "/dev/sda1");
	assert_int_equal(mountinfo_top(MOUNTS, strlen(MOUNTS), "/mnt", &e), 0);
	assert_int_equal(mountinfo_top(MOUNTS, strlen(MOUNTS), "/mnt/a\\040b",
				       &e),
			 0);
}

static void test_mountinfo_decodes_fields(void **state)
{
	const char one[] = "28 22 0:39 / /m rw - fuse.alphafs "
			   "alphafs:usb:001\\054004 rw";
	struct mount_entry e;

	(void)state;
	assert_int_equal(mountinfo_top(one, strlen(one), "/m", &e), 1);
	assert_string_equal(e.source, "alphafs:usb:001,004");
	assert_int_equal(e.parent, 22);
	/* No trailing newline, an empty text, blank lines: fine. */
	assert_int_equal(mountinfo_top("", 0, "/m", &e), 0);
	assert_int_equal(mountinfo_top("\n\n", 2, "/m", &e), 0);
}

static void test_mountinfo_malformed(void **state)
{
	static const char *const bad[] = {
		"28 22 0:39 / /m rw fuse.alphafs src rw\n",    /* no "-" */
		"28 22 0:39 / /m rw -\n",		       /* no type */
		"x 22 0:39 / /m rw - fuse src rw\n",	       /* id */
		"28 22 039 / /m rw - fuse src rw\n",	       /* dev */
		"28 22 0:39 / /m\\04 rw - fuse src rw\n",       /* escape */
		"28 22 0:39 / /m\\000 rw - fuse src rw\n",      /* NUL */
		"99999999999 22 0:39 / /m rw - fuse src rw\n", /* too big */
		"28  22 0:39 / /m rw - fuse src rw\n",	       /* empty field */
	};
	char longtype[600];
	struct mount_entry e;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(mountinfo_top(bad[i], strlen(bad[i]), "/m", &e),
				 ALPHAFS_ERR_MALFORMED);
	/* A field longer than the entry holds. */
	snprintf(longtype, sizeof(longtype), "1 2 0:3 / /m rw - %0400d src rw",
		 0);
	assert_int_equal(mountinfo_top(longtype, strlen(longtype), "/m", &e),
			 ALPHAFS_ERR_MALFORMED);
}

static void test_mountinfo_read_self(void **state)
{
	struct mount_entry e;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(mountinfo_read(&text, &len), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	/* "/" is always a mount point. */
	assert_int_equal(mountinfo_top(text, len, "/", &e), 1);
	mem_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rd_reads_le_and_latches_bad),
		cmocka_unit_test(test_rd_short_read_consumes_nothing),
		cmocka_unit_test(test_rd_huge_skip_does_not_wrap),
		cmocka_unit_test(test_buf_limit_latches),
		cmocka_unit_test(test_buf_printf_and_steal),
		cmocka_unit_test(test_buf_nomem),
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_err_detail_keeps_first),
		cmocka_unit_test(test_log_configure),
		cmocka_unit_test(test_mountinfo_top_of_a_stack),
		cmocka_unit_test(test_mountinfo_decodes_fields),
		cmocka_unit_test(test_mountinfo_malformed),
		cmocka_unit_test(test_mountinfo_read_self),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}

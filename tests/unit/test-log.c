// SPDX-License-Identifier: MIT
/* The stderr logger: sd-daemon prefixes, level filtering, %m from the error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs @fn with stderr redirected into @buf. */
static void capture(void (*fn)(void), char *buf, size_t size)
{
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
	close(fds[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(fds[0], buf, size - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
}

static int returned;

static void log_some(void)
{
	log_set_prefix(1);
	log_set_max_level(LOG_LEVEL_INFO);
	returned = log_error_errno(-ENOENT, "outbox: cannot open '%s': %m", "/x");
	log_debug("not shown");
	log_warning("disk at %d%%", 91);
}

static void log_plain(void)
{
	log_set_prefix(0);
	log_set_max_level(LOG_LEVEL_DEBUG);
	log_debug("now shown");
}

static void test_prefix_and_errno(void **state)
{
	char buf[512];

	(void)state;
	capture(log_some, buf, sizeof(buf));
	assert_int_equal(returned, -ENOENT);
	assert_string_equal(buf, "<3>outbox: cannot open '/x': No such file or directory\n"
				 "<4>disk at 91%\n");
}

static void test_plain_debug(void **state)
{
	char buf[512];

	(void)state;
	capture(log_plain, buf, sizeof(buf));
	assert_string_equal(buf, "now shown\n");
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("err"), LOG_LEVEL_ERR);
	assert_int_equal(log_level_from_string("WARNING"), LOG_LEVEL_WARNING);
	assert_int_equal(log_level_from_string("7"), LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_from_string("8"), -EINVAL);
	assert_int_equal(log_level_from_string("loud"), -EINVAL);
	assert_int_equal(log_level_from_string(NULL), -EINVAL);
	log_set_max_level(LOG_LEVEL_NOTICE);
	assert_int_equal(log_get_max_level(), LOG_LEVEL_NOTICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_and_errno),
		cmocka_unit_test(test_plain_debug),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

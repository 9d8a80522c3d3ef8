/* The web console's authentication pieces (host/espnicd/web/web_auth.c): scrypt hashes that
 * verify the right password only and differ per salt, malformed hashes refused, the 0600
 * password file (a symbolic link replaced, not followed; a readable file refused), tokens,
 * the Cookie header, and browser sessions (CSRF token checked, logout, idle end, the least
 * recently used one replaced when the table is full). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web_auth.h"

static void hash_and_verify(void **state)
{
	char a[WEB_HASH_MAX], b[WEB_HASH_MAX];

	(void)state;
	assert_int_equal(web_auth_hash("correct horse battery", a, sizeof(a)), 0);
	assert_int_equal(web_auth_hash("correct horse battery", b, sizeof(b)), 0);
	assert_true(strncmp(a, "scrypt$16384$8$1$", 17) == 0);
	assert_string_not_equal(a, b); /* a salt of its own */
	assert_null(strstr(a, "correct"));
	assert_int_equal(web_auth_verify("correct horse battery", a), 1);
	assert_int_equal(web_auth_verify("correct horse batterY", a), 0);
	assert_int_equal(web_auth_verify("", a), 0);
	assert_int_equal(web_auth_verify("x", "plain-text"), -EINVAL);
	assert_int_equal(web_auth_verify("x", "scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"),
			 -EINVAL);
	assert_int_equal(web_auth_verify("x", "scrypt$16384$8$1$$"), -EINVAL);
	assert_int_equal(web_auth_verify("x", "scrypt$4194304$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
					      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
			 -EINVAL); /* N beyond the limit: no memory exhaustion from a file */
}

static void password_file(void **state)
{
	char dir[] = "/tmp/web_auth_test.XXXXXX", path[256], link_target[256], stored[256],
	     err[512];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web-password", dir);
	snprintf(link_target, sizeof(link_target), "%s/elsewhere", dir);
	assert_int_equal(web_auth_write_file(path, "short", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "8"));
	/* A symbolic link planted at the path is replaced, its target left alone. */
	assert_int_equal(symlink(link_target, path), 0);
	assert_int_equal(web_auth_write_file(path, "a long enough password", err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(link_target, F_OK), 0);
	assert_int_equal(web_auth_read_file(path, stored, sizeof(stored), err, sizeof(err)), 0);
	assert_int_equal(web_auth_verify("a long enough password", stored), 1);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(web_auth_read_file(path, stored, sizeof(stored), err, sizeof(err)),
			 -EPERM);
	unlink(path);
	assert_true(web_auth_read_file(path, stored, sizeof(stored), err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "espnic web passwd"));
	rmdir(dir);
}

static void tokens_and_cookies(void **state)
{
	char a[WEB_TOKEN_LEN + 1], b[WEB_TOKEN_LEN + 1], out[WEB_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(web_auth_token(a), 0);
	assert_int_equal(web_auth_token(b), 0);
	assert_int_equal(strlen(a), WEB_TOKEN_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), WEB_TOKEN_LEN);
	assert_string_not_equal(a, b);
	assert_true(web_auth_token_equal(a, a));
	assert_false(web_auth_token_equal(a, b));
	assert_false(web_auth_token_equal(a, NULL));
	assert_false(web_auth_token_equal("", ""));
	assert_true(web_auth_cookie("x=1; sid=abc; y=2", "sid", out, sizeof(out)));
	assert_string_equal(out, "abc");
	assert_true(web_auth_cookie("sid=abc", "sid", out, sizeof(out)));
	assert_false(web_auth_cookie("xsid=abc; sidx=1", "sid", out, sizeof(out)));
	assert_false(web_auth_cookie("", "sid", out, sizeof(out)));
	assert_false(
	    web_auth_cookie("sid=0123456789012345678901234567890123456789012345678901234567"
			    "890123456789",
			    "sid", out, sizeof(out))); /* too long for a token */
}

static void sessions(void **state)
{
	static struct web_sessions t;
	struct web_session *s, *first;
	char token[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1];

	(void)state;
	memset(&t, 0, sizeof(t));
	s = web_session_new(&t, 1000);
	assert_non_null(s);
	assert_string_not_equal(s->token, s->csrf);
	strcpy(token, s->token);
	strcpy(csrf, s->csrf);
	assert_ptr_equal(web_session_find(&t, token, 2000), s);
	assert_null(web_session_find(&t, csrf, 2000)); /* the CSRF token is no session token */
	assert_true(web_session_csrf_ok(s, csrf));
	assert_false(web_session_csrf_ok(s, token));
	assert_false(web_session_csrf_ok(s, NULL));
	assert_false(web_session_csrf_ok(NULL, csrf));
	/* Idle too long: ended. */
	assert_null(web_session_find(&t, token, 2000 + WEB_SESSION_IDLE_MS + 1));
	assert_null(web_session_find(&t, token, 2000));
	/* Logout. */
	s = web_session_new(&t, 5000);
	strcpy(token, s->token);
	web_session_end(s);
	assert_null(web_session_find(&t, token, 5001));
	/* Full: the least recently used goes. */
	first = web_session_new(&t, 10000);
	strcpy(token, first->token);
	for (int i = 1; i < WEB_SESSIONS_MAX; i++)
		assert_non_null(web_session_new(&t, 10000 + (uint64_t)i));
	assert_non_null(web_session_find(&t, token, 20000)); /* used again: now the newest */
	assert_non_null(web_session_new(&t, 20001));
	assert_non_null(web_session_find(&t, token, 20002));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash_and_verify),
	    cmocka_unit_test(password_file),
	    cmocka_unit_test(tokens_and_cookies),
	    cmocka_unit_test(sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

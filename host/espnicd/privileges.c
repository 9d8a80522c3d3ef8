/* Process hardening (see privileges.h): dumpability and core limits with prctl/setrlimit,
 * OpenSSL's secure heap (locked, MADV_DONTDUMP) for its private keys, and the switch to an
 * unprivileged user with libcap, keeping CAP_NET_ADMIN and CAP_NET_BIND_SERVICE. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/capability.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/secret_file.h"
#include "log.h"
#include "privileges.h"

/* OpenSSL's secure heap: our certificate keys and every DH/ECDH private value (about 1 KiB
 * each while an IKE_SA_INIT is open, half_open_max of them at most by default) fit. */
#define SECURE_HEAP (4u << 20)

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		int e_ = errno;                                                                    \
		snprintf(err, err_len, __VA_ARGS__);                                               \
		return e_ ? -e_ : -EPERM;                                                          \
	} while (0)

int priv_harden(char *err, size_t err_len)
{
	const struct rlimit no_core = {0, 0};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		FAIL("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		FAIL("setrlimit(RLIMIT_CORE): %s", strerror(errno));
	/* 1: locked; 2: in place but not locked (no CAP_IPC_LOCK): still out of core dumps */
	if (CRYPTO_secure_malloc_init(SECURE_HEAP, 32) == 0)
		FAIL("OpenSSL's secure heap could not be set up");
	return 0;
}

int priv_drop(const char *user, char *err, size_t err_len)
{
	static const cap_value_t keep[] = {CAP_NET_ADMIN, CAP_NET_BIND_SERVICE};
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;
	cap_t caps;
	int ret;

	errno = 0;
	if (secret_file_user(user, &uid, &gid) < 0)
		FAIL("user \"%s\": no such user", user);
	if (geteuid() != 0)
		FAIL("user \"%s\": espnicd must be started as root to switch to it", user);
	/* Other capabilities leave the bounding set: none can come back through an exec. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != keep[0] && c != keep[1] && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			FAIL("prctl(PR_CAPBSET_DROP): %s", strerror(errno));
	pw = getpwnam(user);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    (pw != NULL ? initgroups(pw->pw_name, gid) : setgroups(1, &gid)) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		FAIL("user \"%s\": cannot switch to uid %u gid %u: %s", user, (unsigned)uid,
		     (unsigned)gid, strerror(errno));
	caps = cap_init();
	if (caps == NULL)
		FAIL("out of memory");
	ret = cap_set_flag(caps, CAP_PERMITTED, 2, keep, CAP_SET) < 0 ||
	      cap_set_flag(caps, CAP_EFFECTIVE, 2, keep, CAP_SET) < 0 || cap_set_proc(caps) < 0;
	cap_free(caps);
	if (ret)
		FAIL("user \"%s\": cannot keep CAP_NET_ADMIN: %s", user, strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) /* a uid change resets it */
		FAIL("prctl: %s", strerror(errno));
	errno = 0;
	if (setuid(0) == 0 || seteuid(0) == 0)
		FAIL("user \"%s\": root could be regained", user);
	log_info("running as user %s (uid %u, gid %u) with CAP_NET_ADMIN and "
		 "CAP_NET_BIND_SERVICE only",
		 user, (unsigned)uid, (unsigned)gid);
	return 0;
}

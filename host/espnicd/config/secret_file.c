/* Checks of files that hold secrets: a regular file, mode 0600 or stricter, owned by root or
 * by the user espnicd runs as (anyone else who owns it could read it or swap the key). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret_file.h"

static uid_t extra_owner = (uid_t)-1;

void secret_file_allow_owner(uid_t uid)
{
	extra_owner = uid;
}

int secret_file_user(const char *user, uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam(user);
	unsigned long n;
	char *end;

	if (pw != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	n = strtoul(user, &end, 10);
	if (user[0] == '\0' || *end != '\0' || n >= (uid_t)-1)
		return -ENOENT;
	*uid = (uid_t)n;
	*gid = (gid_t)n;
	return 0;
}

int secret_file_check(int fd, const char *path, char *err, size_t err_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s: holds secrets and must be a regular file", path);
		return -EPERM;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, err_len,
			 "%s: holds secrets and must have mode 0600 or stricter (is %04o)", path,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != extra_owner) {
		snprintf(err, err_len,
			 "%s: holds secrets and is owned by uid %u: it must be owned by root or "
			 "by the user espnicd runs as (uid %u)",
			 path, (unsigned)st.st_uid,
			 (unsigned)(extra_owner != (uid_t)-1 ? extra_owner : geteuid()));
		return -EPERM;
	}
	return 0;
}

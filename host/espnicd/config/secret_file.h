/* Files that hold secrets (the PSK file, private keys, the state directory's secrets.json):
 * who may own them and how long a PSK must be, checked the same way everywhere. */
#ifndef ESPNICD_SECRET_FILE_H
#define ESPNICD_SECRET_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* The shortest PSK accepted, in bytes. A PSK authenticates by a MAC over the exchange, so
 * one captured IKE_SA_INIT + IKE_AUTH lets an attacker test guesses offline, as fast as he
 * can compute HMACs: a short or word-like key falls to a dictionary. */
#define SECRET_PSK_MIN 16
#define SECRET_PSK_WHY                                                                             \
	"a shorter key can be guessed offline from one captured IKE_SA_INIT/IKE_AUTH exchange"

/* The user espnicd runs as after setup (its "user" setting), besides root and the effective
 * user, as an owner secret files may have; (uid_t)-1 for none. */
void secret_file_allow_owner(uid_t uid);

/* The user espnicd is to run as ("user": a name, or a number that is both uid and gid):
 * 0, or -ENOENT for an unknown name. */
int secret_file_user(const char *user, uid_t *uid, gid_t *gid);

/* fd (open on path) must be a regular file that neither group nor others can access, owned by
 * root, by the user espnicd runs as or by the one set above. 0, or -EPERM with err naming
 * the file and what is wrong (never its content). */
int secret_file_check(int fd, const char *path, char *err, size_t err_len);

#endif

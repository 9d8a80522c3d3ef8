/* The state directory: atomic writes (write a temporary file, fsync, rename over the old
 * one, fsync the directory) and loading with validation. Secrets go to their own file with
 * mode 0600 (PSKs of sessions, private keys of local endpoints), written before the objects
 * that need them and pruned after. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/secret_file.h"
#include "session_store.h"

static unsigned fail_write_countdown;

void store_test_fail_write(unsigned n)
{
	fail_write_countdown = n;
}

static void wiping_free(void *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void store_wipe_json_memory(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno ? -errno : -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int store_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		       unsigned mode, char *err, size_t err_len)
{
	char tmp[4096], path[4096];
	int fd, dfd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, err_len, "state directory path too long");
		return -ENAMETOOLONG;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
		return ret;
	}
	if (fchmod(fd, mode) < 0 || (ret = write_all(fd, data, len)) < 0 || fsync(fd) < 0) {
		ret = -errno ? -errno : -EIO;
		snprintf(err, err_len, "%s: %s", tmp, strerror(-ret));
		close(fd);
		unlink(tmp);
		return ret;
	}
	close(fd);
	if (fail_write_countdown > 0 && --fail_write_countdown == 0) {
		snprintf(err, err_len, "%s: injected failure (test)", path);
		return -EIO; /* as a crash: the temporary file stays, the old file too */
	}
	if (rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, err_len, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		return ret;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int save_json(const char *dir, const char *name, const json_t *j, unsigned mode, char *err,
		     size_t err_len)
{
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	int ret;

	if (text == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	ret = store_write_atomic(dir, name, text, strlen(text), mode, err, err_len);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return ret;
}

int store_save(const char *dir, const struct sm_model *prev, const struct sm_model *next, char *err,
	       size_t err_len)
{
	json_t *both = json_deep_copy(next->secrets), *objects;
	int ret;

	if (both == NULL)
		return -ENOMEM;
	if (prev != NULL) {
		const char *key;
		json_t *v;

		static const char *const kinds[] = {"sessions", "local_endpoints", "bgp_passwords"};

		for (size_t k = 0; k < 3; k++) {
			json_t *to = json_object_get(both, kinds[k]);

			json_object_foreach(json_object_get(prev->secrets, kinds[k]), key, v)
			{
				if (to != NULL && !json_object_get(to, key))
					json_object_set(to, key, v);
			}
		}
	}
	ret = save_json(dir, STORE_SECRETS, both, 0600, err, err_len);
	json_decref(both);
	if (ret < 0)
		return ret;
	objects = sm_persistent(next);
	ret = objects ? save_json(dir, STORE_CONFIG, objects, 0644, err, err_len) : -ENOMEM;
	json_decref(objects);
	if (ret < 0)
		return ret;
	return save_json(dir, STORE_SECRETS, next->secrets, 0600, err, err_len);
}

static int load_json(const char *dir, const char *name, bool secret, json_t **out, char *err,
		     size_t err_len)
{
	char path[4096];
	json_error_t jerr;
	struct stat st;
	int fd;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (secret && secret_file_check(fd, path, err, err_len) < 0) {
		close(fd);
		return -EPERM;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s: must be a regular file", path);
		close(fd);
		return -EPERM;
	}
	*out = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
	close(fd);
	if (*out == NULL || !json_is_object(*out)) {
		snprintf(err, err_len, "%s line %d: %s", path, jerr.line,
			 *out ? "not an object" : jerr.text);
		json_decref(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

int store_load(const char *dir, struct sm_model *m, char *err, size_t err_len)
{
	json_t *root = NULL, *secrets = NULL;
	struct sm_error e;
	int ret;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, err_len, "state directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if ((ret = load_json(dir, STORE_CONFIG, false, &root, err, err_len)) < 0 ||
	    (ret = load_json(dir, STORE_SECRETS, true, &secrets, err, err_len)) < 0) {
		json_decref(root);
		return ret;
	}
	ret = sm_model_load(m, root, secrets, &e);
	if (ret < 0)
		snprintf(err, err_len, "%s/%s: %s%s%s", dir, STORE_CONFIG, e.message,
			 e.field[0] ? " (field " : "", e.field[0] ? e.field : "");
	if (ret < 0 && e.field[0])
		strncat(err, ")", err_len - strlen(err) - 1);
	json_decref(root);
	json_decref(secrets);
	return ret;
}

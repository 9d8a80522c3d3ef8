/* The web console's authentication pieces (web_auth.h): scrypt password hashes through
 * OpenSSL's EVP_KDF, the 0600 password file, random tokens and the browser session table.
 * Everything secret is compared with CRYPTO_memcmp and wiped with OPENSSL_cleanse. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "web_auth.h"

#define SCRYPT_N     16384u
#define SCRYPT_R     8u
#define SCRYPT_P     1u
#define SCRYPT_N_MAX (1u << 20)
#define SALT_LEN     16
#define KEY_LEN	     32

static int scrypt(const char *password, const unsigned char *salt, size_t salt_len, uint64_t n,
		  uint32_t r, uint32_t p, unsigned char *key, size_t key_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t maxmem = 1ull << 30;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
					      strlen(password)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
	    OSSL_PARAM_construct_end()};
	int ret = ctx != NULL && EVP_KDF_derive(ctx, key, key_len, params) == 1 ? 0 : -EIO;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ret;
}

int web_auth_hash(const char *password, char *out, size_t out_len)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salt64[4 * ((SALT_LEN + 2) / 3) + 1], key64[4 * ((KEY_LEN + 2) / 3) + 1];
	int ret;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -EIO;
	ret = scrypt(password, salt, sizeof(salt), SCRYPT_N, SCRYPT_R, SCRYPT_P, key, sizeof(key));
	if (ret == 0) {
		EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof(salt));
		EVP_EncodeBlock((unsigned char *)key64, key, sizeof(key));
		if (snprintf(out, out_len, "scrypt$%u$%u$%u$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P,
			     salt64, key64) >= (int)out_len)
			ret = -ENOSPC;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key64, sizeof(key64));
	return ret;
}

/* base64 text into out (at most max bytes); the decoded length or -1. */
static int unbase64(const char *text, size_t len, unsigned char *out, size_t max)
{
	unsigned char buf[128];
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(buf))
		return -1;
	n = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len);
	if (n < 0)
		return -1;
	n -= text[len - 1] == '=' ? (text[len - 2] == '=' ? 2 : 1) : 0;
	if ((size_t)n > max)
		return -1;
	memcpy(out, buf, (size_t)n);
	OPENSSL_cleanse(buf, sizeof(buf));
	return n;
}

int web_auth_verify(const char *password, const char *stored)
{
	unsigned long n, r, p;
	unsigned char salt[64], want[64], got[64];
	char *end;
	const char *salt64, *key64;
	int salt_len, key_len, ret;

	if (strncmp(stored, "scrypt$", 7) != 0)
		return -EINVAL;
	n = strtoul(stored + 7, &end, 10);
	if (*end != '$' || n < 2 || n > SCRYPT_N_MAX || (n & (n - 1)) != 0)
		return -EINVAL;
	r = strtoul(end + 1, &end, 10);
	if (*end != '$' || r < 1 || r > 32)
		return -EINVAL;
	p = strtoul(end + 1, &end, 10);
	if (*end != '$' || p < 1 || p > 16)
		return -EINVAL;
	salt64 = end + 1;
	key64 = strchr(salt64, '$');
	if (key64 == NULL)
		return -EINVAL;
	salt_len = unbase64(salt64, (size_t)(key64 - salt64), salt, sizeof(salt));
	key64++;
	key_len = unbase64(key64, strcspn(key64, "\r\n"), want, sizeof(want));
	if (salt_len < 8 || key_len < 16)
		return -EINVAL;
	ret = scrypt(password, salt, (size_t)salt_len, n, (uint32_t)r, (uint32_t)p, got,
		     (size_t)key_len);
	if (ret == 0)
		ret = CRYPTO_memcmp(got, want, (size_t)key_len) == 0 ? 1 : 0;
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	return ret;
}

int web_auth_write_file(const char *path, const char *password, char *err, size_t err_len)
{
	char hash[WEB_HASH_MAX], tmp[4096];
	size_t len;
	int fd, ret;

	if (strlen(password) < WEB_PASSWORD_MIN || strlen(password) > WEB_PASSWORD_MAX) {
		snprintf(err, err_len, "the password must have %d to %d characters",
			 WEB_PASSWORD_MIN, WEB_PASSWORD_MAX);
		return -EINVAL;
	}
	ret = web_auth_hash(password, hash, sizeof(hash));
	if (ret < 0) {
		snprintf(err, err_len, "cannot hash the password: %s", strerror(-ret));
		return ret;
	}
	len = strlen(hash);
	hash[len++] = '\n';
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, err_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600, O_EXCL */
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
		return ret;
	}
	ret = fchmod(fd, 0600) == 0 && write(fd, hash, len) == (ssize_t)len && fsync(fd) == 0
		  ? 0
		  : -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}

int web_auth_read_file(const char *path, char *out, size_t out_len, char *err, size_t err_len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = 0;

	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s (set it with `espnic web passwd`)", path,
			 strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0077) != 0) {
		snprintf(err, err_len, "%s: must be a regular file of mode 0600", path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, out, out_len - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, err_len, "%s: empty or unreadable", path);
		return -EINVAL;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (strncmp(out, "scrypt$", 7) != 0) {
		snprintf(err, err_len, "%s: not a password hash of `espnic web passwd`", path);
		return -EINVAL;
	}
	return 0;
}

int web_auth_token(char out[WEB_TOKEN_LEN + 1])
{
	unsigned char raw[WEB_TOKEN_LEN / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

bool web_auth_token_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL || strlen(a) != WEB_TOKEN_LEN || strlen(b) != WEB_TOKEN_LEN)
		return false;
	return CRYPTO_memcmp(a, b, WEB_TOKEN_LEN) == 0;
}

bool web_auth_cookie(const char *header, const char *name, char *out, size_t out_len)
{
	size_t name_len = strlen(name);

	for (const char *p = header; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " \t;");
		len = strcspn(p, ";");
		if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
			len -= name_len + 1;
			while (len > 0 && (p[name_len + len] == ' ' || p[name_len + len] == '\t'))
				len--;
			if (len >= out_len)
				return false;
			memcpy(out, p + name_len + 1, len);
			out[len] = '\0';
			return true;
		}
		p += len;
	}
	return false;
}

struct web_session *web_session_new(struct web_sessions *t, uint64_t now_ms)
{
	struct web_session *pick = &t->s[0];

	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (t->s[i].token[0] == '\0') {
			pick = &t->s[i];
			break;
		}
		if (t->s[i].last_used_ms < pick->last_used_ms)
			pick = &t->s[i];
	}
	web_session_end(pick);
	if (web_auth_token(pick->token) < 0 || web_auth_token(pick->csrf) < 0) {
		web_session_end(pick);
		return NULL;
	}
	pick->last_used_ms = now_ms;
	return pick;
}

struct web_session *web_session_find(struct web_sessions *t, const char *token, uint64_t now_ms)
{
	struct web_session *found = NULL;

	/* Every slot is compared, so the time taken says nothing about which one matched. */
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &t->s[i];

		if (s->token[0] == '\0')
			continue;
		if (now_ms - s->last_used_ms > WEB_SESSION_IDLE_MS) {
			web_session_end(s);
			continue;
		}
		if (web_auth_token_equal(s->token, token))
			found = s;
	}
	if (found != NULL)
		found->last_used_ms = now_ms;
	return found;
}

bool web_session_csrf_ok(const struct web_session *s, const char *csrf)
{
	return s != NULL && web_auth_token_equal(s->csrf, csrf);
}

void web_session_end(struct web_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* X.509 credentials with OpenSSL 3, loading: our certificate and chain, the private key (a
 * key file must be 0600 and owned by root or espnicd's user), the trusted CAs (and the CERTREQ
 * hashes of them), from files or PEM text; what the rest of espnicd reads of them. Signatures are
 * creds_auth.c, identities identity.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "creds_internal.h"
#include "secret_file.h"

#define MAX_FILE (256 * 1024)

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, err_len, __VA_ARGS__);                                               \
		ret = -EINVAL;                                                                     \
		goto out;                                                                          \
	} while (0)

/* Reads a whole file (bounded). secret: must be a regular file without group/other access. */
static int read_file(const char *path, bool secret, uint8_t **buf, size_t *len, char *err,
		     size_t err_len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, ret = 0;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		snprintf(err, err_len, "%s: not a regular file of at most %d octets", path,
			 MAX_FILE);
		close(fd);
		return -EINVAL;
	}
	if (secret && (ret = secret_file_check(fd, path, err, err_len)) < 0) {
		close(fd);
		return ret;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (*buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, *buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got != (size_t)st.st_size) {
		snprintf(err, err_len, "%s: read error", path);
		OPENSSL_cleanse(*buf, (size_t)st.st_size + 1);
		free(*buf);
		*buf = NULL;
		ret = -EIO;
	}
	*len = got;
	return ret;
}

static void free_file(uint8_t *buf, size_t len)
{
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
}

/* No passphrase prompts: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int add_certreq(struct creds *c, X509 *ca)
{
	uint8_t *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &der);
	int ret = -EINVAL;

	if (len > 0 && c->certreq_len + SHA1_LEN <= sizeof(c->certreq) &&
	    EVP_Digest(der, (size_t)len, c->certreq + c->certreq_len, NULL, EVP_sha1(), NULL)) {
		c->certreq_len += SHA1_LEN;
		ret = 0;
	}
	OPENSSL_free(der);
	return ret;
}

/* Labels for messages: "cert /etc/gw.pem" for files, "certificate" for the API. */
struct labels {
	const char *cert, *key, *ca;
	bool files;
};

static struct creds *creds_new(void)
{
	struct creds *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->refs = 1;
	c->chain = sk_X509_new_null();
	c->store = X509_STORE_new();
	if (c->chain == NULL || c->store == NULL) {
		creds_unref(c);
		return NULL;
	}
	return c;
}

static int load_chain(struct creds *c, const uint8_t *buf, size_t len, const struct labels *l,
		      char *err, size_t err_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	int ret = 0;
	X509 *x;

	while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL) {
		if (sk_X509_num(c->chain) == CREDS_MAX_CHAIN || !sk_X509_push(c->chain, x)) {
			X509_free(x);
			FAIL("%s: at most %d certificates", l->cert, CREDS_MAX_CHAIN);
		}
	}
	if (sk_X509_num(c->chain) == 0)
		FAIL("%s: no PEM certificate in it", l->cert);
out:
	ERR_clear_error();
	BIO_free(bio);
	return ret;
}

static int load_key(struct creds *c, const uint8_t *buf, size_t len, const struct labels *l,
		    char *err, size_t err_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	int ret = 0;

	c->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (c->key == NULL)
		FAIL("%s: no unencrypted PEM private key in it", l->key);
	if (!EVP_PKEY_is_a(c->key, "RSA") && !EVP_PKEY_is_a(c->key, "EC"))
		FAIL("%s: only RSA and ECDSA keys are supported", l->key);
	if (X509_check_private_key(sk_X509_value(c->chain, 0), c->key) != 1) {
		ERR_clear_error();
		if (l->files)
			FAIL("%s does not belong to the certificate in %s", l->key, l->cert + 5);
		FAIL("%s does not belong to the certificate (the public keys differ)", l->key);
	}
out:
	return ret;
}

/* The PEM CA certificates (crl: CRLs) in buf into the store. */
static int load_cas(struct creds *c, const uint8_t *buf, size_t len, const char *label, bool crl,
		    char *err, size_t err_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	unsigned n = 0;
	int ret = 0;

	while (bio != NULL) {
		int ok;

		if (crl) {
			X509_CRL *x = PEM_read_bio_X509_CRL(bio, NULL, no_passphrase, NULL);

			if (x == NULL)
				break;
			ok = X509_STORE_add_crl(c->store, x) == 1;
			X509_CRL_free(x);
		} else {
			X509 *x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);

			if (x == NULL)
				break;
			ok = X509_STORE_add_cert(c->store, x) == 1 && add_certreq(c, x) == 0;
			X509_free(x);
		}
		if (!ok)
			FAIL("%s: cannot add %s %u", label, crl ? "CRL" : "certificate", n + 1);
		n++;
	}
	if (n == 0)
		FAIL("%s: no PEM %s in it", label, crl ? "CRL" : "certificate");
out:
	ERR_clear_error();
	BIO_free(bio);
	return ret;
}

int creds_load(const char *cert_file, const char *key_file, const char *const *ca_files,
	       unsigned ca_count, struct creds **out, char *err, size_t err_len)
{
	struct creds *c = creds_new();
	char cert_label[4096], key_label[4096], ca_label[4096];
	struct labels l = {cert_label, key_label, ca_label, true};
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = 0;

	if (c == NULL)
		return -ENOMEM;
	snprintf(cert_label, sizeof(cert_label), "cert %s", cert_file);
	snprintf(key_label, sizeof(key_label), "key %s", key_file);
	if ((ret = read_file(cert_file, false, &buf, &len, err, err_len)) < 0 ||
	    (ret = load_chain(c, buf, len, &l, err, err_len)) < 0)
		goto out;
	free_file(buf, len);
	buf = NULL;
	if ((ret = read_file(key_file, true, &buf, &len, err, err_len)) < 0 ||
	    (ret = load_key(c, buf, len, &l, err, err_len)) < 0)
		goto out;
	free_file(buf, len);
	buf = NULL;
	if (ca_count == 0)
		FAIL("no \"ca\" configured: peers' certificates cannot be checked");
	for (unsigned i = 0; i < ca_count; i++) {
		snprintf(ca_label, sizeof(ca_label), "ca %s", ca_files[i]);
		if ((ret = read_file(ca_files[i], false, &buf, &len, err, err_len)) < 0 ||
		    (ret = load_cas(c, buf, len, ca_label, false, err, err_len)) < 0)
			goto out;
		free_file(buf, len);
		buf = NULL;
	}
	*out = c;
	return 0;
out:
	free_file(buf, len);
	creds_unref(c);
	ERR_clear_error();
	return ret < 0 ? ret : -EINVAL;
}

int creds_add_crls(struct creds *c, const char *const *crl_files, unsigned crl_count, char *err,
		   size_t err_len)
{
	char label[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = 0;

	for (unsigned i = 0; i < crl_count; i++) {
		snprintf(label, sizeof(label), "crl %s", crl_files[i]);
		ret = read_file(crl_files[i], false, &buf, &len, err, err_len);
		if (ret == 0)
			ret = load_cas(c, buf, len, label, true, err, err_len);
		free_file(buf, len);
		buf = NULL;
		if (ret < 0)
			return ret;
	}
	/* The peer's certificate must be on a current CRL of its issuer (fail closed). */
	if (crl_count > 0)
		X509_STORE_set_flags(c->store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

int creds_add_crls_pem(struct creds *c, const char *pem, size_t len, char *err, size_t err_len)
{
	int ret = load_cas(c, (const uint8_t *)pem, len, "trusted_crl", true, err, err_len);

	if (ret == 0)
		X509_STORE_set_flags(c->store, X509_V_FLAG_CRL_CHECK);
	return ret;
}

int creds_load_pem(const char *cert, size_t cert_len, const char *key, size_t key_len,
		   const char *ca, size_t ca_len, struct creds **out, enum creds_part *part,
		   char *err, size_t err_len)
{
	static const struct labels l = {"certificate", "private_key", "trusted_ca", false};
	struct creds *c;
	int ret;

	*part = CREDS_PART_CERT;
	if (cert_len > MAX_FILE || key_len > MAX_FILE || ca_len > MAX_FILE) {
		snprintf(err, err_len, "PEM text over %d octets", MAX_FILE);
		return -EINVAL;
	}
	if ((c = creds_new()) == NULL)
		return -ENOMEM;
	if ((ret = load_chain(c, (const uint8_t *)cert, cert_len, &l, err, err_len)) < 0)
		goto out;
	*part = CREDS_PART_KEY;
	if ((ret = load_key(c, (const uint8_t *)key, key_len, &l, err, err_len)) < 0)
		goto out;
	*part = CREDS_PART_CA;
	if ((ret = load_cas(c, (const uint8_t *)ca, ca_len, l.ca, false, err, err_len)) < 0)
		goto out;
	*out = c;
	return 0;
out:
	creds_unref(c);
	ERR_clear_error();
	return ret;
}

struct creds *creds_ref(struct creds *c)
{
	if (c != NULL)
		c->refs++;
	return c;
}

void creds_unref(struct creds *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	EVP_PKEY_free(c->key); /* OpenSSL clears the key material it frees */
	sk_X509_pop_free(c->chain, X509_free);
	X509_STORE_free(c->store);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

unsigned creds_cert_count(const struct creds *c)
{
	return (unsigned)sk_X509_num(c->chain);
}

int creds_cert_der(const struct creds *c, unsigned i, uint8_t *out, size_t cap)
{
	X509 *x = sk_X509_value(c->chain, (int)i);
	int len = x ? i2d_X509(x, NULL) : -1;

	if (len <= 0)
		return -EINVAL;
	if (out == NULL)
		return len;
	if ((size_t)len > cap)
		return -ENOSPC;
	return i2d_X509(x, &out);
}

int creds_certreq(const struct creds *c, uint8_t *out, size_t cap)
{
	if (c->certreq_len > cap)
		return -ENOSPC;
	memcpy(out, c->certreq, c->certreq_len);
	return (int)c->certreq_len;
}

int creds_ca_name_der(const struct creds *c, unsigned i, uint8_t *out, size_t cap)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(c->store);
	unsigned n = 0;

	for (int k = 0; k < sk_X509_OBJECT_num(objs); k++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, k));
		int len;

		if (x == NULL || n++ != i)
			continue;
		len = i2d_X509_NAME(X509_get_subject_name(x), NULL);
		if (len <= 0)
			return -EINVAL;
		if ((size_t)len > cap)
			return -ENOSPC;
		return i2d_X509_NAME(X509_get_subject_name(x), &out);
	}
	return -ENOENT;
}

int creds_subject_id(const struct creds *c, struct cfg_id *id)
{
	return creds_name_to_id(X509_get_subject_name(sk_X509_value(c->chain, 0)), id);
}

static int name_text(const X509_NAME *name, char *out, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned long flags =
	    (XN_FLAG_SEP_CPLUS_SPC | ASN1_STRFLGS_RFC2253) & ~ASN1_STRFLGS_ESC_MSB;
	char *data;
	long n;

	if (bio == NULL || len == 0)
		return -ENOMEM;
	X509_NAME_print_ex(bio, name, 0, flags);
	n = BIO_get_mem_data(bio, &data);
	snprintf(out, len, "%.*s", (int)(n > 0 ? n : 0), n > 0 ? data : "");
	BIO_free(bio);
	return 0;
}

int creds_cert_names(const struct creds *c, char *subject, size_t subject_len, char *issuer,
		     size_t issuer_len)
{
	X509 *cert = sk_X509_value(c->chain, 0);

	if (name_text(X509_get_subject_name(cert), subject, subject_len) < 0 ||
	    name_text(X509_get_issuer_name(cert), issuer, issuer_len) < 0)
		return -ENOMEM;
	return 0;
}

bool creds_own_cert_proves(const struct creds *c, const struct cfg_id *id)
{
	return creds_cert_proves(sk_X509_value(c->chain, 0), id->type,
				 (struct ike_span){id->data, id->len});
}

/* X.509 credentials with OpenSSL 3: loading (key files must be 0600), CERTREQ hashes, RFC 7427
 * and classic signatures, chain verification with X509_verify_cert and identity matching. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "creds.h"
#include "ike_types.h"

#define CERT_X509_SIGNATURE 4 /* CERT/CERTREQ encoding (RFC 7296 3.6) */
#define SHA1_LEN	    20
#define MAX_FILE	    (256 * 1024)
#define MAX_PEER_CHAIN	    8

struct creds {
	int refs;
	EVP_PKEY *key;
	STACK_OF(X509) * chain; /* ours first, then intermediates */
	X509_STORE *store;
	uint8_t certreq[CREDS_MAX_CA * 16 * SHA1_LEN];
	size_t certreq_len;
};

/* RFC 7427 Appendix A: the AlgorithmIdentifiers we sign with and accept. */
struct sig_alg {
	const char *key_type; /* "RSA" or "EC" */
	unsigned hash;	      /* IKE_HASH_* */
	uint8_t der[16];
	size_t der_len;
};

static const struct sig_alg sig_algs[] = {
    {"RSA",
     IKE_HASH_SHA2_256,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00},
     15},
    {"RSA",
     IKE_HASH_SHA2_384,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00},
     15},
    {"RSA",
     IKE_HASH_SHA2_512,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00},
     15},
    /* The same without the NULL parameters (RFC 4055 allows both on input). */
    {"RSA",
     IKE_HASH_SHA2_256,
     {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b},
     13},
    {"RSA",
     IKE_HASH_SHA2_384,
     {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c},
     13},
    {"RSA",
     IKE_HASH_SHA2_512,
     {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d},
     13},
    {"EC",
     IKE_HASH_SHA2_256,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02},
     12},
    {"EC",
     IKE_HASH_SHA2_384,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03},
     12},
    {"EC",
     IKE_HASH_SHA2_512,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04},
     12},
};

static const EVP_MD *hash_md(unsigned hash)
{
	switch (hash) {
	case IKE_HASH_SHA1:
		return EVP_sha1();
	case IKE_HASH_SHA2_256:
		return EVP_sha256();
	case IKE_HASH_SHA2_384:
		return EVP_sha384();
	case IKE_HASH_SHA2_512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

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
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, err_len, "%s: private key must have mode 0600 (is %04o)", path,
			 (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
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

static int load_cas(struct creds *c, const uint8_t *buf, size_t len, const char *label, char *err,
		    size_t err_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	unsigned n = 0;
	int ret = 0;
	X509 *x;

	while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL) {
		int ok = X509_STORE_add_cert(c->store, x) == 1 && add_certreq(c, x) == 0;

		X509_free(x);
		if (!ok)
			FAIL("%s: cannot add certificate %u", label, n + 1);
		n++;
	}
	if (n == 0)
		FAIL("%s: no PEM certificate in it", label);
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
		    (ret = load_cas(c, buf, len, ca_label, err, err_len)) < 0)
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
	if ((ret = load_cas(c, (const uint8_t *)ca, ca_len, l.ca, err, err_len)) < 0)
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

static int name_to_id(const X509_NAME *name, struct cfg_id *id)
{
	int len = i2d_X509_NAME(name, NULL);
	uint8_t *p = id->data;

	if (len <= 0 || (size_t)len > sizeof(id->data))
		return -ENOSPC;
	id->type = IKE_ID_DER_ASN1_DN;
	id->len = (size_t)i2d_X509_NAME(name, &p);
	return 0;
}

int creds_subject_id(const struct creds *c, struct cfg_id *id)
{
	return name_to_id(X509_get_subject_name(sk_X509_value(c->chain, 0)), id);
}

/* A DER DN, strictly (every octet consumed). */
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

static X509_NAME *parse_dn(const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	X509_NAME *name;

	if (len == 0 || len > CREDS_MAX_ID_DER)
		return NULL;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	if (name != NULL && p != data + len) {
		X509_NAME_free(name);
		name = NULL;
	}
	ERR_clear_error();
	return name;
}

static bool has_nul(struct ike_span s)
{
	return memchr(s.ptr, 0, s.len) != NULL;
}

/* The certificate proves the identity: subject DN or a matching subjectAltName. */
static bool cert_proves(X509 *cert, uint8_t type, struct ike_span data)
{
	const unsigned no_subject = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	bool ok = false;

	if (data.len == 0)
		return false;
	switch (type) {
	case IKE_ID_DER_ASN1_DN: {
		X509_NAME *name = parse_dn(data.ptr, data.len);

		ok = name != NULL && X509_NAME_cmp(name, X509_get_subject_name(cert)) == 0;
		X509_NAME_free(name);
		break;
	}
	case IKE_ID_FQDN:
		ok = !has_nul(data) &&
		     X509_check_host(cert, (const char *)data.ptr, data.len,
				     no_subject | X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
		break;
	case IKE_ID_RFC822_ADDR:
		ok = !has_nul(data) &&
		     X509_check_email(cert, (const char *)data.ptr, data.len, no_subject) == 1;
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		ok = data.len == (type == IKE_ID_IPV4_ADDR ? 4u : 16u) &&
		     X509_check_ip(cert, data.ptr, data.len, 0) == 1;
		break;
	default:
		break;
	}
	ERR_clear_error();
	return ok;
}

bool creds_own_cert_proves(const struct creds *c, const struct cfg_id *id)
{
	return cert_proves(sk_X509_value(c->chain, 0), id->type,
			   (struct ike_span){id->data, id->len});
}

/* The ECDSA method of RFC 4754 that goes with a curve (0: none). */
static uint8_t ecdsa_method(EVP_PKEY *key, unsigned *hash)
{
	char group[64];
	size_t len = 0;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    &len))
		return 0;
	if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
		*hash = IKE_HASH_SHA2_256;
		return IKE_AUTH_ECDSA_256;
	}
	if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
		*hash = IKE_HASH_SHA2_384;
		return IKE_AUTH_ECDSA_384;
	}
	if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0) {
		*hash = IKE_HASH_SHA2_512;
		return IKE_AUTH_ECDSA_521;
	}
	return 0;
}

static size_t ecdsa_field_len(uint8_t method)
{
	return method == IKE_AUTH_ECDSA_256 ? 32 : method == IKE_AUTH_ECDSA_384 ? 48 : 66;
}

/* DER ECDSA-Sig-Value <-> r | s of fixed width (RFC 4754 7). */
static int ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t field, uint8_t *out)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;
	int ret = -EINVAL;

	if (sig == NULL)
		return -EINVAL;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, (int)field) == (int)field &&
	    BN_bn2binpad(s, out + field, (int)field) == (int)field)
		ret = (int)(2 * field);
	ECDSA_SIG_free(sig);
	return ret;
}

static int ecdsa_raw_to_der(const uint8_t *raw, size_t field, uint8_t **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)field, NULL), *s = BN_bin2bn(raw + field, (int)field, NULL);
	int len = -1;

	*der = NULL;
	if (sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL;
		len = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return len;
}

static int sign_raw(EVP_PKEY *key, const EVP_MD *md, struct ike_span octets, uint8_t *out,
		    size_t *len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
		 EVP_DigestSign(ctx, NULL, len, octets.ptr, octets.len) == 1;

	/* The size query gives the maximum; the call below sets the real length. */
	ok = ok && EVP_DigestSign(ctx, out, len, octets.ptr, octets.len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EIO;
}

int creds_sign(const struct creds *c, unsigned peer_hashes, struct ike_span octets, uint8_t *method,
	       uint8_t *out, size_t cap)
{
	bool rsa = EVP_PKEY_is_a(c->key, "RSA");
	unsigned ec_hash = 0, hash = 0;
	uint8_t ec_method = rsa ? 0 : ecdsa_method(c->key, &ec_hash);
	uint8_t sig[1024];
	size_t sig_len = (size_t)EVP_PKEY_get_size(c->key);
	const struct sig_alg *alg = NULL;
	int ret;

	if (sig_len == 0 || sig_len > sizeof(sig))
		return -EINVAL;
	peer_hashes &= CREDS_HASHES;
	if (peer_hashes != 0) {
		/* RFC 7427: the hash the curve calls for, SHA2-256 for RSA, else what the peer
		 * takes. */
		unsigned want = rsa ? IKE_HASH_SHA2_256 : ec_hash;

		if (want && (peer_hashes & (1u << want)))
			hash = want;
		for (unsigned h = IKE_HASH_SHA2_256; hash == 0 && h <= IKE_HASH_SHA2_512; h++)
			if (peer_hashes & (1u << h))
				hash = h;
		for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
			if (sig_algs[i].hash == hash &&
			    EVP_PKEY_is_a(c->key, sig_algs[i].key_type)) {
				alg = &sig_algs[i];
				break;
			}
		if (alg == NULL)
			return -EINVAL;
		ret = sign_raw(c->key, hash_md(hash), octets, sig, &sig_len);
		if (ret < 0)
			return ret;
		if (1 + alg->der_len + sig_len > cap)
			return -ENOSPC;
		out[0] = (uint8_t)alg->der_len;
		memcpy(out + 1, alg->der, alg->der_len);
		memcpy(out + 1 + alg->der_len, sig, sig_len);
		*method = IKE_AUTH_DIGITAL_SIGNATURE;
		return (int)(1 + alg->der_len + sig_len);
	}
	if (rsa) {
		/* RFC 7296 method 1: RSASSA-PKCS1-v1_5 (with SHA-1, as implementations do). */
		ret = sign_raw(c->key, EVP_sha1(), octets, sig, &sig_len);
		if (ret < 0)
			return ret;
		if (sig_len > cap)
			return -ENOSPC;
		memcpy(out, sig, sig_len);
		*method = IKE_AUTH_RSA_SIG;
		return (int)sig_len;
	}
	if (ec_method == 0)
		return -EINVAL;
	ret = sign_raw(c->key, hash_md(ec_hash), octets, sig, &sig_len);
	if (ret < 0)
		return ret;
	if (2 * ecdsa_field_len(ec_method) > cap)
		return -ENOSPC;
	ret = ecdsa_der_to_raw(sig, sig_len, ecdsa_field_len(ec_method), out);
	if (ret > 0)
		*method = ec_method;
	return ret;
}

static int verify_raw(EVP_PKEY *key, const EVP_MD *md, struct ike_span octets, const uint8_t *sig,
		      size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
		 EVP_DigestVerify(ctx, sig, sig_len, octets.ptr, octets.len) == 1;

	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EKEYREJECTED;
}

/* The peer's AUTH signature with its certificate's key. */
static int verify_auth(EVP_PKEY *key, uint8_t method, struct ike_span auth, struct ike_span octets,
		       char *why, size_t why_len)
{
	bool rsa = EVP_PKEY_is_a(key, "RSA"), ec = EVP_PKEY_is_a(key, "EC");
	unsigned ec_hash = 0;
	int ret;

	switch (method) {
	case IKE_AUTH_DIGITAL_SIGNATURE: {
		const struct sig_alg *alg = NULL;
		size_t alen;

		if (auth.len < 1 || (alen = auth.ptr[0]) == 0 || auth.len < 1 + alen + 1) {
			snprintf(why, why_len, "malformed RFC 7427 AUTH data");
			return -EKEYREJECTED;
		}
		for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
			if (sig_algs[i].der_len == alen &&
			    memcmp(sig_algs[i].der, auth.ptr + 1, alen) == 0)
				alg = &sig_algs[i];
		if (alg == NULL) {
			snprintf(why, why_len,
				 "signature algorithm not supported (RSA PKCS#1 v1.5 "
				 "and ECDSA with SHA2-256/384/512 are)");
			return -EKEYREJECTED;
		}
		if (!EVP_PKEY_is_a(key, alg->key_type)) {
			snprintf(why, why_len,
				 "signature algorithm does not fit the certificate's "
				 "key");
			return -EKEYREJECTED;
		}
		ret = verify_raw(key, hash_md(alg->hash), octets, auth.ptr + 1 + alen,
				 auth.len - 1 - alen);
		break;
	}
	case IKE_AUTH_RSA_SIG:
		if (!rsa) {
			snprintf(why, why_len,
				 "RSA signature, but the certificate's key is not RSA");
			return -EKEYREJECTED;
		}
		ret = verify_raw(key, EVP_sha1(), octets, auth.ptr, auth.len);
		break;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521: {
		size_t field = ecdsa_field_len(method);
		uint8_t *der = NULL;
		int der_len;

		if (!ec || ecdsa_method(key, &ec_hash) != method) {
			snprintf(why, why_len, "ECDSA method %u does not fit the certificate's key",
				 method);
			return -EKEYREJECTED;
		}
		if (auth.len != 2 * field) {
			snprintf(why, why_len, "ECDSA signature of the wrong length");
			return -EKEYREJECTED;
		}
		der_len = ecdsa_raw_to_der(auth.ptr, field, &der);
		ret = der_len > 0 ? verify_raw(key, hash_md(ec_hash), octets, der, (size_t)der_len)
				  : -EKEYREJECTED;
		OPENSSL_free(der);
		break;
	}
	default:
		snprintf(why, why_len, "authentication method %u is not a signature we accept",
			 method);
		return -EKEYREJECTED;
	}
	if (ret < 0)
		snprintf(why, why_len, "its AUTH signature does not verify with its certificate");
	return ret;
}

static X509 *parse_cert(struct ike_span data)
{
	const uint8_t *p = data.ptr;
	X509 *x;

	if (data.len == 0 || data.len > CREDS_MAX_CERT)
		return NULL;
	x = d2i_X509(NULL, &p, (long)data.len);
	if (x != NULL && p != data.ptr + data.len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

int creds_verify_peer(const struct creds *c, const struct ike_message *msg, uint8_t id_type,
		      struct ike_span id_data, uint8_t method, struct ike_span auth,
		      struct ike_span octets, char *why, size_t why_len)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *leaf = NULL;
	EVP_PKEY *key;
	int ret = -EKEYREJECTED;

	snprintf(why, why_len, "internal error");
	if (untrusted == NULL || ctx == NULL)
		goto out;
	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];
		X509 *x;

		if (p->type != IKE_PAYLOAD_CERT)
			continue;
		if (p->u.cert.encoding != CERT_X509_SIGNATURE) {
			snprintf(why, why_len, "CERT encoding %u is not supported",
				 p->u.cert.encoding);
			goto out;
		}
		x = parse_cert(p->u.cert.data);
		if (x == NULL) {
			snprintf(why, why_len, "malformed certificate in CERT payload");
			goto out;
		}
		if (leaf == NULL) {
			leaf = x;
		} else if (sk_X509_num(untrusted) == MAX_PEER_CHAIN ||
			   !sk_X509_push(untrusted, x)) {
			X509_free(x);
			snprintf(why, why_len, "too many certificates");
			goto out;
		}
	}
	if (leaf == NULL) {
		snprintf(why, why_len, "no certificate sent (CERT payload missing)");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, c->store, leaf, untrusted) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		snprintf(why, why_len, "certificate not trusted: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if (!cert_proves(leaf, id_type, id_data)) {
		snprintf(why, why_len,
			 "its identity (ID type %u) is neither the certificate's subject nor one "
			 "of its subjectAltNames",
			 id_type);
		goto out;
	}
	key = X509_get0_pubkey(leaf);
	if (key == NULL) {
		snprintf(why, why_len, "certificate without a usable public key");
		goto out;
	}
	ret = verify_auth(key, method, auth, octets, why, why_len);
out:
	X509_STORE_CTX_free(ctx);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
	return ret;
}

/* ---- identities as text ---- */

static int dn_parse(const char *text, struct cfg_id *id)
{
	X509_NAME *name = X509_NAME_new();
	char buf[CREDS_MAX_ID_DER];
	const char *s = text;
	int ret = -EINVAL;

	if (name == NULL)
		return -ENOMEM;
	while (*s) {
		char *key, *value, *end;
		size_t n = 0;
		int nid;

		/* One RDN up to an unescaped ",". */
		while (*s == ' ')
			s++;
		while (*s && *s != ',') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (n + 1 >= sizeof(buf))
				goto out;
			buf[n++] = *s++;
		}
		buf[n] = '\0';
		if (*s == ',')
			s++;
		value = strchr(buf, '=');
		if (value == NULL)
			goto out;
		*value++ = '\0';
		key = buf;
		end = value - 2;
		while (end >= key && *end == ' ')
			*end-- = '\0';
		while (*value == ' ')
			value++;
		end = value + strlen(value);
		while (end > value && end[-1] == ' ')
			*--end = '\0';
		if (*key == '\0' || *value == '\0')
			goto out;
		if (strcasecmp(key, "E") == 0 || strcasecmp(key, "email") == 0)
			nid = NID_pkcs9_emailAddress;
		else
			nid = OBJ_txt2nid(key);
		if (nid == NID_undef ||
		    X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (unsigned char *)value, -1,
					       -1, 0) != 1)
			goto out;
	}
	if (X509_NAME_entry_count(name) > 0)
		ret = name_to_id(name, id);
out:
	X509_NAME_free(name);
	ERR_clear_error();
	return ret;
}

static int copy_text(const char *text, uint8_t type, struct cfg_id *id)
{
	size_t len = strlen(text);

	if (len == 0 || len > sizeof(id->data))
		return -EINVAL;
	id->type = type;
	id->len = len;
	memcpy(id->data, text, len);
	return 0;
}

int cfg_id_parse(const char *text, struct cfg_id *id)
{
	memset(id, 0, sizeof(*id));
	if (text[0] == '\0')
		return 0;
	if (strncmp(text, "dn:", 3) == 0)
		return dn_parse(text + 3, id);
	if (strncmp(text, "fqdn:", 5) == 0)
		return copy_text(text + 5, IKE_ID_FQDN, id);
	if (strncmp(text, "email:", 6) == 0)
		return copy_text(text + 6, IKE_ID_RFC822_ADDR, id);
	if (strncmp(text, "ipv4:", 5) == 0 || strncmp(text, "ipv6:", 5) == 0) {
		bool v4 = text[3] == '4';

		if (inet_pton(v4 ? AF_INET : AF_INET6, text + 5, id->data) != 1)
			return -EINVAL;
		id->type = v4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		id->len = v4 ? 4 : 16;
		return 0;
	}
	if (inet_pton(AF_INET, text, id->data) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, id->data) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		return 0;
	}
	/* strongSwan's syntax: "@fqdn", "user@domain", a bare FQDN. */
	if (text[0] == '@')
		return copy_text(text + 1, IKE_ID_FQDN, id);
	if (strchr(text, '@') != NULL)
		return copy_text(text, IKE_ID_RFC822_ADDR, id);
	return copy_text(text, IKE_ID_FQDN, id);
}

bool cfg_id_equal(const struct cfg_id *cfg, uint8_t type, struct ike_span data)
{
	if (type != cfg->type)
		return false;
	switch (type) {
	case IKE_ID_DER_ASN1_DN: {
		X509_NAME *a = parse_dn(cfg->data, cfg->len), *b = parse_dn(data.ptr, data.len);
		bool eq = a != NULL && b != NULL && X509_NAME_cmp(a, b) == 0;

		X509_NAME_free(a);
		X509_NAME_free(b);
		return eq;
	}
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return data.len == cfg->len && !has_nul(data) &&
		       strncasecmp((const char *)data.ptr, (const char *)cfg->data, cfg->len) == 0;
	default:
		return data.len == cfg->len && memcmp(data.ptr, cfg->data, cfg->len) == 0;
	}
}

/* Test certificates made at test time with OpenSSL (see certgen.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certgen.h"

EVP_PKEY *tcert_key(const char *kind)
{
	EVP_PKEY *k = NULL;

	if (strcmp(kind, "rsa") == 0)
		k = EVP_RSA_gen(2048);
	else if (strcmp(kind, "p256") == 0)
		k = EVP_EC_gen("P-256");
	else if (strcmp(kind, "p384") == 0)
		k = EVP_EC_gen("P-384");
	if (k == NULL)
		abort();
	return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL || !X509_add_ext(cert, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

static X509_NAME *name_of(const char *text)
{
	X509_NAME *n = X509_NAME_new();
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8, (unsigned char *)eq + 1, -1,
						-1, 0))
			abort();
	}
	return n;
}

void tcert_make(struct tcert *t, const char *dir, const char *name, const char *kind,
		const char *subject, const char *san, const struct tcert *issuer, int ca,
		long not_before_days, long not_after_days)
{
	tcert_make_usage(t, dir, name, kind, subject, san, issuer, ca, not_before_days,
			 not_after_days, NULL);
}

void tcert_make_usage(struct tcert *t, const char *dir, const char *name, const char *kind,
		      const char *subject, const char *san, const struct tcert *issuer, int ca,
		      long not_before_days, long not_after_days, const struct tcert_usage *u)
{
	X509_NAME *subj = name_of(subject);
	uint8_t serial[8];
	BIGNUM *bn;
	FILE *f;
	int fd;

	memset(t, 0, sizeof(*t));
	t->key = tcert_key(kind);
	t->cert = X509_new();
	X509_set_version(t->cert, 2);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(t->cert));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(t->cert), not_before_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(t->cert), not_after_days * 86400);
	X509_set_subject_name(t->cert, subj);
	X509_set_issuer_name(t->cert, issuer ? X509_get_subject_name(issuer->cert) : subj);
	X509_set_pubkey(t->cert, t->key);
	add_ext(t->cert, issuer ? issuer->cert : t->cert, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(t->cert, issuer ? issuer->cert : t->cert, NID_subject_key_identifier, "hash");
	if (u != NULL && u->key_usage != NULL)
		add_ext(t->cert, issuer ? issuer->cert : t->cert, NID_key_usage, u->key_usage);
	else if (ca)
		add_ext(t->cert, t->cert, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		add_ext(t->cert, issuer->cert, NID_key_usage, "digitalSignature");
	if (u != NULL && u->ext_key_usage != NULL)
		add_ext(t->cert, issuer ? issuer->cert : t->cert, NID_ext_key_usage,
			u->ext_key_usage);
	if (san != NULL)
		add_ext(t->cert, issuer ? issuer->cert : t->cert, NID_subject_alt_name, san);
	if (!X509_sign(t->cert, issuer ? issuer->key : t->key, EVP_sha256()))
		abort();
	X509_NAME_free(subj);

	snprintf(t->cert_path, sizeof(t->cert_path), "%s/%s.pem", dir, name);
	snprintf(t->key_path, sizeof(t->key_path), "%s/%s.key", dir, name);
	f = fopen(t->cert_path, "w");
	PEM_write_X509(f, t->cert);
	fclose(f);
	fd = open(t->key_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	f = fdopen(fd, "w");
	PEM_write_PrivateKey(f, t->key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

void tcert_crl(const struct tcert *ca, const struct tcert *const *revoked, unsigned n,
	       long next_update_days, const char *path)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	FILE *f;

	if (crl == NULL || t == NULL || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)))
		abort();
	X509_gmtime_adj(t, -86400);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, next_update_days * 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	for (unsigned i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();

		X509_gmtime_adj(t, -3600);
		if (r == NULL ||
		    !X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i]->cert)) ||
		    !X509_REVOKED_set_revocationDate(r, t) || !X509_CRL_add0_revoked(crl, r))
			abort();
	}
	if (!X509_CRL_sort(crl) || !X509_CRL_sign(crl, ca->key, EVP_sha256()))
		abort();
	f = fopen(path, "w");
	if (f == NULL || !PEM_write_X509_CRL(f, crl))
		abort();
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

void tcert_free(struct tcert *t)
{
	EVP_PKEY_free(t->key);
	X509_free(t->cert);
	memset(t, 0, sizeof(*t));
}

void tcert_mkdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/espnicd-certs-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
}

void tcert_rmdir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

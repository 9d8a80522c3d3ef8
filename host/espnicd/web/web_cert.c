/* The web console's TLS certificate when none is configured: a self-signed ECDSA P-256
 * certificate for the console's address, localhost and 127.0.0.1, made once at first start
 * in the state directory (key mode 0600) and kept; its SHA-256 fingerprint is logged so a
 * browser's warning can be checked against it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "web_console.h"

#define CERT_DAYS 825

/* Writes the PEM of key (or, when NULL, of cert) to path through a new 0600 file and a rename. */
static int write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
	char tmp[4096];
	FILE *f;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	ok = key != NULL ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_X509(f, cert);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static void add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext != NULL) {
		X509_add_ext(cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

int web_cert_make(const char *cert_path, const char *key_path, const struct sockaddr_storage *addr,
		  char *err, size_t err_len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	char san[256], ip[INET6_ADDRSTRLEN] = "";
	int ret = -EIO;

	if (addr->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, ip,
			  sizeof(ip));
	snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1%s%s",
		 strcmp(ip, "127.0.0.1") != 0 && strcmp(ip, "0.0.0.0") != 0 && strcmp(ip, "::") != 0
		     ? ",IP:"
		     : "",
		 strcmp(ip, "127.0.0.1") != 0 && strcmp(ip, "0.0.0.0") != 0 && strcmp(ip, "::") != 0
		     ? ip
		     : "");
	if (key == NULL || cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	{
		BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);

		if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL) {
			BN_free(bn);
			goto out;
		}
		BN_free(bn);
	}
	X509_set_version(cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), (long)CERT_DAYS * 86400);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"espnic", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"espnicd web console", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	add_ext(cert, NID_subject_alt_name, san);
	add_ext(cert, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(cert, NID_key_usage, "critical,digitalSignature");
	add_ext(cert, NID_ext_key_usage, "serverAuth");
	if (X509_sign(cert, key, EVP_sha256()) == 0)
		goto out;
	ret = write_pem(key_path, key, NULL);
	if (ret == 0)
		ret = write_pem(cert_path, NULL, cert);
	if (ret == 0) {
		unsigned char md[32];
		unsigned int len = 0;
		char hex[3 * 32 + 1] = "";

		X509_digest(cert, EVP_sha256(), md, &len);
		for (unsigned i = 0; i < len; i++)
			snprintf(hex + 3 * i, 4, "%02X%s", md[i], i + 1 < len ? ":" : "");
		log_info("web console: made a self-signed certificate %s (SHA-256 %s)", cert_path,
			 hex);
	}
out:
	if (ret < 0)
		snprintf(err, err_len, "web console: cannot make a self-signed certificate in %s",
			 cert_path);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

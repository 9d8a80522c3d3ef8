/* Public-key authentication (RFC 7296 2.15): signing our AUTH (RFC 7427 digital signatures
 * when the peer announced hashes, else classic RSA or RFC 4754 ECDSA) and verifying the
 * peer's: its CERT chain against our CAs (X509_verify_cert), its identity against the
 * certificate, its signature; and IKEv1's SIG_I / SIG_R (RFC 2409 5.1) the same way. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "creds_internal.h"
#include "ike_types.h"

#define CERT_X509_SIGNATURE 4 /* CERT/CERTREQ encoding (RFC 7296 3.6) */
#define MAX_PEER_CHAIN	    8

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

/* The certificate is meant for signing in IKE (RFC 4945 5.1.3.2, 5.1.3.12): a keyUsage has
 * digitalSignature (or nonRepudiation), an extendedKeyUsage names ipsecIKE, serverAuth,
 * clientAuth or anyExtendedKeyUsage. Either extension may be absent. */
static bool usable_for_ike(X509 *leaf, char *why, size_t why_len)
{
	static const int allowed[] = {NID_ipsec_IKE, NID_server_auth, NID_client_auth,
				      NID_anyExtendedKeyUsage};
	uint32_t ku = X509_get_key_usage(leaf);
	EXTENDED_KEY_USAGE *eku;
	bool ok = false;
	int crit;

	if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
		snprintf(why, why_len, "its certificate's key usage does not allow signatures");
		return false;
	}
	eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL) {
		if (crit == -1)
			return true; /* no extendedKeyUsage: any use */
		snprintf(why, why_len, "its certificate's extended key usage is malformed");
		return false;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++)
		for (size_t j = 0; j < sizeof(allowed) / sizeof(allowed[0]); j++)
			ok = ok || OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == allowed[j];
	EXTENDED_KEY_USAGE_free(eku);
	if (!ok)
		snprintf(why, why_len,
			 "its certificate's extended key usage allows neither ipsecIKE, "
			 "serverAuth, clientAuth nor anyExtendedKeyUsage");
	return ok;
}

/* The peer's certificates (certs[0] its own) chain to our CAs, its leaf is meant for IKE and
 * proves the identity; *leaf then holds it and *chain the verified chain (leaf first), for
 * peer_checked. */
static int verify_certs(const struct creds *c, const struct creds_peer_cert *certs, unsigned n,
			uint8_t id_type, struct ike_span id_data, X509 **leaf,
			STACK_OF(X509) * *chain, char *why, size_t why_len)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ret = -EKEYREJECTED;

	*leaf = NULL;
	*chain = NULL;
	snprintf(why, why_len, "internal error");
	if (untrusted == NULL || ctx == NULL)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		X509 *x;

		if (certs[i].encoding != CERT_X509_SIGNATURE) {
			snprintf(why, why_len, "CERT encoding %u is not supported",
				 certs[i].encoding);
			goto out;
		}
		x = parse_cert(certs[i].data);
		if (x == NULL) {
			snprintf(why, why_len, "malformed certificate in CERT payload");
			goto out;
		}
		if (*leaf == NULL) {
			*leaf = x;
		} else if (sk_X509_num(untrusted) == MAX_PEER_CHAIN ||
			   !sk_X509_push(untrusted, x)) {
			X509_free(x);
			snprintf(why, why_len, "too many certificates");
			goto out;
		}
	}
	if (*leaf == NULL) {
		snprintf(why, why_len, "no certificate sent (CERT payload missing)");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, c->store, *leaf, untrusted) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		snprintf(why, why_len, "certificate not trusted: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if (!usable_for_ike(*leaf, why, why_len))
		goto out;
	if (!creds_cert_proves(*leaf, id_type, id_data)) {
		snprintf(why, why_len,
			 "its identity (ID type %u) is neither the certificate's subject nor one "
			 "of its subjectAltNames",
			 id_type);
		goto out;
	}
	if (X509_get0_pubkey(*leaf) == NULL) {
		snprintf(why, why_len, "certificate without a usable public key");
		goto out;
	}
	*chain = X509_STORE_CTX_get1_chain(ctx);
	ret = *chain != NULL ? 0 : -ENOMEM;
out:
	if (ret < 0) {
		X509_free(*leaf);
		*leaf = NULL;
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
	return ret;
}

/* After the AUTH signature (auth_ret): only a peer that holds the certificate's key gets us
 * to ask an OCSP responder. Frees leaf and chain. */
static int peer_checked(const struct creds *c, X509 *leaf, STACK_OF(X509) * chain, int auth_ret,
			char *why, size_t why_len)
{
	if (auth_ret == 0) {
		X509 *issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : leaf;

		auth_ret = creds_ocsp_check(c, leaf, issuer, chain, why, why_len);
	}
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return auth_ret;
}

int creds_verify_peer(const struct creds *c, const struct ike_message *msg, uint8_t id_type,
		      struct ike_span id_data, uint8_t method, struct ike_span auth,
		      struct ike_span octets, char *why, size_t why_len)
{
	struct creds_peer_cert certs[IKE_MAX_PAYLOADS];
	STACK_OF(X509) * chain;
	unsigned n = 0;
	X509 *leaf;
	int ret;

	for (size_t i = 0; i < msg->payload_count && n < IKE_MAX_PAYLOADS; i++)
		if (msg->payloads[i].type == IKE_PAYLOAD_CERT)
			certs[n++] = (struct creds_peer_cert){msg->payloads[i].u.cert.encoding,
							      msg->payloads[i].u.cert.data};
	ret = verify_certs(c, certs, n, id_type, id_data, &leaf, &chain, why, why_len);
	if (ret < 0)
		return ret;
	ret = verify_auth(X509_get0_pubkey(leaf), method, auth, octets, why, why_len);
	return peer_checked(c, leaf, chain, ret, why, why_len);
}

/* ---- IKEv1 (RFC 2409 5.1): signatures over HASH_I / HASH_R, no hash of their own ---- */

#define V1_AUTH_RSA_SIG 3

int creds_v1_method(const struct creds *c)
{
	unsigned hash;
	uint8_t m;

	if (EVP_PKEY_is_a(c->key, "RSA"))
		return V1_AUTH_RSA_SIG;
	m = ecdsa_method(c->key, &hash); /* RFC 4754 uses the IKEv2 numbers for IKEv1 too */
	return m ? m : -EINVAL;
}

/* EVP_PKEY_sign / EVP_PKEY_verify over the hash as given (no digest of it). */
static EVP_PKEY_CTX *raw_ctx(EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	if (ctx == NULL || (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
	    (EVP_PKEY_is_a(key, "RSA") &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int creds_sign_v1(const struct creds *c, struct ike_span hash, uint8_t *out, size_t cap)
{
	int method = creds_v1_method(c);
	EVP_PKEY_CTX *ctx = method > 0 ? raw_ctx(c->key, true) : NULL;
	uint8_t sig[1024];
	size_t len = sizeof(sig);
	int ret = -EIO;

	if (ctx != NULL && EVP_PKEY_sign(ctx, sig, &len, hash.ptr, hash.len) == 1) {
		if (method == V1_AUTH_RSA_SIG) {
			ret = len <= cap ? (int)len : -ENOSPC;
			if (ret > 0)
				memcpy(out, sig, len);
		} else {
			size_t field = ecdsa_field_len((uint8_t)method);

			ret = 2 * field <= cap ? ecdsa_der_to_raw(sig, len, field, out) : -ENOSPC;
		}
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

static int verify_v1(EVP_PKEY *key, unsigned method, struct ike_span sig, struct ike_span hash,
		     char *why, size_t why_len)
{
	bool rsa = EVP_PKEY_is_a(key, "RSA");
	unsigned ec_hash;
	uint8_t *der = NULL;
	int der_len = -1, ok = 0;
	EVP_PKEY_CTX *ctx;

	if (method == V1_AUTH_RSA_SIG ? !rsa : rsa || ecdsa_method(key, &ec_hash) != method) {
		snprintf(why, why_len,
			 "its certificate's key does not fit the negotiated method %u", method);
		return -EKEYREJECTED;
	}
	if (!rsa) {
		size_t field = ecdsa_field_len((uint8_t)method);

		if (sig.len != 2 * field ||
		    (der_len = ecdsa_raw_to_der(sig.ptr, field, &der)) <= 0) {
			snprintf(why, why_len, "ECDSA signature of the wrong length");
			OPENSSL_free(der);
			return -EKEYREJECTED;
		}
	}
	ctx = raw_ctx(key, false);
	ok = ctx != NULL &&
	     EVP_PKEY_verify(ctx, rsa ? sig.ptr : der, rsa ? sig.len : (size_t)der_len, hash.ptr,
			     hash.len) == 1;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	if (!ok)
		snprintf(why, why_len, "its SIG does not verify with its certificate");
	return ok ? 0 : -EKEYREJECTED;
}

int creds_verify_peer_v1(const struct creds *c, const struct creds_peer_cert *certs, unsigned n,
			 uint8_t id_type, struct ike_span id_data, unsigned method,
			 struct ike_span sig, struct ike_span hash, char *why, size_t why_len)
{
	STACK_OF(X509) * chain;
	X509 *leaf;
	int ret = verify_certs(c, certs, n, id_type, id_data, &leaf, &chain, why, why_len);

	if (ret < 0)
		return ret;
	ret = verify_v1(X509_get0_pubkey(leaf), method, sig, hash, why, why_len);
	return peer_checked(c, leaf, chain, ret, why, why_len);
}

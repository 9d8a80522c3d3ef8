/* COOKIE (RFC 7296 2.6): under half-open load the responder answers IKE_SA_INIT with a
 * stateless cookie, version | SHA-256(Ni | IPi | SPIi | secret), and only keeps state for
 * requests that return it. The secret is replaced every COOKIE_SECRET_LIFETIME_MS (the
 * version names it); the previous one still verifies for one lifetime. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_sa.h"
#include "task_cookie.h"
#include "util.h"

#define COOKIE_LEN (1 + 32)

int cookie_init(struct espnicd *d)
{
	d->cookie_version = 1;
	d->cookie_prev_valid = false;
	d->cookie_rotate_at = now_ms(d) + COOKIE_SECRET_LIFETIME_MS;
	return random_bytes(d->cookie_secret, sizeof(d->cookie_secret));
}

/* A new secret when the current one's lifetime is over; the current one becomes the previous
 * one, valid for one more lifetime (not at all if a whole lifetime passed without use). */
static void cookie_rotate(struct espnicd *d)
{
	uint64_t now = now_ms(d);
	uint8_t fresh[sizeof(d->cookie_secret)];

	if (now < d->cookie_rotate_at)
		return;
	if (random_bytes(fresh, sizeof(fresh)) < 0) {
		log_warn("no randomness for a new COOKIE secret: the old one stays");
		return;
	}
	memcpy(d->cookie_secret_prev, d->cookie_secret, sizeof(fresh));
	memcpy(d->cookie_secret, fresh, sizeof(fresh));
	OPENSSL_cleanse(fresh, sizeof(fresh));
	d->cookie_prev_valid = now < d->cookie_rotate_at + COOKIE_SECRET_LIFETIME_MS;
	d->cookie_version++;
	d->cookie_rotate_at = now + COOKIE_SECRET_LIFETIME_MS;
}

/* The secret the cookie version names, or NULL. */
static const uint8_t *cookie_secret_of(const struct espnicd *d, uint8_t version)
{
	if (version == d->cookie_version)
		return d->cookie_secret;
	if (d->cookie_prev_valid && version == (uint8_t)(d->cookie_version - 1))
		return d->cookie_secret_prev;
	return NULL;
}

static int cookie_compute(struct espnicd *d, uint8_t version, const struct ike_message *msg,
			  const struct sockaddr_storage *remote, uint8_t out[COOKIE_LEN])
{
	const struct ike_payload *nonce = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	size_t alen;
	const uint8_t *addr = sockaddr_addr(remote, &alen);
	EVP_MD_CTX *ctx;
	unsigned len = 0;
	const uint8_t *secret = cookie_secret_of(d, version);
	int ok;

	if (nonce == NULL || secret == NULL)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -1;
	out[0] = version;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, nonce->u.nonce.ptr, nonce->u.nonce.len) &&
	     EVP_DigestUpdate(ctx, addr, alen) &&
	     EVP_DigestUpdate(ctx, msg->header.spi_i, IKE_SPI_LEN) &&
	     EVP_DigestUpdate(ctx, secret, sizeof(d->cookie_secret)) &&
	     EVP_DigestFinal_ex(ctx, out + 1, &len);
	EVP_MD_CTX_free(ctx);
	return ok ? COOKIE_LEN : -1;
}

int cookie_make(struct espnicd *d, const struct ike_message *msg,
		const struct sockaddr_storage *remote, uint8_t *out, size_t cap)
{
	if (cap < COOKIE_LEN)
		return -1;
	cookie_rotate(d);
	return cookie_compute(d, d->cookie_version, msg, remote, out);
}

bool cookie_verify(struct espnicd *d, const struct ike_message *msg,
		   const struct sockaddr_storage *remote)
{
	const struct ike_notify_payload *n = ike_message_find_notify(msg, IKE_N_COOKIE);
	uint8_t expect[COOKIE_LEN];
	bool ok;

	if (n == NULL || n->data.len != COOKIE_LEN)
		return false;
	/* The COOKIE must come first (RFC 7296 2.6). */
	if (msg->payloads[0].type != IKE_PAYLOAD_NOTIFY || &msg->payloads[0].u.notify != n)
		return false;
	cookie_rotate(d);
	if (cookie_compute(d, n->data.ptr[0], msg, remote, expect) < 0)
		return false;
	ok = CRYPTO_memcmp(expect, n->data.ptr, COOKIE_LEN) == 0;
	OPENSSL_cleanse(expect, sizeof(expect));
	return ok;
}

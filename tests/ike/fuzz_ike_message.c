/* libFuzzer target for the IKE message parser: parse as a whole message and as a decrypted
 * inner chain; whatever parses must re-serialize (a writer error on parsed input is a bug)
 * and parse again to the same payloads, and SK/SKF payloads go through decryption with a
 * fixed key, which must fail cleanly (a success means the integrity check let a guess by). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike_message.h"
#include "ike_sk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_message msg, again;
static uint8_t out[70000];

static void reserialize(const struct ike_message *m)
{
	struct ike_writer w;
	size_t i;
	int len;

	ike_writer_init(&w, out, sizeof(out));
	ike_writer_header(&w, &m->header);
	for (i = 0; i < m->payload_count; i++) {
		if (m->payloads[i].type == IKE_PAYLOAD_SK || m->payloads[i].type == IKE_PAYLOAD_SKF)
			break;
		ike_writer_payload(&w, &m->payloads[i]);
	}
	len = ike_writer_finish(&w);
	/* Only a message larger than the output buffer may fail to serialize. */
	if (len < 0) {
		if (m->header.length < sizeof(out))
			__builtin_trap();
		return;
	}
	/* Everything the parser accepted and the writer wrote must parse again. */
	if (ike_message_parse(out, (size_t)len, &again) != 0 || again.payload_count != i)
		__builtin_trap();
}

static void try_decrypt(const uint8_t *data, size_t size, const struct ike_payload *sk)
{
	struct ike_sk_key k;

	memset(&k, 0x42, sizeof(k));
	/* The cipher from a bit the payload's length does not decide (the first octet of the
	 * initiator's SPI): an odd length, which once picked CBC, is never a whole number of
	 * CBC blocks, so the HMAC check was never reached. */
	k.encr = ike_encr_lookup(data[0] & 1 ? IKE_ENCR_AES_CBC : IKE_ENCR_AES_GCM_16, 128);
	k.integ = k.encr->aead ? NULL : ike_integ_lookup(IKE_INTEG_HMAC_SHA2_256_128);
	k.next_iv = 0;
	/* Passing the ICV check with a key the input never saw takes a 2^-128 guess: a success
	 * means the check is broken. */
	if (ike_sk_decrypt(data, size, sk, &k, out, sizeof(out)) >= 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ike_message_parse(data, size, &msg) == 0) {
		const struct ike_payload *last =
		    msg.payload_count ? &msg.payloads[msg.payload_count - 1] : NULL;

		reserialize(&msg);
		if (last && (last->type == IKE_PAYLOAD_SK || last->type == IKE_PAYLOAD_SKF))
			try_decrypt(data, size, last);
	}
	if (size > 0) {
		memset(&msg, 0, sizeof(msg));
		(void)ike_message_parse_inner(&msg, data[0], data + 1, size - 1);
	}
	return 0;
}

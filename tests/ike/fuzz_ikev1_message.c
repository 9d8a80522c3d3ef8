/* libFuzzer target for the IKEv1 parser: the input is parsed as a whole datagram (encrypted
 * ones are decrypted with a fixed key and their plaintext parsed), and, after two octets
 * choosing the exchange type and the first payload, as a decrypted body. Whatever parses
 * must re-serialize and parse again to the same number of payloads. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ikev1_crypto.h"
#include "ikev1_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ikev1_message msg, again;
static uint8_t out[70000], plain[70000];

static void reserialize(const struct ikev1_message *m, bool with_header)
{
	struct ike_writer w;
	size_t i;
	int len, ret;

	ike_writer_init(&w, out, sizeof(out));
	if (with_header)
		ike_writer_header(&w, &m->header);
	for (i = 0; i < m->payload_count; i++)
		ikev1_writer_payload(&w, &m->payloads[i]);
	len = ike_writer_finish(&w);
	if (len < 0)
		__builtin_trap(); /* the writer must take everything the parser accepted */
	again.header = m->header;
	ret = with_header ? ikev1_message_parse(out, (size_t)len, &again)
			  : ikev1_message_parse_decrypted(&again, out, (size_t)len);
	if (ret != 0 || again.payload_count != m->payload_count)
		__builtin_trap();
}

static void try_decrypt(struct ikev1_message *m)
{
	static const uint8_t key[32] = {0x42};
	const struct ike_encr_alg *encr =
	    ike_encr_lookup(IKE_ENCR_AES_CBC, m->encrypted.len % 32 ? 128 : 256);
	struct ikev1_iv iv = {16, {0}}, next;
	int len = ikev1_decrypt(m, encr, key, &iv, &next, plain, sizeof(plain));

	if (len >= 0 && ikev1_message_parse_decrypted(m, plain, (size_t)len) == 0)
		reserialize(m, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t exchanges[] = {IKEV1_EXCHANGE_MAIN, IKEV1_EXCHANGE_QUICK,
					    IKEV1_EXCHANGE_INFORMATIONAL,
					    IKEV1_EXCHANGE_AGGRESSIVE};

	if (ikev1_message_parse(data, size, &msg) == 0 && msg.payload_count > 0)
		reserialize(&msg, true);
	else if (msg.encrypted.len > 0)
		try_decrypt(&msg);
	if (size >= 2) {
		memset(&msg.header, 0, sizeof(msg.header));
		msg.header.major_version = IKEV1_MAJOR_VERSION;
		msg.header.exchange_type = exchanges[data[0] % sizeof(exchanges)];
		msg.header.flags = IKEV1_FLAG_ENCRYPTION;
		msg.header.next_payload = data[1];
		if (ikev1_message_parse_decrypted(&msg, data + 2, size - 2) == 0)
			reserialize(&msg, false);
	}
	return 0;
}

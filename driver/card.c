/* card.c: SA, SPD, counter and event access through the card's registers
 * (descriptor staging buffer + command register, see docs/registers.md). */
#include "espnic_card.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

/* A card finishes any command within a few thousand cycles; beyond this
 * many polls it is wedged. */
#define CMD_POLL_LIMIT 100000

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void prefix_mask(const struct espnic_prefix *p, uint8_t addr[16], uint8_t mask[16])
{
	unsigned bits = p->v6 ? 128 : 32;
	unsigned len = p->len > bits ? bits : p->len;
	memset(mask, 0, 16);
	for (unsigned i = 0; i < len; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (unsigned i = 0; i < 16; i++)
		addr[i] = p->addr[i] & mask[i];
}

static void write_desc(const struct espnic_io *io, const uint8_t desc[ESPNIC_DESC_BYTES])
{
	for (unsigned i = 0; i < ESPNIC_DESC_BYTES; i += 4)
		io->write32(io->ctx, ESPNIC_REG_DESC + i, (uint32_t)get_le(desc + i, 4));
}

/* Run a command and wait for it; the card's status becomes an errno. */
static int run_cmd(const struct espnic_io *io, unsigned op, bool inbound, unsigned index)
{
	io->write32(io->ctx, ESPNIC_REG_CMD, op | (inbound ? 1u << 8 : 0) | (index << 16));
	for (int i = 0; i < CMD_POLL_LIMIT; i++) {
		uint32_t st = io->read32(io->ctx, ESPNIC_REG_STATUS);
		if (st & 1) {
			if (io->idle)
				io->idle(io->ctx);
			continue;
		}
		switch ((st >> 8) & 0xff) {
		case ESPNIC_CMD_STATUS_OK:
			return 0;
		case ESPNIC_CMD_STATUS_BUSY:
			return -EBUSY;
		case ESPNIC_CMD_STATUS_BAD_OPCODE:
			return -EOPNOTSUPP;
		case ESPNIC_CMD_STATUS_BAD_INDEX:
			return -ERANGE;
		case ESPNIC_CMD_STATUS_BAD_ALG:
			return -EPROTONOSUPPORT;
		default:
			return -EINVAL;
		}
	}
	return -ETIMEDOUT;
}

int espnic_card_info(const struct espnic_io *io, struct espnic_card_info *info)
{
	info->magic = io->read32(io->ctx, ESPNIC_REG_MAGIC);
	if (info->magic != ESPNIC_MAGIC)
		return -ENODEV;
	info->version = io->read32(io->ctx, ESPNIC_REG_VERSION);
	info->data_w = io->read32(io->ctx, ESPNIC_REG_DATA_W);
	info->sa_n = io->read32(io->ctx, ESPNIC_REG_SA_N);
	info->spd_n = io->read32(io->ctx, ESPNIC_REG_SPD_N);
	info->mtu = io->read32(io->ctx, ESPNIC_REG_MTU);
	return 0;
}

int espnic_card_set_mtu(const struct espnic_io *io, uint16_t mtu)
{
	if (mtu < 68)
		return -EINVAL;
	io->write32(io->ctx, ESPNIC_REG_MTU, mtu);
	return 0;
}

int espnic_card_set_default_discard(const struct espnic_io *io, bool discard)
{
	io->write32(io->ctx, ESPNIC_REG_CONTROL, discard ? 1u << ESPNIC_CTRL_DEFAULT_DISCARD : 0);
	return 0;
}

int espnic_card_sa_write(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa)
{
	uint8_t d[ESPNIC_DESC_BYTES] = {0};
	uint32_t flags = 0;

	if (sa->alg != ESPNIC_ALG_AES_GCM_128 && sa->alg != ESPNIC_ALG_AES_GCM_256)
		return -EPROTONOSUPPORT;
	if (sa->replay_window > 1024 || sa->sel_src.v6 != sa->sel_dst.v6)
		return -EINVAL;
	if (sa->tunnel)
		flags |= 1u << ESPNIC_SA_FLAG_TUNNEL;
	if (sa->udp_encap)
		flags |= 1u << ESPNIC_SA_FLAG_UDP;
	if (sa->esn)
		flags |= 1u << ESPNIC_SA_FLAG_ESN;
	if (sa->sel_src.v6)
		flags |= 1u << ESPNIC_SA_FLAG_SEL_V6;
	put_le(d + ESPNIC_SA_FLAGS, flags, 4);
	put_le(d + ESPNIC_SA_SPI, sa->spi, 4);
	d[ESPNIC_SA_ALG] = sa->alg;
	d[ESPNIC_SA_SEL_PROTO] = sa->sel_proto;
	put_le(d + ESPNIC_SA_REPLAY_WINDOW, sa->replay_window, 2);
	put_le(d + ESPNIC_SA_UDP_SPORT, sa->udp_sport, 2);
	put_le(d + ESPNIC_SA_UDP_DPORT, sa->udp_dport, 2);
	memcpy(d + ESPNIC_SA_LOCAL, sa->local, 4);
	memcpy(d + ESPNIC_SA_REMOTE, sa->remote, 4);
	put_le(d + ESPNIC_SA_SEQ, sa->seq, 8);
	put_le(d + ESPNIC_SA_SOFT_BYTES, sa->soft_bytes, 8);
	put_le(d + ESPNIC_SA_HARD_BYTES, sa->hard_bytes, 8);
	put_le(d + ESPNIC_SA_SOFT_PACKETS, sa->soft_packets, 8);
	put_le(d + ESPNIC_SA_HARD_PACKETS, sa->hard_packets, 8);
	prefix_mask(&sa->sel_src, d + ESPNIC_SA_SEL_SRC_ADDR, d + ESPNIC_SA_SEL_SRC_MASK);
	prefix_mask(&sa->sel_dst, d + ESPNIC_SA_SEL_DST_ADDR, d + ESPNIC_SA_SEL_DST_MASK);
	memcpy(d + ESPNIC_SA_KEY, sa->key, sa->alg == ESPNIC_ALG_AES_GCM_256 ? 32 : 16);
	memcpy(d + ESPNIC_SA_SALT, sa->salt, 4);

	write_desc(io, d);
	int rc = run_cmd(io, ESPNIC_CMD_SA_WRITE, sa->inbound, index);
	/* The staging buffer held the key: overwrite it on the card, then here. */
	OPENSSL_cleanse(d, sizeof(d));
	write_desc(io, d);
	return rc;
}

int espnic_card_sa_delete(const struct espnic_io *io, bool inbound, unsigned index)
{
	return run_cmd(io, ESPNIC_CMD_SA_DELETE, inbound, index);
}

static void read_back(const struct espnic_io *io, uint8_t r[ESPNIC_DESC_BYTES])
{
	for (unsigned i = 0; i < ESPNIC_DESC_BYTES; i += 4)
		put_le(r + i, io->read32(io->ctx, ESPNIC_REG_READBACK + i), 4);
}

int espnic_card_sa_read(const struct espnic_io *io, bool inbound, unsigned index,
			struct espnic_sa_status *st)
{
	uint8_t r[ESPNIC_DESC_BYTES];
	int rc = run_cmd(io, ESPNIC_CMD_SA_READ, inbound, index);
	if (rc)
		return rc;
	read_back(io, r);
	memset(st, 0, sizeof(*st));
	st->enabled = get_le(r + ESPNIC_RB_ENABLED, 4) != 0;
	st->spi = (uint32_t)get_le(r + ESPNIC_RB_SPI, 4);
	st->flags = (uint32_t)get_le(r + ESPNIC_RB_FLAGS, 4);
	st->alg = r[ESPNIC_RB_ALG];
	st->soft_expired = r[ESPNIC_RB_STATE] & 1;
	st->hard_expired = (r[ESPNIC_RB_STATE] >> 1) & 1;
	st->seq_near_wrap = (r[ESPNIC_RB_STATE] >> 2) & 1;
	st->seq = get_le(r + ESPNIC_RB_SEQ, 8);
	st->packets = get_le(r + ESPNIC_RB_PACKETS, 8);
	st->bytes = get_le(r + ESPNIC_RB_BYTES, 8);
	for (unsigned i = 0; i < ESPNIC_DROP_N; i++)
		st->drops[i] = get_le(r + ESPNIC_RB_DROPS + 8 * i, 8);
	return 0;
}

int espnic_card_spd_write(const struct espnic_io *io, unsigned index,
			  const struct espnic_spd_rule *rule)
{
	uint8_t d[ESPNIC_DESC_BYTES] = {0};
	if (rule->src.v6 != rule->dst.v6 || rule->sport_lo > rule->sport_hi ||
	    rule->dport_lo > rule->dport_hi || rule->action > ESPNIC_ACT_PROTECT)
		return -EINVAL;
	d[ESPNIC_SPD_FLAGS] = rule->src.v6;
	d[ESPNIC_SPD_PROTO] = rule->proto;
	d[ESPNIC_SPD_ACTION] = rule->action;
	put_le(d + ESPNIC_SPD_SA, rule->sa, 2);
	put_le(d + ESPNIC_SPD_SPORT_LO, rule->sport_lo, 2);
	put_le(d + ESPNIC_SPD_SPORT_HI, rule->sport_hi, 2);
	put_le(d + ESPNIC_SPD_DPORT_LO, rule->dport_lo, 2);
	put_le(d + ESPNIC_SPD_DPORT_HI, rule->dport_hi, 2);
	prefix_mask(&rule->src, d + ESPNIC_SPD_SRC_ADDR, d + ESPNIC_SPD_SRC_MASK);
	prefix_mask(&rule->dst, d + ESPNIC_SPD_DST_ADDR, d + ESPNIC_SPD_DST_MASK);
	write_desc(io, d);
	return run_cmd(io, ESPNIC_CMD_SPD_WRITE, false, index);
}

int espnic_card_spd_delete(const struct espnic_io *io, unsigned index)
{
	return run_cmd(io, ESPNIC_CMD_SPD_DELETE, false, index);
}

int espnic_card_counters(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS])
{
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS; i++) {
		uint64_t lo = io->read32(io->ctx, ESPNIC_REG_COUNTERS + 8 * i);
		uint64_t hi = io->read32(io->ctx, ESPNIC_REG_COUNTERS + 8 * i + 4);
		counters[i] = lo | hi << 32;
	}
	return 0;
}

int espnic_card_event_pop(const struct espnic_io *io, struct espnic_event *ev)
{
	uint32_t v = io->read32(io->ctx, ESPNIC_REG_EVENT);
	if (!(v >> 31))
		return 0;
	ev->kind = (v >> 16) & 0xf;
	ev->inbound = (v >> 20) & 1;
	ev->sa = (uint16_t)v;
	ev->rule = (uint16_t)io->read32(io->ctx, ESPNIC_REG_EVENT_RULE);
	io->write32(io->ctx, ESPNIC_REG_EVENT_POP, 1);
	return 1;
}

static const char *const status_names[] = ESPNIC_CMD_STATUS_NAMES;
static const char *const counter_names[] = ESPNIC_CNT_NAMES;
static const char *const drop_names[] = ESPNIC_DROP_NAMES;
static const char *const event_names[] = ESPNIC_EV_NAMES;

#define NAME_OF(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? table[i] : "unknown")

const char *espnic_card_status_str(unsigned status)
{
	return NAME_OF(status_names, status);
}

const char *espnic_counter_name(unsigned index)
{
	return NAME_OF(counter_names, index);
}

const char *espnic_drop_name(unsigned index)
{
	return NAME_OF(drop_names, index);
}

const char *espnic_event_name(unsigned kind)
{
	return NAME_OF(event_names, kind);
}

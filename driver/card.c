/* card.c: SA, SPD, counter and event access through the card's command,
 * completion and event rings (docs/registers.md, espnic_card.h). */
#include "espnic_card.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

/* Tags of the synchronous calls: this marker and the ring position. */
#define SYNC_TAG 0x5c000000u

static _Thread_local char last_err[256];

const char *espnic_card_last_error(void)
{
	return last_err;
}

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	return rc;
}

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

static void to_prefix(const uint8_t *addr, const uint8_t *mask, bool v6, struct espnic_prefix *p)
{
	unsigned len = 0, bits = v6 ? 128 : 32;
	memset(p, 0, sizeof(*p));
	p->v6 = v6;
	while (len < bits && (mask[len / 8] & (0x80 >> (len % 8))))
		len++;
	p->len = (uint8_t)len;
	memcpy(p->addr, addr, v6 ? 16 : 4);
}

static uint32_t rd(const struct espnic_io *io, uint32_t off)
{
	return io->read32(io->ctx, off);
}

static void wr(const struct espnic_io *io, uint32_t off, uint32_t v)
{
	io->write32(io->ctx, off, v);
}

static void idle(const struct espnic_io *io)
{
	if (io->idle)
		io->idle(io->ctx);
}

/* ------------------------------------------------------------ the rings */

int espnic_card_status_errno(unsigned status)
{
	switch (status) {
	case ESPNIC_CMD_STATUS_OK:
		return 0;
	case ESPNIC_CMD_STATUS_BAD_OPCODE:
		return -EOPNOTSUPP;
	case ESPNIC_CMD_STATUS_BAD_INDEX:
	case ESPNIC_CMD_STATUS_BAD_SPI:
		return -ERANGE;
	case ESPNIC_CMD_STATUS_EXISTS:
		return -EEXIST;
	case ESPNIC_CMD_STATUS_NOT_FOUND:
		return -ENOENT;
	case ESPNIC_CMD_STATUS_BAD_ALG:
		return -EPROTONOSUPPORT;
	case ESPNIC_CMD_STATUS_BAD_FIELD:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int submit_at(const struct espnic_io *io, const struct espnic_cmd *cmd, uint16_t *pos)
{
	uint16_t prod = (uint16_t)rd(io, ESPNIC_REG_CMD_PROD);
	uint16_t cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
	if ((uint16_t)(prod - cons) >= ESPNIC_CMD_RING_SLOTS)
		return -EAGAIN;
	if (cmd->payload_len > ESPNIC_CMD_PAYLOAD_MAX)
		return fail(-EINVAL, "command payload of %zu bytes (at most %u)", cmd->payload_len,
			    (unsigned)ESPNIC_CMD_PAYLOAD_MAX);
	uint32_t slot =
	    ESPNIC_REG_CMD_RING + (prod % ESPNIC_CMD_RING_SLOTS) * ESPNIC_CMD_RING_SLOT_BYTES;
	wr(io, slot + 0,
	   (uint32_t)cmd->opcode | (uint32_t)cmd->flags << 8 | (uint32_t)cmd->index << 16);
	wr(io, slot + 4, cmd->tag);
	wr(io, slot + 8, (uint32_t)get_le(cmd->reserved, 4));
	wr(io, slot + 12, (uint32_t)get_le(cmd->reserved + 4, 4));
	for (size_t i = 0; i < cmd->payload_len; i += 4) {
		size_t n = cmd->payload_len - i < 4 ? cmd->payload_len - i : 4;
		wr(io, slot + ESPNIC_CMD_PAYLOAD + (uint32_t)i,
		   (uint32_t)get_le(cmd->payload + i, n));
	}
	wr(io, ESPNIC_REG_CMD_PROD, (uint16_t)(prod + 1));
	if (pos)
		*pos = prod;
	return 0;
}

int espnic_card_cmd_submit(const struct espnic_io *io, const struct espnic_cmd *cmd)
{
	return submit_at(io, cmd, NULL);
}

/* Result bytes a completion carries, by opcode. */
static size_t result_len(unsigned opcode)
{
	switch (opcode) {
	case ESPNIC_CMD_SA_QUERY:
		return ESPNIC_SAQ_LAYOUT_BYTES;
	case ESPNIC_CMD_SPD_QUERY:
		return ESPNIC_SPDQ_LAYOUT_BYTES;
	case ESPNIC_CMD_COUNTERS:
		return ESPNIC_CNTR_LAYOUT_BYTES;
	default:
		return 0;
	}
}

int espnic_card_cpl_reap(const struct espnic_io *io, struct espnic_cpl *cpl)
{
	uint16_t prod = (uint16_t)rd(io, ESPNIC_REG_CPL_PROD);
	uint16_t cons = (uint16_t)rd(io, ESPNIC_REG_CPL_CONS);
	if (prod == cons)
		return 0;
	uint32_t e =
	    ESPNIC_REG_CPL_RING + (cons % ESPNIC_CPL_RING_SLOTS) * ESPNIC_CPL_RING_SLOT_BYTES;
	uint32_t w1 = rd(io, e + 4);
	memset(cpl, 0, sizeof(*cpl));
	cpl->tag = rd(io, e + ESPNIC_CPL_TAG);
	cpl->status = (uint8_t)w1;
	cpl->opcode = (uint8_t)(w1 >> 8);
	cpl->index = (uint16_t)(w1 >> 16);
	cpl->cmd_no = (uint16_t)rd(io, e + ESPNIC_CPL_CMD_NO);
	size_t n = cpl->status == ESPNIC_CMD_STATUS_OK ? result_len(cpl->opcode) : 0;
	for (size_t i = 0; i < n; i += 4)
		put_le(cpl->result + i, rd(io, e + ESPNIC_CPL_RESULT + (uint32_t)i), 4);
	wr(io, ESPNIC_REG_CPL_CONS, (uint16_t)(cons + 1));
	return 1;
}

/* Run one command synchronously: wait for a free slot, submit, wait for its
 * completion (older completions are consumed on the way). */
static int run_cmd_locked(const struct espnic_io *io, struct espnic_cmd *cmd,
			  struct espnic_cpl *cpl, const char *what)
{
	struct espnic_cpl scratch;
	struct espnic_cpl *c = cpl ? cpl : &scratch;
	uint16_t pos = 0;
	int polls = 0, rc;

	for (;;) {
		cmd->tag = SYNC_TAG | (uint16_t)rd(io, ESPNIC_REG_CMD_PROD);
		rc = submit_at(io, cmd, &pos);
		if (rc != -EAGAIN)
			break;
		if (++polls > ESPNIC_CARD_POLL_LIMIT)
			return fail(-ETIMEDOUT, "%s: the command ring stayed full", what);
		/* A full completion ring stops the card: make room. */
		if (espnic_card_cpl_reap(io, c) == 0)
			idle(io);
	}
	if (rc)
		return rc;
	for (;;) {
		int got = espnic_card_cpl_reap(io, c);
		if (got && c->tag == cmd->tag && c->cmd_no == pos)
			break;
		if (got)
			continue; /* an older completion nobody waits for */
		if (++polls > ESPNIC_CARD_POLL_LIMIT)
			return fail(-ETIMEDOUT, "%s: the card did not complete the command", what);
		idle(io);
	}
	rc = espnic_card_status_errno(c->status);
	if (rc)
		return fail(rc, "%s: the card refused the command: %s (%s)", what,
			    espnic_card_status_str(c->status), espnic_card_status_text(c->status));
	return 0;
}

/* The same under the device's lock: no other process's command in between. */
static int run_cmd(const struct espnic_io *io, struct espnic_cmd *cmd, struct espnic_cpl *cpl,
		   const char *what)
{
	if (io->lock)
		io->lock(io->ctx, true);
	int rc = run_cmd_locked(io, cmd, cpl, what);
	if (io->lock)
		io->lock(io->ctx, false);
	return rc;
}

static void cmd_init(struct espnic_cmd *cmd, unsigned opcode, unsigned flags, unsigned index)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = (uint8_t)opcode;
	cmd->flags = (uint8_t)flags;
	cmd->index = (uint16_t)index;
}

static unsigned inb_flag(bool inbound)
{
	return inbound ? 1u << ESPNIC_CMD_FLAG_INBOUND : 0;
}

/* ------------------------------------------------------------ registers */

int espnic_card_info(const struct espnic_io *io, struct espnic_card_info *info)
{
	memset(info, 0, sizeof(*info));
	info->magic = rd(io, ESPNIC_REG_MAGIC);
	if (info->magic != ESPNIC_MAGIC)
		return fail(-ENODEV, "no espnic card (magic 0x%08x)", info->magic);
	info->version = rd(io, ESPNIC_REG_VERSION);
	info->data_w = rd(io, ESPNIC_REG_DATA_W);
	info->sa_n = rd(io, ESPNIC_REG_SA_N);
	info->spd_n = rd(io, ESPNIC_REG_SPD_N);
	info->mtu = rd(io, ESPNIC_REG_MTU);
	info->build_id = rd(io, ESPNIC_REG_BUILD_ID);
	info->algs = rd(io, ESPNIC_REG_ALGS);
	info->max_frame = rd(io, ESPNIC_REG_MAX_FRAME);
	info->cmd_slots = rd(io, ESPNIC_REG_CMD_SLOTS);
	info->cpl_slots = rd(io, ESPNIC_REG_CPL_SLOTS);
	info->ev_slots = rd(io, ESPNIC_REG_EV_SLOTS);
	if ((info->version >> 8 & 0xff) != (ESPNIC_VERSION >> 8 & 0xff))
		return fail(-EPROTO, "card register map version 0x%04x, this driver speaks 0x%04x",
			    info->version, (unsigned)ESPNIC_VERSION);
	return 0;
}

int espnic_card_set_mtu(const struct espnic_io *io, uint16_t mtu)
{
	if (mtu < 68)
		return fail(-EINVAL, "MTU %u is below 68", mtu);
	wr(io, ESPNIC_REG_MTU, mtu);
	return 0;
}

int espnic_card_set_default_discard(const struct espnic_io *io, bool discard)
{
	wr(io, ESPNIC_REG_CONTROL, discard ? 1u << ESPNIC_CTRL_DEFAULT_DISCARD : 0);
	return 0;
}

/* ------------------------------------------------------------ SAs */

static int sa_install(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa,
		      bool replace)
{
	const char *dir = sa->inbound ? "inbound" : "outbound";
	struct espnic_cmd cmd;
	uint8_t *d = cmd.payload;
	uint32_t flags = 0;

	if (sa->alg != ESPNIC_ALG_AES_GCM_128 && sa->alg != ESPNIC_ALG_AES_GCM_256)
		return fail(-EPROTONOSUPPORT, "SA add (%s %u): algorithm %u not carried", dir,
			    index, sa->alg);
	if (sa->replay_window > 1024)
		return fail(-EINVAL, "SA add (%s %u): replay window %u above 1024", dir, index,
			    sa->replay_window);
	if (sa->sel_src.v6 != sa->sel_dst.v6)
		return fail(-EINVAL, "SA add (%s %u): selectors of two address families", dir,
			    index);
	cmd_init(&cmd, ESPNIC_CMD_SA_ADD,
		 inb_flag(sa->inbound) | (replace ? 1u << ESPNIC_CMD_FLAG_REPLACE : 0), index);
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
	cmd.payload_len = ESPNIC_SA_LAYOUT_BYTES;

	char what[64];
	snprintf(what, sizeof(what), "SA add (%s %u)", dir, index);
	int rc = run_cmd(io, &cmd, NULL, what);
	/* The card cleared its slot when it took the command; wipe ours. */
	OPENSSL_cleanse(&cmd, sizeof(cmd));
	return rc;
}

int espnic_card_sa_add(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa)
{
	return sa_install(io, index, sa, false);
}

int espnic_card_sa_write(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa)
{
	return sa_install(io, index, sa, true);
}

int espnic_card_sa_update(const struct espnic_io *io, bool inbound, unsigned index,
			  const struct espnic_sa_update *upd)
{
	struct espnic_cmd cmd;
	uint8_t *d = cmd.payload;
	char what[64];
	snprintf(what, sizeof(what), "SA update (%s %u)", inbound ? "inbound" : "outbound", index);
	cmd_init(&cmd, ESPNIC_CMD_SA_UPDATE, inb_flag(inbound), index);
	put_le(d + ESPNIC_UPD_MASK, upd->set, 4);
	put_le(d + ESPNIC_UPD_REPLAY_WINDOW, upd->replay_window, 2);
	put_le(d + ESPNIC_UPD_SEQ, upd->seq, 8);
	put_le(d + ESPNIC_UPD_SOFT_BYTES, upd->soft_bytes, 8);
	put_le(d + ESPNIC_UPD_HARD_BYTES, upd->hard_bytes, 8);
	put_le(d + ESPNIC_UPD_SOFT_PACKETS, upd->soft_packets, 8);
	put_le(d + ESPNIC_UPD_HARD_PACKETS, upd->hard_packets, 8);
	cmd.payload_len = ESPNIC_UPD_LAYOUT_BYTES;
	return run_cmd(io, &cmd, NULL, what);
}

int espnic_card_sa_delete(const struct espnic_io *io, bool inbound, unsigned index)
{
	struct espnic_cmd cmd;
	char what[64];
	snprintf(what, sizeof(what), "SA delete (%s %u)", inbound ? "inbound" : "outbound", index);
	cmd_init(&cmd, ESPNIC_CMD_SA_DELETE, inb_flag(inbound), index);
	return run_cmd(io, &cmd, NULL, what);
}

int espnic_card_sa_read(const struct espnic_io *io, bool inbound, unsigned index,
			struct espnic_sa_status *st)
{
	struct espnic_cmd cmd;
	struct espnic_cpl cpl;
	char what[64];
	snprintf(what, sizeof(what), "SA query (%s %u)", inbound ? "inbound" : "outbound", index);
	cmd_init(&cmd, ESPNIC_CMD_SA_QUERY, inb_flag(inbound), index);
	int rc = run_cmd(io, &cmd, &cpl, what);
	if (rc)
		return rc;
	const uint8_t *r = cpl.result;
	memset(st, 0, sizeof(*st));
	st->enabled = r[ESPNIC_SAQ_ENABLED] & 1;
	st->spi = (uint32_t)get_le(r + ESPNIC_SAQ_SPI, 4);
	st->flags = (uint32_t)get_le(r + ESPNIC_SAQ_FLAGS, 4);
	st->alg = r[ESPNIC_SAQ_ALG];
	st->soft_expired = r[ESPNIC_SAQ_STATE] & 1;
	st->hard_expired = (r[ESPNIC_SAQ_STATE] >> 1) & 1;
	st->seq_near_wrap = (r[ESPNIC_SAQ_STATE] >> 2) & 1;
	st->seq = get_le(r + ESPNIC_SAQ_SEQ, 8);
	st->packets = get_le(r + ESPNIC_SAQ_PACKETS, 8);
	st->bytes = get_le(r + ESPNIC_SAQ_BYTES, 8);
	for (unsigned i = 0; i < ESPNIC_DROP_N; i++)
		st->drops[i] = get_le(r + ESPNIC_SAQ_DROPS + 8 * i, 8);
	st->replay_window = (uint16_t)get_le(r + ESPNIC_SAQ_REPLAY_WINDOW, 2);
	st->udp_sport = (uint16_t)get_le(r + ESPNIC_SAQ_UDP_SPORT, 2);
	st->udp_dport = (uint16_t)get_le(r + ESPNIC_SAQ_UDP_DPORT, 2);
	memcpy(st->local, r + ESPNIC_SAQ_LOCAL, 4);
	memcpy(st->remote, r + ESPNIC_SAQ_REMOTE, 4);
	st->soft_bytes = get_le(r + ESPNIC_SAQ_SOFT_BYTES, 8);
	st->hard_bytes = get_le(r + ESPNIC_SAQ_HARD_BYTES, 8);
	st->soft_packets = get_le(r + ESPNIC_SAQ_SOFT_PACKETS, 8);
	st->hard_packets = get_le(r + ESPNIC_SAQ_HARD_PACKETS, 8);
	bool v6 = (st->flags >> ESPNIC_SA_FLAG_SEL_V6) & 1;
	to_prefix(r + ESPNIC_SAQ_SEL_SRC_ADDR, r + ESPNIC_SAQ_SEL_SRC_MASK, v6, &st->sel_src);
	to_prefix(r + ESPNIC_SAQ_SEL_DST_ADDR, r + ESPNIC_SAQ_SEL_DST_MASK, v6, &st->sel_dst);
	st->sel_proto = r[ESPNIC_SAQ_SEL_PROTO];
	return 0;
}

/* ------------------------------------------------------------ SPD */

static int spd_install(const struct espnic_io *io, unsigned index,
		       const struct espnic_spd_rule *rule, bool replace)
{
	struct espnic_cmd cmd;
	uint8_t *d = cmd.payload;
	if (rule->src.v6 != rule->dst.v6 || rule->sport_lo > rule->sport_hi ||
	    rule->dport_lo > rule->dport_hi || rule->action > ESPNIC_ACT_PROTECT)
		return fail(-EINVAL,
			    "SPD add (%u): mixed address families, an empty port range "
			    "or an unknown action",
			    index);
	cmd_init(&cmd, ESPNIC_CMD_SPD_ADD, replace ? 1u << ESPNIC_CMD_FLAG_REPLACE : 0, index);
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
	cmd.payload_len = ESPNIC_SPD_LAYOUT_BYTES;
	char what[48];
	snprintf(what, sizeof(what), "SPD add (%u)", index);
	return run_cmd(io, &cmd, NULL, what);
}

int espnic_card_spd_add(const struct espnic_io *io, unsigned index,
			const struct espnic_spd_rule *rule)
{
	return spd_install(io, index, rule, false);
}

int espnic_card_spd_write(const struct espnic_io *io, unsigned index,
			  const struct espnic_spd_rule *rule)
{
	return spd_install(io, index, rule, true);
}

int espnic_card_spd_delete(const struct espnic_io *io, unsigned index)
{
	struct espnic_cmd cmd;
	char what[48];
	snprintf(what, sizeof(what), "SPD delete (%u)", index);
	cmd_init(&cmd, ESPNIC_CMD_SPD_DELETE, 0, index);
	return run_cmd(io, &cmd, NULL, what);
}

int espnic_card_spd_read(const struct espnic_io *io, unsigned index, struct espnic_spd_rule *rule)
{
	struct espnic_cmd cmd;
	struct espnic_cpl cpl;
	char what[48];
	snprintf(what, sizeof(what), "SPD query (%u)", index);
	cmd_init(&cmd, ESPNIC_CMD_SPD_QUERY, 0, index);
	int rc = run_cmd(io, &cmd, &cpl, what);
	if (rc)
		return rc;
	const uint8_t *r = cpl.result;
	memset(rule, 0, sizeof(*rule));
	if (!(r[ESPNIC_SPDQ_ENABLED] & 1))
		return 0;
	bool v6 = r[ESPNIC_SPD_FLAGS] & 1;
	rule->proto = r[ESPNIC_SPD_PROTO];
	rule->action = r[ESPNIC_SPD_ACTION];
	rule->sa = (uint16_t)get_le(r + ESPNIC_SPD_SA, 2);
	rule->sport_lo = (uint16_t)get_le(r + ESPNIC_SPD_SPORT_LO, 2);
	rule->sport_hi = (uint16_t)get_le(r + ESPNIC_SPD_SPORT_HI, 2);
	rule->dport_lo = (uint16_t)get_le(r + ESPNIC_SPD_DPORT_LO, 2);
	rule->dport_hi = (uint16_t)get_le(r + ESPNIC_SPD_DPORT_HI, 2);
	to_prefix(r + ESPNIC_SPD_SRC_ADDR, r + ESPNIC_SPD_SRC_MASK, v6, &rule->src);
	to_prefix(r + ESPNIC_SPD_DST_ADDR, r + ESPNIC_SPD_DST_MASK, v6, &rule->dst);
	return 1;
}

/* ------------------------------------------------------------ counters, reset */

int espnic_card_counters(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS])
{
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS; i++) {
		uint64_t lo = rd(io, ESPNIC_REG_COUNTERS + 8 * i);
		uint64_t hi = rd(io, ESPNIC_REG_COUNTERS + 8 * i + 4);
		counters[i] = lo | hi << 32;
	}
	return 0;
}

int espnic_card_counters_read(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS],
			      bool clear)
{
	struct espnic_cmd cmd;
	struct espnic_cpl cpl;
	cmd_init(&cmd, ESPNIC_CMD_COUNTERS, clear ? 1u << ESPNIC_CMD_FLAG_CLEAR : 0, 0);
	int rc = run_cmd(io, &cmd, &cpl, clear ? "counters read and clear" : "counters read");
	if (rc)
		return rc;
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS; i++)
		counters[i] = get_le(cpl.result + ESPNIC_CNTR_FIRST + 8 * i, 8);
	return 0;
}

int espnic_card_reset(const struct espnic_io *io)
{
	struct espnic_cmd cmd;
	cmd_init(&cmd, ESPNIC_CMD_RESET, 0, 0);
	return run_cmd(io, &cmd, NULL, "card reset");
}

/* ------------------------------------------------------------ events, interrupts */

int espnic_card_event_pop(const struct espnic_io *io, struct espnic_event *ev)
{
	uint16_t prod = (uint16_t)rd(io, ESPNIC_REG_EV_PROD);
	uint16_t cons = (uint16_t)rd(io, ESPNIC_REG_EV_CONS);
	if (prod == cons)
		return 0;
	uint32_t e = ESPNIC_REG_EV_RING + (cons % ESPNIC_EV_RING_SLOTS) * ESPNIC_EV_RING_SLOT_BYTES;
	uint8_t b[8];
	put_le(b, rd(io, e), 4);
	put_le(b + 4, rd(io, e + 4), 4);
	ev->kind = b[ESPNIC_EVE_KIND];
	ev->inbound = b[ESPNIC_EVE_FLAGS] & 1;
	ev->sa = (uint16_t)get_le(b + ESPNIC_EVE_SA, 2);
	ev->rule = (uint16_t)get_le(b + ESPNIC_EVE_RULE, 2);
	wr(io, ESPNIC_REG_EV_CONS, (uint16_t)(cons + 1));
	return 1;
}

uint32_t espnic_card_events_lost(const struct espnic_io *io)
{
	return rd(io, ESPNIC_REG_EV_LOST);
}

uint32_t espnic_card_int_status(const struct espnic_io *io)
{
	return rd(io, ESPNIC_REG_INT_STATUS);
}

void espnic_card_int_ack(const struct espnic_io *io, uint32_t bits)
{
	wr(io, ESPNIC_REG_INT_STATUS, bits);
}

void espnic_card_int_mask(const struct espnic_io *io, uint32_t mask)
{
	wr(io, ESPNIC_REG_INT_MASK, mask);
}

/* ------------------------------------------------------------ names */

static const char *const status_names[] = ESPNIC_CMD_STATUS_NAMES;
static const char *const status_texts[] = ESPNIC_CMD_STATUS_TEXT;
static const char *const counter_names[] = ESPNIC_CNT_NAMES;
static const char *const drop_names[] = ESPNIC_DROP_NAMES;
static const char *const event_names[] = ESPNIC_EV_NAMES;
static const char *const cmd_names[] = ESPNIC_CMD_NAMES;

#define NAME_OF(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? table[i] : "unknown")

const char *espnic_card_status_str(unsigned status)
{
	return NAME_OF(status_names, status);
}

const char *espnic_card_status_text(unsigned status)
{
	return NAME_OF(status_texts, status);
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

const char *espnic_cmd_name(unsigned opcode)
{
	return NAME_OF(cmd_names, opcode);
}

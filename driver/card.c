/* card.c: SA, SPD, counter and event access through the card's command,
 * completion and event rings (docs/registers.md, espnic_card.h). */
#include "espnic_card.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espnic_cls.h"

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
	case ESPNIC_CMD_SA_LIST:
	case ESPNIC_CMD_SPD_LIST:
		return ESPNIC_LIST_LAYOUT_BYTES;
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
	if (sa->vlan_tag) {
		if (!sa->inbound || !sa->tunnel || sa->vlan == 0 || sa->vlan > 4094)
			return fail(
			    -EINVAL,
			    "SA add (%s %u): a VLAN tag (VID %u) needs an inbound tunnel SA "
			    "and a VID in 1..4094",
			    dir, index, sa->vlan);
		flags |= 1u << ESPNIC_SA_FLAG_VLAN;
		put_le(d + ESPNIC_SA_VLAN, sa->vlan, 2);
	}
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
	put_le(d + ESPNIC_SA_MSS_CLAMP, sa->mss_clamp, 2);
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
	st->mss_clamp = (uint16_t)get_le(r + ESPNIC_SAQ_MSS_CLAMP, 2);
	st->vlan = (uint16_t)get_le(r + ESPNIC_SAQ_VLAN, 2);
	return 0;
}

/* Which of a table's n slots are in use (SA_LIST, SPD_LIST: LIST_SLOTS a
 * command), slot i at bits[i / 8] bit i % 8; bits holds (n + 7) / 8 bytes. */
#define LIST_SLOTS (8u * ESPNIC_LIST_LAYOUT_BYTES)
static int used_locked(const struct espnic_io *io, unsigned opcode, unsigned flags, unsigned n,
		       uint8_t *bits)
{
	struct espnic_cmd cmd;
	struct espnic_cpl cpl;
	char what[48];
	memset(bits, 0, (n + 7) / 8);
	for (unsigned first = 0; first < n; first += LIST_SLOTS) {
		snprintf(what, sizeof(what), "%s (%u)", espnic_cmd_name(opcode), first);
		cmd_init(&cmd, opcode, flags, first);
		int rc = run_cmd_locked(io, &cmd, &cpl, what);
		if (rc)
			return rc;
		unsigned take = n - first < LIST_SLOTS ? n - first : LIST_SLOTS;
		memcpy(bits + first / 8, cpl.result + ESPNIC_LIST_BITMAP, (take + 7) / 8);
	}
	if (n % 8)
		bits[n / 8] &= (uint8_t)((1u << (n % 8)) - 1);
	return 0;
}

static int used(const struct espnic_io *io, unsigned opcode, unsigned flags, unsigned n,
		uint8_t *bits)
{
	if (io->lock)
		io->lock(io->ctx, true);
	int rc = used_locked(io, opcode, flags, n, bits);
	if (io->lock)
		io->lock(io->ctx, false);
	return rc;
}

int espnic_card_sa_used(const struct espnic_io *io, bool inbound, unsigned n, uint8_t *bits)
{
	return used(io, ESPNIC_CMD_SA_LIST, inb_flag(inbound), n, bits);
}

int espnic_card_spd_used(const struct espnic_io *io, unsigned n, uint8_t *bits)
{
	return used(io, ESPNIC_CMD_SPD_LIST, 0, n, bits);
}

/* ------------------------------------------------------------ SPD */

/* The card classifies packets with a decision tree in RAM
 * (rtl/esp/spd_classifier.sv) that libespnic compiles (cls_compile.c) from
 * the ordered rules and writes through the command ring (CLS_WRITE): into the
 * generation lookups do not use, then a swap. The card also keeps the rules
 * as given, by index (its rule book: SPD_ADD, SPD_DELETE, SPD_QUERY), so any
 * process can read them back. Per card (by its register access) this file
 * keeps the compiler's state; SPD_GEN, which the card counts up on every SPD
 * change, tells when another process (or a reset) changed the SPD: the rules
 * are then read back from the rule book and one whole generation written
 * again. Every SPD change runs under the card's lock from the first command
 * to the last. */

#define CLS_TAG 0x5d000000u /* tags of the pipelined classifier writes */
#define QRY_TAG 0x5e000000u /* tags of the pipelined rule book queries */

struct spd_state {
	struct spd_state *next;
	void *ctx; /* the card: its io's ctx and read function */
	uint32_t (*read32)(void *ctx, uint32_t offset);
	uint32_t gen, geom, spd_n, sa_n; /* SPD_GEN after our last change; sizes */
	struct espnic_cls *cls;
	/* the pipelined writer */
	const struct espnic_io *io;
	uint16_t prod, cons, cpl_cons;
	unsigned outstanding;
	int err;
	unsigned long long cmds; /* commands written (statistics) */
};

static struct spd_state *spd_states;
static pthread_mutex_t spd_states_mu = PTHREAD_MUTEX_INITIALIZER;

static struct spd_state **spd_find(const struct espnic_io *io)
{
	struct spd_state **pp = &spd_states;
	while (*pp && !((*pp)->ctx == io->ctx && (*pp)->read32 == io->read32))
		pp = &(*pp)->next;
	return pp;
}

void espnic_card_spd_forget(const struct espnic_io *io)
{
	pthread_mutex_lock(&spd_states_mu);
	struct spd_state **pp = spd_find(io);
	struct spd_state *st = *pp;
	if (st) {
		*pp = st->next;
		espnic_cls_free(st->cls);
		free(st);
	}
	pthread_mutex_unlock(&spd_states_mu);
}

/* Reaps the completions of classifier writes: all of them (wait_all) or
 * until there is room for one more command. The first failure is kept. */
static int cls_reap(struct spd_state *st, bool wait_all)
{
	const struct espnic_io *io = st->io;
	unsigned polls = 0;
	while (st->outstanding && (wait_all || st->outstanding >= ESPNIC_CMD_RING_SLOTS)) {
		uint16_t cpl_prod = (uint16_t)rd(io, ESPNIC_REG_CPL_PROD);
		if (cpl_prod == st->cpl_cons) {
			if (++polls > ESPNIC_CARD_POLL_LIMIT) {
				st->err = fail(-ETIMEDOUT, "SPD: the card did not complete the "
							   "classifier writes");
				return st->err;
			}
			idle(io);
			continue;
		}
		while (st->cpl_cons != cpl_prod) {
			uint32_t e = ESPNIC_REG_CPL_RING + (st->cpl_cons % ESPNIC_CPL_RING_SLOTS) *
							       ESPNIC_CPL_RING_SLOT_BYTES;
			uint32_t tag = rd(io, e + ESPNIC_CPL_TAG);
			uint32_t w1 = rd(io, e + 4);
			st->cpl_cons++;
			if ((tag & 0xff000000u) != CLS_TAG)
				continue; /* an older completion nobody waits for */
			st->outstanding--;
			int rc = espnic_card_status_errno(w1 & 0xff);
			if (rc && !st->err)
				st->err =
				    fail(rc, "SPD: the card refused a classifier write: %s (%s)",
					 espnic_card_status_str(w1 & 0xff),
					 espnic_card_status_text(w1 & 0xff));
		}
		wr(io, ESPNIC_REG_CPL_CONS, st->cpl_cons);
	}
	return st->err;
}

/* espnic_cls's write callback: one CLS_WRITE each, up to a ring of them in
 * flight; the swap only after every write before it completed. */
static int cls_write(void *ctx, unsigned table, uint32_t addr, const uint32_t *words,
		     unsigned nwords)
{
	struct spd_state *st = ctx;
	const struct espnic_io *io = st->io;
	bool swap = table == (st->geom & 31) + 2;
	int rc = cls_reap(st, swap);
	if (rc)
		return rc;
	unsigned polls = 0;
	while ((uint16_t)(st->prod - st->cons) >= ESPNIC_CMD_RING_SLOTS) {
		st->cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
		if ((uint16_t)(st->prod - st->cons) < ESPNIC_CMD_RING_SLOTS)
			break;
		if (++polls > ESPNIC_CARD_POLL_LIMIT)
			return st->err = fail(-ETIMEDOUT, "SPD: the command ring stayed full");
		idle(io);
	}
	uint32_t slot =
	    ESPNIC_REG_CMD_RING + (st->prod % ESPNIC_CMD_RING_SLOTS) * ESPNIC_CMD_RING_SLOT_BYTES;
	wr(io, slot + 0, (uint32_t)ESPNIC_CMD_CLS_WRITE | (addr & 0xffffu) << 16);
	wr(io, slot + 4, CLS_TAG | st->prod);
	wr(io, slot + 8, 0);
	wr(io, slot + 12, 0);
	wr(io, slot + ESPNIC_CMD_PAYLOAD + ESPNIC_CLS_TABLE, table);
	for (unsigned i = 0; i < nwords && 4 * i < ESPNIC_CMD_PAYLOAD_MAX - ESPNIC_CLS_DATA; i++)
		wr(io, slot + ESPNIC_CMD_PAYLOAD + ESPNIC_CLS_DATA + 4 * i, words[i]);
	st->prod++;
	wr(io, ESPNIC_REG_CMD_PROD, st->prod);
	st->outstanding++;
	st->cmds++;
	return 0;
}

/* Starts a run of classifier writes (under the lock). */
static void cls_begin(struct spd_state *st, const struct espnic_io *io)
{
	st->io = io;
	st->prod = (uint16_t)rd(io, ESPNIC_REG_CMD_PROD);
	st->cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
	st->cpl_cons = (uint16_t)rd(io, ESPNIC_REG_CPL_CONS);
	st->outstanding = 0;
	st->err = 0;
}

static int cls_end(struct spd_state *st)
{
	return cls_reap(st, true);
}

/* A rule as the classifier takes it. */
static void to_cls_rule(unsigned index, const struct espnic_spd_rule *r, struct espnic_cls_rule *c)
{
	memset(c, 0, sizeof(*c));
	c->index = (uint16_t)index;
	c->action = r->action;
	c->sa = r->sa;
	c->fam = r->any_family ? ESPNIC_CLS_FAM_V4 | ESPNIC_CLS_FAM_V6
		 : r->src.v6   ? ESPNIC_CLS_FAM_V6
			       : ESPNIC_CLS_FAM_V4;
	const struct espnic_prefix *p[2] = {&r->src, &r->dst};
	uint8_t *a[2] = {c->src, c->dst};
	uint8_t *len[2] = {&c->src_len, &c->dst_len};
	for (int k = 0; k < 2; k++) {
		uint8_t addr[16], mask[16];
		prefix_mask(p[k], addr, mask);
		unsigned bits = r->src.v6 ? 128 : 32;
		*len[k] = (uint8_t)(p[k]->len > bits ? bits : p[k]->len);
		if (r->src.v6)
			memcpy(a[k], addr, 16);
		else
			memcpy(a[k] + 12, addr, 4);
	}
	c->proto = r->proto;
	c->sport_lo = r->sport_lo;
	c->sport_hi = r->sport_hi;
	c->dport_lo = r->dport_lo;
	c->dport_hi = r->dport_hi;
	c->vlan_any = !r->vlan_match;
	c->vlan = r->vlan_match ? r->vlan : 0;
}

static int spd_book_read(const struct espnic_io *io, unsigned spd_n, struct espnic_cls_rule *rules,
			 unsigned *np);

/* The card's state, fresh: read back and rewritten when SPD_GEN or the
 * sizes are not what this process last saw. NULL and an error otherwise. */
static struct spd_state *spd_state_locked(const struct espnic_io *io, int *rcp)
{
	/* (In pairs of neighbours: the simulator's backend fetches ahead.) */
	uint32_t sa_n = rd(io, ESPNIC_REG_SA_N);
	uint32_t spd_n = rd(io, ESPNIC_REG_SPD_N);
	uint32_t gen = rd(io, ESPNIC_REG_SPD_GEN);
	uint32_t geom = rd(io, ESPNIC_REG_CLS_GEOM);
	pthread_mutex_lock(&spd_states_mu);
	struct spd_state *st = *spd_find(io);
	pthread_mutex_unlock(&spd_states_mu);
	if (st && st->cls && st->gen == gen && st->geom == geom && st->spd_n == spd_n &&
	    st->sa_n == sa_n)
		return st;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st) {
			*rcp = fail(-ENOMEM, "SPD: out of memory");
			return NULL;
		}
		st->ctx = io->ctx;
		st->read32 = io->read32;
		pthread_mutex_lock(&spd_states_mu);
		st->next = spd_states;
		spd_states = st;
		pthread_mutex_unlock(&spd_states_mu);
	}
	espnic_cls_free(st->cls);
	st->cls = NULL;
	st->geom = geom;
	st->spd_n = spd_n;
	st->sa_n = sa_n;
	struct espnic_cls_geom g = {geom & 31, (geom >> 5) & 31, (geom >> 10) & 31,
				    (geom >> 15) & 31, spd_n};
	st->cls = espnic_cls_new(&g, cls_write, st);
	if (!st->cls) {
		*rcp = fail(-errno, "SPD: the card's classifier (geometry 0x%x, %u rules): %s",
			    geom, spd_n, strerror(errno));
		return NULL;
	}
	/* The rules from the rule book (none since a reset), written again. */
	struct espnic_cls_rule *rules = NULL;
	unsigned n = 0;
	int rc = 0;
	if (gen != 0) {
		rules = calloc(spd_n, sizeof(*rules));
		rc = rules ? spd_book_read(io, spd_n, rules, &n)
			   : fail(-ENOMEM, "SPD: out of memory");
	}
	if (!rc && n) {
		cls_begin(st, io);
		rc = espnic_cls_update(st->cls, rules, n, NULL, 0);
		int rc2 = cls_end(st);
		rc = rc ? rc : rc2;
		if (rc) {
			char why[sizeof(last_err)];
			snprintf(why, sizeof(why), "%s",
				 rc == -ENOSPC ? "they do not fit" : last_err);
			fail(rc, "SPD: rewriting the classifier's %u rules: %.180s", n, why);
		}
	}
	free(rules);
	if (rc) {
		espnic_cls_free(st->cls);
		st->cls = NULL;
		*rcp = rc;
		return NULL;
	}
	st->gen = rd(io, ESPNIC_REG_SPD_GEN);
	return st;
}

/* Runs one SPD change (add when rule, else delete) under the lock. */
static int spd_change(const struct espnic_io *io, unsigned index,
		      const struct espnic_spd_rule *rule, bool replace)
{
	struct espnic_cmd cmd;
	char what[48];
	int rc = 0;
	snprintf(what, sizeof(what), "SPD %s (%u)", rule ? "add" : "delete", index);
	if (io->lock)
		io->lock(io->ctx, true);
	struct spd_state *st = spd_state_locked(io, &rc);
	struct espnic_cls_rule cr;
	if (!st)
		goto out;
	if (index >= st->spd_n) {
		rc = fail(-ERANGE, "%s: index out of range (the card has %u rules)", what,
			  st->spd_n);
		goto out;
	}
	bool exists = espnic_cls_get(st->cls, (uint16_t)index) != NULL;
	if (rule && rule->action == ESPNIC_ACT_PROTECT && rule->sa >= st->sa_n) {
		rc = fail(-ERANGE, "%s: SA %u out of range", what, rule->sa);
		goto out;
	}
	if (rule && exists && !replace) {
		rc = fail(-EEXIST, "%s: the card refused the command: %s (%s)", what,
			  espnic_card_status_str(ESPNIC_CMD_STATUS_EXISTS),
			  espnic_card_status_text(ESPNIC_CMD_STATUS_EXISTS));
		goto out;
	}
	if (!rule && !exists) {
		rc = fail(-ENOENT, "%s: the card refused the command: %s (%s)", what,
			  espnic_card_status_str(ESPNIC_CMD_STATUS_NOT_FOUND),
			  espnic_card_status_text(ESPNIC_CMD_STATUS_NOT_FOUND));
		goto out;
	}
	/* The classifier first (nothing changes if the rules do not fit), then
	 * the rule book. */
	cls_begin(st, io);
	if (rule) {
		to_cls_rule(index, rule, &cr);
		rc = espnic_cls_add(st->cls, &cr);
	} else {
		rc = espnic_cls_delete(st->cls, (uint16_t)index);
	}
	int rc2 = cls_end(st);
	if (rc || rc2) {
		rc = rc ? rc : rc2;
		if (rc == -ENOSPC)
			fail(rc, "%s: the rules do not fit the card's classifier", what);
		else if (rc == -EINVAL)
			fail(rc, "%s: a rule the classifier cannot take", what);
		if (rc != -ENOSPC && rc != -EINVAL)
			st->gen = ~0u; /* the card's state is unknown: read it back next time */
		goto out;
	}
	if (rule) {
		uint8_t *d = cmd.payload;
		cmd_init(&cmd, ESPNIC_CMD_SPD_ADD, 1u << ESPNIC_CMD_FLAG_REPLACE, index);
		d[ESPNIC_SPD_FLAGS] =
		    (uint8_t)(rule->src.v6 | rule->any_family << 1 | rule->vlan_match << 2);
		put_le(d + ESPNIC_SPD_VLAN, rule->vlan_match ? rule->vlan : 0, 2);
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
	} else {
		cmd_init(&cmd, ESPNIC_CMD_SPD_DELETE, 0, index);
	}
	rc = run_cmd_locked(io, &cmd, NULL, what);
	st->gen = rc ? ~0u : rd(io, ESPNIC_REG_SPD_GEN);
out:
	if (io->lock)
		io->lock(io->ctx, false);
	return rc;
}

static int spd_install(const struct espnic_io *io, unsigned index,
		       const struct espnic_spd_rule *rule, bool replace)
{
	if (rule->src.v6 != rule->dst.v6 || rule->sport_lo > rule->sport_hi ||
	    rule->dport_lo > rule->dport_hi || rule->action > ESPNIC_ACT_PROTECT)
		return fail(-EINVAL,
			    "SPD add (%u): mixed address families, an empty port range "
			    "or an unknown action",
			    index);
	if (rule->any_family && (rule->src.v6 || rule->src.len || rule->dst.len))
		return fail(-EINVAL,
			    "SPD add (%u): a rule for both families takes no address prefix",
			    index);
	if (rule->vlan_match && rule->vlan > 4095)
		return fail(-EINVAL, "SPD add (%u): VLAN %u is not a VID (0..4095)", index,
			    rule->vlan);
	return spd_change(io, index, rule, replace);
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
	return spd_change(io, index, NULL, false);
}

/* A rule from an SPD_QUERY result: 1 if in use, 0 if empty. */
static int spd_decode(const uint8_t *r, struct espnic_spd_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	if (!(r[ESPNIC_SPDQ_ENABLED] & 1))
		return 0;
	bool v6 = r[ESPNIC_SPD_FLAGS] & 1;
	rule->any_family = r[ESPNIC_SPD_FLAGS] >> 1 & 1;
	rule->vlan_match = r[ESPNIC_SPD_FLAGS] >> 2 & 1;
	rule->vlan = (uint16_t)get_le(r + ESPNIC_SPD_VLAN, 2);
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

static int spd_query_locked(const struct espnic_io *io, unsigned index,
			    struct espnic_spd_rule *rule)
{
	struct espnic_cmd cmd;
	struct espnic_cpl cpl;
	char what[48];
	snprintf(what, sizeof(what), "SPD query (%u)", index);
	cmd_init(&cmd, ESPNIC_CMD_SPD_QUERY, 0, index);
	int rc = run_cmd_locked(io, &cmd, &cpl, what);
	return rc ? rc : spd_decode(cpl.result, rule);
}

/* Queries of the rule book entries in_use marks, pipelined through the ring. */
static int spd_book_query(const struct espnic_io *io, unsigned spd_n, const uint8_t *in_use,
			  struct espnic_cls_rule *rules, unsigned *np)
{
	uint16_t prod = (uint16_t)rd(io, ESPNIC_REG_CMD_PROD);
	uint16_t cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
	uint16_t cpl_cons = (uint16_t)rd(io, ESPNIC_REG_CPL_CONS);
	unsigned next = 0, done = 0, outstanding = 0, polls = 0, want = 0;
	for (unsigned i = 0; i < spd_n; i++)
		want += espnic_slot_in_use(in_use, i);
	*np = 0;
	while (done < want) {
		while (next < spd_n && !espnic_slot_in_use(in_use, next))
			next++;
		while (next < spd_n && outstanding < ESPNIC_CMD_RING_SLOTS &&
		       (uint16_t)(prod - cons) < ESPNIC_CMD_RING_SLOTS) {
			uint32_t slot = ESPNIC_REG_CMD_RING +
					(prod % ESPNIC_CMD_RING_SLOTS) * ESPNIC_CMD_RING_SLOT_BYTES;
			wr(io, slot + 0, (uint32_t)ESPNIC_CMD_SPD_QUERY | (next & 0xffffu) << 16);
			wr(io, slot + 4, QRY_TAG | next);
			wr(io, slot + 8, 0);
			wr(io, slot + 12, 0);
			prod++;
			wr(io, ESPNIC_REG_CMD_PROD, prod);
			outstanding++;
			do
				next++;
			while (next < spd_n && !espnic_slot_in_use(in_use, next));
		}
		uint16_t cpl_prod = (uint16_t)rd(io, ESPNIC_REG_CPL_PROD);
		if (cpl_prod == cpl_cons) {
			if (++polls > ESPNIC_CARD_POLL_LIMIT)
				return fail(-ETIMEDOUT,
					    "SPD: the card did not answer the rule book "
					    "queries");
			idle(io);
			cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
			continue;
		}
		while (cpl_cons != cpl_prod) {
			uint32_t e = ESPNIC_REG_CPL_RING + (cpl_cons % ESPNIC_CPL_RING_SLOTS) *
							       ESPNIC_CPL_RING_SLOT_BYTES;
			uint32_t tag = rd(io, e + ESPNIC_CPL_TAG);
			uint32_t w1 = rd(io, e + 4);
			cpl_cons++;
			if ((tag & 0xff000000u) != QRY_TAG)
				continue; /* an older completion nobody waits for */
			done++;
			outstanding--;
			int rc = espnic_card_status_errno(w1 & 0xff);
			if (rc) {
				wr(io, ESPNIC_REG_CPL_CONS, cpl_cons);
				return fail(rc, "SPD: reading the rule book: %s",
					    espnic_card_status_str(w1 & 0xff));
			}
			uint8_t res[ESPNIC_SPDQ_LAYOUT_BYTES + 3];
			for (size_t i = 0; i < ESPNIC_SPDQ_LAYOUT_BYTES; i += 4)
				put_le(res + i, rd(io, e + ESPNIC_CPL_RESULT + (uint32_t)i), 4);
			struct espnic_spd_rule r;
			if (spd_decode(res, &r))
				to_cls_rule(tag & 0xffffu, &r, &rules[(*np)++]);
		}
		wr(io, ESPNIC_REG_CPL_CONS, cpl_cons);
		cons = (uint16_t)rd(io, ESPNIC_REG_CMD_CONS);
	}
	return 0;
}

/* The whole rule book, as classifier rules (a process that finds the SPD
 * changed by another reads it all): which rules are in use (SPD_LIST), then
 * a query of each, pipelined through the ring. */
static int spd_book_read(const struct espnic_io *io, unsigned spd_n, struct espnic_cls_rule *rules,
			 unsigned *np)
{
	uint8_t *in_use = malloc((spd_n + 7) / 8);
	if (!in_use)
		return fail(-ENOMEM, "SPD: out of memory");
	int rc = used_locked(io, ESPNIC_CMD_SPD_LIST, 0, spd_n, in_use);
	if (!rc)
		rc = spd_book_query(io, spd_n, in_use, rules, np);
	free(in_use);
	return rc;
}

int espnic_card_spd_read(const struct espnic_io *io, unsigned index, struct espnic_spd_rule *rule)
{
	if (io->lock)
		io->lock(io->ctx, true);
	int rc = spd_query_locked(io, index, rule);
	if (io->lock)
		io->lock(io->ctx, false);
	return rc;
}

int espnic_card_spd_stats(const struct espnic_io *io, struct espnic_card_spd_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&spd_states_mu);
	struct spd_state *st = *spd_find(io);
	if (st && st->cls) {
		struct espnic_cls_stats cs;
		espnic_cls_get_stats(st->cls, &cs);
		s->rules = cs.rules;
		s->depth = cs.depth;
		s->nodes = cs.nodes;
		s->leaves = cs.leaves;
		s->last_writes = cs.writes;
		s->commands = st->cmds;
	}
	pthread_mutex_unlock(&spd_states_mu);
	return st ? 0 : -ENOENT;
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
	espnic_card_spd_forget(io);
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

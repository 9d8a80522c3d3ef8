/* espnic_dev.c: the libespnic API (espnic.h) over a backend's espnic_io and
 * the register-level card access of espnic_card.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "espnic_simproto.h"

static _Thread_local char open_err[256];

const char *espnic_open_error(void)
{
	return open_err;
}

/* Fail closed: a card opened through libespnic discards egress frames that
 * no rule matches (CONTROL's DEFAULT_DISCARD) unless the handle's caller chose
 * bypass with espnic_set_default_discard(dev, false); a reset, which clears
 * CONTROL, keeps that choice. CONTROL is written only when it differs. */
static int apply_default(espnic_dev *dev)
{
	uint32_t ctl = dev->io.read32(dev->io.ctx, ESPNIC_REG_CONTROL);
	bool discard = !dev->bypass_default;
	if (((ctl >> ESPNIC_CTRL_DEFAULT_DISCARD) & 1u) == discard)
		return 0;
	int rc = espnic_card_set_default_discard(&dev->io, discard);
	dev->be->flush(dev->io.ctx);
	return rc;
}

int espnic_open(const char *spec, espnic_dev **devp)
{
	struct espnic_dev *dev;
	int rc;
	*devp = NULL;
	open_err[0] = 0;
	if (!spec) {
		snprintf(open_err, sizeof(open_err), "no device given");
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (strncmp(spec, "sim:", 4) == 0)
		rc = espnic_sim_open(dev, spec + 4, open_err, sizeof(open_err));
	else if (strncmp(spec, "pci:", 4) == 0)
		rc = espnic_pci_open(dev, spec + 4, open_err, sizeof(open_err));
	else {
		snprintf(open_err, sizeof(open_err),
			 "%s: a device is sim:NAME, sim:/path/to.sock or pci:DOMAIN:BUS:SLOT.FUNC",
			 spec);
		rc = -EINVAL;
	}
	if (rc) {
		free(dev);
		return rc;
	}
	/* Make sure it is a card: the identification register. */
	struct espnic_card_info info;
	rc = espnic_card_info(&dev->io, &info);
	char berr[200] = "";
	int brc = dev->be->check(dev->io.ctx, berr, sizeof(berr));
	if (brc || rc) {
		if (brc)
			snprintf(open_err, sizeof(open_err), "%s", berr);
		else
			snprintf(open_err, sizeof(open_err),
				 "%s: no espnic card there (magic 0x%08x)", spec, info.magic);
		dev->be->close(dev->io.ctx);
		free(dev);
		return brc ? brc : rc;
	}
	rc = apply_default(dev);
	if (rc) {
		snprintf(open_err, sizeof(open_err), "%s: setting the default discard: %s", spec,
			 strerror(-rc));
		dev->be->close(dev->io.ctx);
		free(dev);
		return rc;
	}
	*devp = dev;
	return 0;
}

/* The "io" backend: registers reached by the caller (espnic_open_io). */
struct io_ctx {
	struct espnic_io inner;
	int event_fd;
};

static uint32_t io_read32(void *ctx, uint32_t offset)
{
	struct io_ctx *c = ctx;
	return c->inner.read32(c->inner.ctx, offset);
}

static void io_write32(void *ctx, uint32_t offset, uint32_t value)
{
	struct io_ctx *c = ctx;
	c->inner.write32(c->inner.ctx, offset, value);
}

static void io_idle(void *ctx)
{
	struct io_ctx *c = ctx;
	if (c->inner.idle)
		c->inner.idle(c->inner.ctx);
}

static void io_lock(void *ctx, bool hold)
{
	struct io_ctx *c = ctx;
	if (c->inner.lock)
		c->inner.lock(c->inner.ctx, hold);
}

static int io_check(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	return 0;
}

static void io_flush(void *ctx)
{
	(void)ctx;
}

static int io_event_fd(void *ctx)
{
	struct io_ctx *c = ctx;
	return c->event_fd >= 0 ? c->event_fd : -ENOTSUP;
}

static void io_event_ack(void *ctx)
{
	(void)ctx;
}

static void io_close(void *ctx)
{
	free(ctx);
}

static const struct espnic_backend io_backend = {
    "io", io_check, io_flush, io_event_fd, io_event_ack, io_close,
};

int espnic_open_io(const struct espnic_io *io, const char *name, int event_fd, espnic_dev **devp)
{
	struct espnic_dev *dev;
	struct io_ctx *c;
	struct espnic_card_info info;
	int rc;
	*devp = NULL;
	open_err[0] = 0;
	if (!io || !io->read32 || !io->write32) {
		snprintf(open_err, sizeof(open_err), "no register access given");
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	c = calloc(1, sizeof(*c));
	if (!dev || !c) {
		free(dev);
		free(c);
		return -ENOMEM;
	}
	c->inner = *io;
	c->event_fd = event_fd;
	dev->be = &io_backend;
	dev->io = (struct espnic_io){io_read32, io_write32, io_idle, c, io_lock};
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "io");
	rc = espnic_card_info(&dev->io, &info);
	if (rc) {
		snprintf(open_err, sizeof(open_err), "%s: no espnic card there (magic 0x%08x)",
			 dev->name, info.magic);
		free(c);
		free(dev);
		return rc;
	}
	rc = apply_default(dev);
	if (rc) {
		snprintf(open_err, sizeof(open_err), "%s: setting the default discard: %s",
			 dev->name, strerror(-rc));
		free(c);
		free(dev);
		return rc;
	}
	*devp = dev;
	return 0;
}

void espnic_close(espnic_dev *dev)
{
	if (!dev)
		return;
	espnic_card_spd_forget(&dev->io);
	dev->be->close(dev->io.ctx);
	free(dev);
}

const char *espnic_error(const espnic_dev *dev)
{
	return dev->err;
}

/* The result of a card call: a transport failure wins over the card's answer. */
static int finish(espnic_dev *dev, int rc, const char *what)
{
	char berr[200];
	int brc = dev->be->check(dev->io.ctx, berr, sizeof(berr));
	if (brc) {
		snprintf(dev->err, sizeof(dev->err), "%.63s: %.180s", dev->name, berr);
		return brc;
	}
	if (rc < 0) {
		const char *why = rc == -ERANGE		   ? "index out of range"
				  : rc == -EPROTONOSUPPORT ? "algorithm not carried by the card"
				  : rc == -ETIMEDOUT	   ? "the card did not finish the command"
				  : rc == -EBUSY ? "the card was busy with another command"
						 : strerror(-rc);
		snprintf(dev->err, sizeof(dev->err), "%s: %s: %s", dev->name, what, why);
	} else {
		dev->err[0] = 0;
	}
	return rc;
}

int espnic_get_caps(espnic_dev *dev, struct espnic_caps *caps)
{
	struct espnic_card_info info;
	int rc = espnic_card_info(&dev->io, &info);
	memset(caps, 0, sizeof(*caps));
	snprintf(caps->backend, sizeof(caps->backend), "%s", dev->be->kind);
	snprintf(caps->name, sizeof(caps->name), "%s", dev->name);
	if (rc == 0) {
		caps->version = info.version;
		caps->data_w = info.data_w;
		caps->sa_n = info.sa_n;
		caps->spd_n = info.spd_n;
		caps->mtu = info.mtu;
		/* Register map version 1.x carries AES-GCM only, both modes, NAT-T, ESN. */
		caps->algs = 1u << ESPNIC_ALG_AES_GCM_128 | 1u << ESPNIC_ALG_AES_GCM_256;
		caps->udp_encap = caps->esn = caps->transport = true;
		caps->max_replay_window = 1024;
	}
	return finish(dev, rc, "capabilities");
}

int espnic_set_mtu(espnic_dev *dev, uint16_t mtu)
{
	int rc = espnic_card_set_mtu(&dev->io, mtu);
	dev->be->flush(dev->io.ctx);
	return finish(dev, rc, "set MTU");
}

int espnic_set_default_discard(espnic_dev *dev, bool discard)
{
	int rc = espnic_card_set_default_discard(&dev->io, discard);
	dev->be->flush(dev->io.ctx);
	if (rc == 0)
		dev->bypass_default = !discard;
	return finish(dev, rc, "set default action");
}

int espnic_reset(espnic_dev *dev)
{
	int rc = espnic_card_reset(&dev->io);
	if (rc == 0)
		rc = apply_default(dev);
	return finish(dev, rc, "reset");
}

int espnic_sa_add(espnic_dev *dev, unsigned index, const struct espnic_sa *sa)
{
	int rc = espnic_card_sa_write(&dev->io, index, sa);
	/* The key wipe of the staging buffer must reach the card now. */
	dev->be->flush(dev->io.ctx);
	return finish(dev, rc, "SA add");
}

int espnic_sa_delete(espnic_dev *dev, bool inbound, unsigned index)
{
	return finish(dev, espnic_card_sa_delete(&dev->io, inbound, index), "SA delete");
}

int espnic_sa_get(espnic_dev *dev, bool inbound, unsigned index, struct espnic_sa_status *st)
{
	return finish(dev, espnic_card_sa_read(&dev->io, inbound, index, st), "SA read");
}

int espnic_sa_used(espnic_dev *dev, bool inbound, uint8_t *bits)
{
	struct espnic_card_info info;
	int rc = espnic_card_info(&dev->io, &info);
	if (rc == 0)
		rc = espnic_card_sa_used(&dev->io, inbound, info.sa_n, bits);
	return finish(dev, rc, "SA list");
}

int espnic_spd_used(espnic_dev *dev, uint8_t *bits)
{
	struct espnic_card_info info;
	int rc = espnic_card_info(&dev->io, &info);
	if (rc == 0)
		rc = espnic_card_spd_used(&dev->io, info.spd_n, bits);
	return finish(dev, rc, "SPD list");
}

int espnic_spd_add(espnic_dev *dev, unsigned index, const struct espnic_spd_rule *rule)
{
	return finish(dev, espnic_card_spd_write(&dev->io, index, rule), "SPD add");
}

int espnic_spd_delete(espnic_dev *dev, unsigned index)
{
	return finish(dev, espnic_card_spd_delete(&dev->io, index), "SPD delete");
}

int espnic_spd_get(espnic_dev *dev, unsigned index, struct espnic_spd_rule *rule)
{
	return finish(dev, espnic_card_spd_read(&dev->io, index, rule), "SPD read");
}

int espnic_counters(espnic_dev *dev, uint64_t counters[ESPNIC_PORT_COUNTERS])
{
	return finish(dev, espnic_card_counters(&dev->io, counters), "counters");
}

int espnic_event_fd(espnic_dev *dev)
{
	int fd = dev->be->event_fd(dev->io.ctx);
	if (fd < 0)
		snprintf(dev->err, sizeof(dev->err), "%s: event descriptor: %s", dev->name,
			 strerror(-fd));
	return fd;
}

int espnic_event_next(espnic_dev *dev, struct espnic_event *ev)
{
	dev->be->event_ack(dev->io.ctx);
	return finish(dev, espnic_card_event_pop(&dev->io, ev), "event");
}

int espnic_reg_read(espnic_dev *dev, uint32_t offset, uint32_t *value)
{
	*value = dev->io.read32(dev->io.ctx, offset);
	return finish(dev, 0, "register read");
}

int espnic_reg_write(espnic_dev *dev, uint32_t offset, uint32_t value)
{
	dev->io.write32(dev->io.ctx, offset, value);
	dev->be->flush(dev->io.ctx);
	return finish(dev, 0, "register write");
}

static int list_sim(struct espnic_dev_entry **list, size_t *n, size_t *cap)
{
	const char *dir = getenv("ESPNIC_RUN_DIR");
	if (!dir || !*dir)
		dir = ESPNIC_SIM_RUN_DIR;
	DIR *dp = opendir(dir);
	if (!dp)
		return 0; /* no run directory: no simulated card */
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || len - 5 >= sizeof((*list)->name) ||
		    strcmp(de->d_name + len - 5, ".sock") != 0)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 8;
			struct espnic_dev_entry *l = realloc(*list, ncap * sizeof(**list));
			if (!l) {
				closedir(dp);
				return -ENOMEM;
			}
			*list = l;
			*cap = ncap;
		}
		struct espnic_dev_entry *e = &(*list)[(*n)++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%.*s", (int)(len - 5), de->d_name);
		snprintf(e->spec, sizeof(e->spec), "sim:%s", e->name);
		snprintf(e->backend, sizeof(e->backend), "sim");
	}
	closedir(dp);
	return 0;
}

int espnic_list(struct espnic_dev_entry **list, size_t *n)
{
	size_t cap = 0;
	int rc;
	*list = NULL;
	*n = 0;
	rc = list_sim(list, n, &cap);
	if (!rc)
		rc = espnic_pci_list(list, n, &cap);
	if (rc) {
		free(*list);
		*list = NULL;
		*n = 0;
	}
	return rc;
}

void espnic_list_free(struct espnic_dev_entry *list)
{
	free(list);
}

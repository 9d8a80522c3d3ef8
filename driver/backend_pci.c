/* backend_pci.c: libespnic on a PCI card: libpci finds the device and reads
 * its configuration space; BAR0 is mapped from sysfs (devices/ADDR/resource0)
 * and registers are 32-bit loads and stores. The sysfs root is
 * $ESPNIC_SYSFS_ROOT (default /sys/bus/pci), so tests use a fake tree. There
 * is no interrupt path through sysfs: the event fd is a 10 ms timer. */
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

#define DEFAULT_SYSFS	"/sys/bus/pci"
#define EVENT_POLL_NS	10000000
#define PCI_COMMAND_MEM 0x2

struct pci_conn {
	volatile uint32_t *bar;
	size_t bar_len;
	int fd, ev_fd;
	int failed;
	char msg[160];
};

/* libpci reports errors through a callback that must not return (the attribute, not
 * _Noreturn, is what clang carries into the function's type, which libpci's is). */
static _Thread_local jmp_buf pci_jmp;
static _Thread_local char pci_msg[160];

__attribute__((noreturn, format(printf, 1, 2))) static void pci_fail(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(pci_msg, sizeof(pci_msg), msg, ap);
	va_end(ap);
	longjmp(pci_jmp, 1);
}

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

static const char *sysfs_root(void)
{
	const char *r = getenv("ESPNIC_SYSFS_ROOT");
	return r && *r ? r : DEFAULT_SYSFS;
}

static struct pci_access *pci_start(void)
{
	struct pci_access *pacc = pci_alloc();
	if (!pacc)
		return NULL;
	pacc->error = pci_fail;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", (char *)sysfs_root());
	pci_init(pacc);
	return pacc;
}

static uint32_t pci_read32(void *ctx, uint32_t offset)
{
	struct pci_conn *c = ctx;
	if ((size_t)offset + 4 > c->bar_len || (offset & 3)) {
		if (!c->failed) {
			c->failed = -EFAULT;
			snprintf(c->msg, sizeof(c->msg), "register 0x%x outside BAR0", offset);
		}
		return 0xffffffffu;
	}
	return c->bar[offset / 4];
}

static void pci_write32(void *ctx, uint32_t offset, uint32_t value)
{
	struct pci_conn *c = ctx;
	if ((size_t)offset + 4 > c->bar_len || (offset & 3)) {
		if (!c->failed) {
			c->failed = -EFAULT;
			snprintf(c->msg, sizeof(c->msg), "register 0x%x outside BAR0", offset);
		}
		return;
	}
	c->bar[offset / 4] = value;
}

static void pci_idle(void *ctx)
{
	struct timespec t = {0, 1000};
	(void)ctx;
	nanosleep(&t, NULL);
}

/* Every process running commands on the card locks its BAR file. */
static void pci_lock(void *ctx, bool hold)
{
	struct pci_conn *c = ctx;
	while (flock(c->fd, hold ? LOCK_EX : LOCK_UN) < 0 && errno == EINTR)
		;
}

static int pci_check(void *ctx, char *err, size_t errlen)
{
	struct pci_conn *c = ctx;
	int rc = c->failed;
	if (rc)
		snprintf(err, errlen, "%s", c->msg);
	c->failed = 0;
	return rc;
}

static void pci_flush(void *ctx)
{
	(void)ctx;
	__sync_synchronize();
}

static int pci_event_fd(void *ctx)
{
	struct pci_conn *c = ctx;
	if (c->ev_fd >= 0)
		return c->ev_fd;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec it = {{0, EVENT_POLL_NS}, {0, EVENT_POLL_NS}};
	if (fd < 0 || timerfd_settime(fd, 0, &it, NULL) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	c->ev_fd = fd;
	return fd;
}

static void pci_event_ack(void *ctx)
{
	struct pci_conn *c = ctx;
	uint64_t ticks;
	if (c->ev_fd >= 0 && read(c->ev_fd, &ticks, sizeof(ticks)) < 0)
		return;
}

static void pci_close(void *ctx)
{
	struct pci_conn *c = ctx;
	munmap((void *)c->bar, c->bar_len);
	close(c->fd);
	if (c->ev_fd >= 0)
		close(c->ev_fd);
	free(c);
}

static const struct espnic_backend pci_backend = {
    "pci", pci_check, pci_flush, pci_event_fd, pci_event_ack, pci_close,
};

/* Check the device through libpci: an espnic card with memory decoding on. */
static int pci_probe(int dom, int bus, int slot, int func, char *err, size_t errlen)
{
	struct pci_access *volatile pacc = NULL;
	struct pci_dev *volatile d = NULL;
	volatile int rc = 0;
	if (setjmp(pci_jmp)) {
		snprintf(err, errlen, "libpci: %s", pci_msg);
		rc = -ENODEV;
		goto out;
	}
	pacc = pci_start();
	if (!pacc)
		return -ENOMEM;
	d = pci_get_dev(pacc, dom, bus, slot, func);
	if (!d) {
		snprintf(err, errlen, "no such PCI device");
		rc = -ENODEV;
		goto out;
	}
	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
	if (d->vendor_id != ESPNIC_PCI_VENDOR || d->device_id != ESPNIC_PCI_DEVICE) {
		snprintf(err, errlen, "%04x:%04x is not an espnic card (%04x:%04x)", d->vendor_id,
			 d->device_id, ESPNIC_PCI_VENDOR, ESPNIC_PCI_DEVICE);
		rc = -ENODEV;
	} else if (!(pci_read_word(d, PCI_COMMAND) & PCI_COMMAND_MEM)) {
		snprintf(err, errlen, "memory decoding is off (enable the device first)");
		rc = -EIO;
	}
out:
	if (d)
		pci_free_dev(d);
	if (pacc)
		pci_cleanup(pacc);
	return rc;
}

int espnic_pci_open(struct espnic_dev *dev, const char *addr, char *err, size_t errlen)
{
	unsigned dom = 0, bus, slot, func;
	char tail;
	char path[512], slotname[32];
	struct stat st;
	if (sscanf(addr, "%x:%x:%x.%x%c", &dom, &bus, &slot, &func, &tail) != 4) {
		dom = 0;
		if (sscanf(addr, "%x:%x.%x%c", &bus, &slot, &func, &tail) != 3) {
			snprintf(err, errlen, "pci:%s: expected DOMAIN:BUS:SLOT.FUNC", addr);
			return -EINVAL;
		}
	}
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || func > 7) {
		snprintf(err, errlen, "pci:%s: address out of range", addr);
		return -EINVAL;
	}
	snprintf(slotname, sizeof(slotname), "%04x:%02x:%02x.%x", dom, bus, slot, func);
	char perr[200];
	int rc = pci_probe((int)dom, (int)bus, (int)slot, (int)func, perr, sizeof(perr));
	if (rc) {
		snprintf(err, errlen, "pci:%s: %s", slotname, perr);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/devices/%s/resource0", sysfs_root(), slotname);
	struct pci_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ev_fd = -1;
	c->fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st) < 0 || st.st_size < 4096) {
		int e = c->fd < 0 ? errno : EIO;
		snprintf(err, errlen, "pci:%s: BAR0 %s: %s", slotname, path,
			 c->fd < 0 ? strerror(e) : "too small");
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return -e;
	}
	c->bar_len = (size_t)st.st_size;
	void *bar = mmap(NULL, c->bar_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (bar == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "pci:%s: mmap %s: %s", slotname, path, strerror(e));
		close(c->fd);
		free(c);
		return -e;
	}
	c->bar = bar;
	dev->be = &pci_backend;
	dev->io = (struct espnic_io){pci_read32, pci_write32, pci_idle, c, pci_lock};
	snprintf(dev->name, sizeof(dev->name), "%s", slotname);
	return 0;
}

int espnic_pci_list(struct espnic_dev_entry **list, size_t *n, size_t *cap)
{
	struct pci_access *volatile pacc = NULL;
	volatile int rc = 0;
	if (setjmp(pci_jmp)) {
		rc = 0; /* no PCI bus to scan is no card */
		goto out;
	}
	pacc = pci_start();
	if (!pacc)
		return -ENOMEM;
	pci_scan_bus(pacc);
	for (struct pci_dev *d = pacc->devices; d; d = d->next) {
		pci_fill_info(d, PCI_FILL_IDENT);
		if (d->vendor_id != ESPNIC_PCI_VENDOR || d->device_id != ESPNIC_PCI_DEVICE)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 8;
			struct espnic_dev_entry *l = realloc(*list, ncap * sizeof(**list));
			if (!l) {
				rc = -ENOMEM;
				break;
			}
			*list = l;
			*cap = ncap;
		}
		struct espnic_dev_entry *e = &(*list)[(*n)++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%04x:%02x:%02x.%x", d->domain, d->bus, d->dev,
			 d->func);
		snprintf(e->spec, sizeof(e->spec), "pci:%s", e->name);
		snprintf(e->backend, sizeof(e->backend), "pci");
	}
out:
	if (pacc)
		pci_cleanup(pacc);
	return rc;
}

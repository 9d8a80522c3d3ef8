/* test_pci_backend.c: libespnic's PCI backend against a fake sysfs tree
 * (ESPNIC_SYSFS_ROOT): libpci finds the card among other devices and reads
 * its configuration space; BAR0 is a regular file the backend maps, so what
 * the driver writes lands in the file and what the test writes there is what
 * the driver reads. No card answers commands here: STATUS/completion words
 * are whatever the file holds, so this checks the access path, not the card.
 * cmocka: the tree is made once for all tests. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "espnic.h"

#define BAR_SIZE (64 * 1024)

static char root[64];

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void put_text(const char *dir, const char *name, const char *text)
{
	put_file(dir, name, text, strlen(text));
}

/* A device directory: identity, configuration space (command register
 * memory bit as given), resource list and, for espnic, a BAR0 file. */
static void make_dev(const char *slot, uint16_t vendor, uint16_t device, bool mem_on, bool bar)
{
	char dir[192], txt[64];
	uint8_t config[256] = {0};
	snprintf(dir, sizeof(dir), "%s/devices", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/devices/%s", root, slot);
	mkdir(dir, 0755);
	config[0] = (uint8_t)vendor;
	config[1] = (uint8_t)(vendor >> 8);
	config[2] = (uint8_t)device;
	config[3] = (uint8_t)(device >> 8);
	config[4] = mem_on ? 0x06 : 0x00;
	config[0x0b] = 0x02; /* network controller */
	put_file(dir, "config", config, sizeof(config));
	snprintf(txt, sizeof(txt), "0x%04x\n", vendor);
	put_text(dir, "vendor", txt);
	snprintf(txt, sizeof(txt), "0x%04x\n", device);
	put_text(dir, "device", txt);
	put_text(dir, "class", "0x020000\n");
	put_text(dir, "irq", "0\n");
	put_text(dir, "resource", "0x00000000fb000000 0x00000000fb00ffff 0x0000000000040200\n");
	if (bar) {
		static uint32_t regs[BAR_SIZE / 4];
		memset(regs, 0, sizeof(regs));
		regs[ESPNIC_REG_MAGIC / 4] = ESPNIC_MAGIC;
		regs[ESPNIC_REG_VERSION / 4] = ESPNIC_VERSION;
		regs[ESPNIC_REG_DATA_W / 4] = 512;
		regs[ESPNIC_REG_SA_N / 4] = 1024;
		regs[ESPNIC_REG_SPD_N / 4] = 256;
		regs[ESPNIC_REG_MTU / 4] = 1500;
		put_file(dir, "resource0", regs, sizeof(regs));
	}
}

static uint32_t bar_word(const char *slot, uint32_t off)
{
	char path[192];
	uint32_t v = 0xdeadbeef;
	snprintf(path, sizeof(path), "%s/devices/%s/resource0", root, slot);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &v, 4, off) != 4)
		v = 0xdeadbeef;
	if (fd >= 0)
		close(fd);
	return v;
}

/* The tree: espnic at 0000:3b:00.0, a virtio-net card, and an espnic card
 * with memory decoding off at 0000:5e:00.0. */
static int tree_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/espnic-fakesysfs-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("ESPNIC_SYSFS_ROOT", root, 1);
	setenv("ESPNIC_RUN_DIR", root, 1); /* no simulated cards in the listing */
	make_dev("0000:3b:00.0", ESPNIC_PCI_VENDOR, ESPNIC_PCI_DEVICE, true, true);
	make_dev("0000:00:04.0", 0x1af4, 0x1000, true, false); /* virtio-net */
	make_dev("0000:5e:00.0", ESPNIC_PCI_VENDOR, ESPNIC_PCI_DEVICE, false, true);
	return 0;
}

static int tree_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The card opened (domain 0 implied) for one test. */
static int card_setup(void **state)
{
	espnic_dev *dev;
	if (espnic_open("pci:3b:00.0", &dev) != 0) {
		fprintf(stderr, "open: %s\n", espnic_open_error());
		return -1;
	}
	*state = dev;
	return 0;
}

static int card_teardown(void **state)
{
	espnic_close(*state);
	return 0;
}

/* Discovery through libpci: only the espnic cards. */
static void test_discovery(void **state)
{
	(void)state;
	struct espnic_dev_entry *list;
	size_t n;
	assert_int_equal(espnic_list(&list, &n), 0);
	assert_int_equal(n, 2);
	bool saw3b = false, saw00 = false;
	for (size_t i = 0; i < n; i++) {
		saw3b |= strcmp(list[i].spec, "pci:0000:3b:00.0") == 0;
		saw00 |= strstr(list[i].spec, "00:04.0") != NULL;
		assert_string_equal(list[i].backend, "pci");
	}
	espnic_list_free(list);
	assert_true(saw3b);
	assert_false(saw00);
}

static void test_open_missing(void **state)
{
	(void)state;
	espnic_dev *dev;
	assert_true(espnic_open("pci:0000:3b:00.1", &dev) < 0);
	assert_null(dev);
}

static void test_open_not_espnic(void **state)
{
	(void)state;
	espnic_dev *dev;
	assert_int_equal(espnic_open("pci:0000:00:04.0", &dev), -ENODEV);
	assert_non_null(strstr(espnic_open_error(), "not an espnic card"));
}

static void test_open_memory_off(void **state)
{
	(void)state;
	espnic_dev *dev;
	assert_int_equal(espnic_open("pci:0000:5e:00.0", &dev), -EIO);
	assert_non_null(strstr(espnic_open_error(), "memory decoding"));
}

static void test_open_bad_address(void **state)
{
	(void)state;
	espnic_dev *dev;
	assert_int_equal(espnic_open("pci:3b:00.9", &dev), -EINVAL);
}

/* The card: identification through the mapped BAR. */
static void test_identification(void **state)
{
	espnic_dev *dev = *state;
	struct espnic_caps caps;
	assert_int_equal(espnic_get_caps(dev, &caps), 0);
	assert_string_equal(caps.backend, "pci");
	assert_string_equal(caps.name, "0000:3b:00.0");
	assert_int_equal(caps.data_w, 512);
	assert_int_equal(caps.sa_n, 1024);
	assert_int_equal(caps.spd_n, 256);
	assert_int_equal(caps.mtu, 1500);
}

/* Stores reach the file, loads come from it. */
static void test_bar_access(void **state)
{
	espnic_dev *dev = *state;
	assert_int_equal(espnic_set_mtu(dev, 1400), 0);
	assert_int_equal(bar_word("0000:3b:00.0", ESPNIC_REG_MTU), 1400);
	assert_int_equal(espnic_reg_write(dev, 0x800, 0xa5a5f00d), 0);
	assert_int_equal(bar_word("0000:3b:00.0", 0x800), 0xa5a5f00d);
	uint32_t v = 0;
	assert_int_equal(espnic_reg_read(dev, ESPNIC_REG_SA_N, &v), 0);
	assert_int_equal(v, 1024);
}

/* Outside the BAR: an error, not a crash. */
static void test_outside_bar(void **state)
{
	espnic_dev *dev = *state;
	uint32_t v = 0;
	assert_int_equal(espnic_reg_read(dev, BAR_SIZE, &v), -EFAULT);
	assert_non_null(strstr(espnic_error(dev), "outside BAR0"));
}

/* The event fd ticks (no interrupts through sysfs); no events waiting. */
static void test_event_fd_ticks(void **state)
{
	espnic_dev *dev = *state;
	int efd = espnic_event_fd(dev);
	assert_true(efd >= 0);
	struct pollfd p = {.fd = efd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 1000), 1);
}

#define CARD_TEST(fn) cmocka_unit_test_setup_teardown(fn, card_setup, card_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discovery),
	    cmocka_unit_test(test_open_missing),
	    cmocka_unit_test(test_open_not_espnic),
	    cmocka_unit_test(test_open_memory_off),
	    cmocka_unit_test(test_open_bad_address),
	    CARD_TEST(test_identification),
	    CARD_TEST(test_bar_access),
	    CARD_TEST(test_outside_bar),
	    CARD_TEST(test_event_fd_ticks),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

// SPDX-License-Identifier: MIT
/*
 * Host tests of the guest lifecycle (hv/guest.c) over a scripted fake vCPU: guests_run_all()
 * creates the guest from a configuration (RAM, image, device, nested table, BARs, boot info),
 * runs it, and turns its exits into a verdict. The fake vcpu_arch_* backend records what it was
 * given and plays a script of exits, writing each hypercall's request into guest memory through
 * the nested table the hypervisor built (so the GPA->HPA mapping is checked too). PCI
 * configuration space and the IOMMU lookup are stubs; the IOASID core, the page-table engine and
 * the teardown quiesce (drivers/pci/pci_quiesce.c, over the stubbed configuration space) are the
 * real ones. The stubbed IOMMU poll models VT-d's fault-recording register: a fault recorded
 * there reaches the core (and the device's owner at that time) only when it is polled.
 */
#include <string.h>

#include <hv/acpi.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/irq_route.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <hv/smp.h>
#include <hv/vcpu.h>
#include <ioasid/abi.h>

#include "ioasid/core.h"
#include "ioasid/pt.h"
#include "tests/host/harness.h"
#include "tests/host/mock_iommu.h"
#define TEST_MAIN
#include "test.h"

#define REQ_GPA 0x8000ULL /* where the script puts hypercall requests */
#define BUF_GPA 0x9000ULL
#define BAR_HPA 0xfe000000ULL

/* ---- stubs: PCI, the IOMMU lookup ---- */

struct pci_info hv_pci;
struct acpi_info hv_acpi;
static uint32_t pci_command;
static struct mock_iommu mock;
#define DEV_RID	  (1u << 3) /* 00:01.0 */
#define FAULT_ADR 0xbad0000ULL
static bool fault_recorded; /* the IOMMU's fault-recording register holds one for DEV_RID */
static struct {
	unsigned bm_off;		     /* writes that switched bus mastering off */
	enum ioasid_hw_mode route_at_bm_off; /* the device's IOMMU route at that moment */
} quiesce;

const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *p = &pci->devs[i];

		if (p->segment == segment && p->bus == bus && p->devfn == devfn) {
			return p;
		}
	}
	return NULL;
}

uint32_t pci_cfg_read(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		      unsigned width)
{
	(void)acpi, (void)segment, (void)bus, (void)devfn, (void)width;
	return off == PCI_COMMAND ? pci_command : 0;
}

int pci_cfg_write(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned width, uint32_t val)
{
	(void)acpi, (void)segment, (void)bus, (void)devfn, (void)width;
	if (off == PCI_COMMAND) {
		if ((pci_command & PCI_COMMAND_MASTER) && !(val & PCI_COMMAND_MASTER)) {
			const struct mock_route *r = mock_route_get(&mock, DEV_RID, false, 0);

			quiesce.bm_off++;
			quiesce.route_at_bm_off = r != NULL ? r->cfg.mode : 0;
		}
		pci_command = val;
	}
	return 0;
}

int guest_iommu_takeover(void)
{
	return 1;
}

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	(void)segment;
	*u = &mock.unit;
	*rid = bdf;
	return 0;
}

void guest_iommu_poll(void)
{
	if (fault_recorded) {
		fault_recorded = false;
		ioasid_report_fault(&mock.unit, DEV_RID, false, 0, FAULT_ADR, IOASID_FAULT_ACCESS_WRITE,
				    IOASID_FAULT_REASON_NOT_PRESENT);
	}
}

/* The mock unit raises no fault interrupt: FAULT_READ collects like a poll. */
void guest_iommu_collect_faults(void)
{
	guest_iommu_poll();
}

/* ---- the fake vCPU ---- */

static uint8_t image[256]; /* the guest image boot/ would have loaded */

enum step_kind { STEP_CONSOLE, STEP_EXIT, STEP_STOP, STEP_INSPECT, STEP_FAULT_READ, STEP_HALT, STEP_IRQ_ROUTE };
#define MAX_STEPS 32
static struct {
	struct vcpu_setup setup;
	unsigned created, destroyed, dumps, runs, nsteps;
	enum step_kind steps[MAX_STEPS];
	uint32_t exit_code;
	long results[MAX_STEPS];
	/* STEP_IRQ_ROUTE: the request of step k (irq_size[k]: its size field; 0 = sizeof) */
	struct ioasid_irq_route irq[MAX_STEPS];
	uint32_t irq_size[MAX_STEPS];
	bool fault_before[MAX_STEPS]; /* STEP_FAULT_READ: the device faults first */
	/* the fake arch's MSI routes and raised virqs */
	unsigned routes_set, routes_cleared, routes_live, raised;
	int route_set_err;
	uint32_t raised_virq;
	unsigned raised_on; /* the vCPU's index */
	struct msi_route *live[8];
	/* STEP_INSPECT: what the guest would see, read through the nested table */
	bool image_ok, tables_ok;
	struct guest_boot_info info;
	unsigned bar_prot;
	uint64_t bar_pte;
	bool bar_identity;
	uint32_t cmd_at_inspect;
	/* teardown scripting: make the first detach fail / leave a fault recorded at exit */
	bool fail_detach, fault_at_exit;
	uint32_t fault_records; /* STEP_FAULT_READ: out_num_records */
	/* STEP_HALT: vcpu_arch_wake_pending says "nothing" wake_after times, then "something" */
	unsigned wake_after, wake_polls, groups_made, groups_freed;
} fv;

/* The guests run on the boot CPU here (no `cpus`): this thread is CPU 0. */
__attribute__((constructor)) static void boot_cpu(void)
{
	smp_boot_cpu_init(0);
}

int vcpu_arch_cpu_init(void)
{
	return 0;
}

bool vcpu_arch_entry_ok(gpa_t entry)
{
	(void)entry;
	return true;
}

int vcpu_arch_reset(struct vcpu *v, const struct vcpu_setup *s)
{
	(void)v;
	fv.setup = *s;
	return 0;
}

long vcpu_arch_boot_tables(gpa_t at, void *buf, size_t max)
{
	(void)at;
	memset(buf, 0x11, max); /* recognisable; guest.c copies it into guest RAM */
	return (long)max;
}

void vcpu_arch_nested_format(unsigned *fmt, unsigned *ia_bits)
{
	*fmt = PT_FMT_VTD_FL; /* as on x86_64 */
	*ia_bits = pt_fmt_ia_bits(PT_FMT_VTD_FL, 4);
}

int vcpu_arch_create(struct vcpu *v, const struct vcpu_setup *s)
{
	(void)v;
	fv.setup = *s;
	fv.created++;
	return 0;
}

static int read_host(void *ctx, uint64_t table_addr, unsigned index, uint64_t *entry)
{
	(void)ctx;
	*entry = ((const uint64_t *)hpa_to_ptr(hpa(table_addr)))[index];
	return 0;
}

/* The raw leaf entry for gpa in the x86-64-format nested table (0 if none). */
static uint64_t nested_leaf(uint64_t gpa_addr)
{
	uint64_t table = hpa_val(fv.setup.nested_root);

	for (int lvl = 3; lvl >= 0; lvl--) {
		uint64_t pte = ((const uint64_t *)hpa_to_ptr(hpa(table)))[(gpa_addr >> (12 + 9 * lvl)) & 511];

		if (!(pte & 1)) {
			return 0;
		}
		if (lvl == 0 || (pte & (1ULL << 7))) {
			return pte;
		}
		table = pte & 0x000ffffffffff000ULL;
	}
	return 0;
}

/* What the CPU would reach at gpa through the nested table, and with which permissions. */
static void *nested_ptr(uint64_t gpa_addr, unsigned *prot)
{
	uint64_t oa, pgsize;
	unsigned p = 0;

	if (pt_walk_foreign(PT_FMT_VTD_FL, 4, hpa_val(fv.setup.nested_root), gpa_addr, read_host, NULL, &oa, &p,
			    &pgsize) != 0) {
		return NULL;
	}
	if (prot != NULL) {
		*prot = p;
	}
	return hpa_to_ptr(hpa(oa));
}

int vcpu_arch_run(struct vcpu *v, struct vcpu_exit *e)
{
	(void)v;
	memset(e, 0, sizeof(*e));
	if (fv.runs >= fv.nsteps) {
		e->kind = VCPU_EXIT_STOP;
		snprintf(e->reason, sizeof(e->reason), "script ran out");
		return 0;
	}
	switch (fv.steps[fv.runs++]) {
	case STEP_CONSOLE: {
		struct ioasid_console_write *w = nested_ptr(REQ_GPA, NULL);
		char *buf = nested_ptr(BUF_GPA, NULL);

		if (w == NULL || buf == NULL) {
			return -EFAULT;
		}
		memcpy(buf, "hello\n", 6);
		*w = (struct ioasid_console_write){ .size = sizeof(*w), .length = 6, .buf_gpa = BUF_GPA };
		e->kind = VCPU_EXIT_HYPERCALL;
		e->call = IOASID_CALL_CONSOLE_WRITE;
		e->arg = REQ_GPA;
		return 0;
	}
	case STEP_EXIT: {
		struct ioasid_exit *x = nested_ptr(REQ_GPA, NULL);

		if (x == NULL) {
			return -EFAULT;
		}
		*x = (struct ioasid_exit){ .size = sizeof(*x), .code = fv.exit_code };
		e->kind = VCPU_EXIT_HYPERCALL;
		e->call = IOASID_CALL_EXIT;
		e->arg = REQ_GPA;
		return 0;
	}
	case STEP_INSPECT: {
		const uint8_t *img = nested_ptr(GUEST_IMAGE_GPA, NULL);
		const uint8_t *tab = nested_ptr(GUEST_BOOT_TABLES, NULL);
		const struct guest_boot_info *info = nested_ptr(GUEST_BOOT_INFO, NULL);
		void *bar = nested_ptr(BAR_HPA, &fv.bar_prot);

		fv.image_ok = img != NULL && memcmp(img, image, sizeof(image)) == 0;
		fv.tables_ok = tab != NULL && tab[0] == 0x11 && tab[2 * HV_PAGE_SIZE - 1] == 0x11;
		if (info != NULL) {
			fv.info = *info;
		}
		fv.bar_identity = bar != NULL && bar == hpa_to_ptr(hpa(BAR_HPA));
		fv.bar_pte = nested_leaf(BAR_HPA);
		fv.cmd_at_inspect = pci_command;
		e->kind = VCPU_EXIT_OFF; /* arm64 PSCI SYSTEM_OFF: status 0 */
		return 0;
	}
	case STEP_IRQ_ROUTE: {
		struct ioasid_irq_route *q = nested_ptr(REQ_GPA, NULL);
		unsigned k = fv.runs - 1;

		if (q == NULL) {
			return -EFAULT;
		}
		*q = fv.irq[k];
		q->size = fv.irq_size[k] ? fv.irq_size[k] : (uint32_t)sizeof(*q);
		e->kind = VCPU_EXIT_HYPERCALL;
		e->call = IOASID_CALL_IRQ_ROUTE;
		e->arg = REQ_GPA;
		return 0;
	}
	case STEP_FAULT_READ: {
		struct ioasid_fault_read *r = nested_ptr(REQ_GPA, NULL);

		if (r == NULL) {
			return -EFAULT;
		}
		fault_recorded |= fv.fault_before[fv.runs - 1];
		*r = (struct ioasid_fault_read){ .size = sizeof(*r), .num_records = 4, .records_gpa = BUF_GPA };
		e->kind = VCPU_EXIT_HYPERCALL;
		e->call = IOASID_CALL_FAULT_READ;
		e->arg = REQ_GPA;
		return 0;
	}
	case STEP_STOP:
		e->kind = VCPU_EXIT_STOP;
		snprintf(e->reason, sizeof(e->reason), "scripted stop");
		return 0;
	case STEP_HALT:
		e->kind = VCPU_EXIT_HALT;
		return 0;
	}
	return -EINVAL;
}

int vcpu_arch_group_create(struct vcpu_group *g)
{
	fv.groups_made += g->nr == 1 && g->vcpu[0] != NULL && g->vcpu[0]->group == g;
	return 0;
}

void vcpu_arch_group_destroy(struct vcpu_group *g)
{
	(void)g;
	fv.groups_freed++;
}

int vcpu_arch_virq_raise(struct vcpu *v, uint32_t virq)
{
	fv.raised++;
	fv.raised_virq = virq;
	fv.raised_on = v->index;
	return 0;
}

/* The fake arch's MSI routes: counted, each live one remembered (include/hv/irq_route.h). */
int arch_msi_route_set(struct msi_route *r)
{
	if (fv.route_set_err) {
		return fv.route_set_err;
	}
	fv.routes_set++;
	if (r->arch[0] == 0) {
		r->arch[0] = 1;
		fv.live[fv.routes_live++ % 8] = r;
	}
	return 0;
}

void arch_msi_route_clear(struct msi_route *r)
{
	fv.routes_cleared++;
	fv.routes_live--;
	r->arch[0] = 0;
}

bool vcpu_arch_wake_pending(struct vcpu *v)
{
	(void)v;
	return ++fv.wake_polls > fv.wake_after;
}

void vcpu_arch_hypercall_done(struct vcpu *v, long result)
{
	(void)v;
	if (fv.runs >= 1 && fv.runs <= MAX_STEPS) {
		fv.results[fv.runs - 1] = result;
		if (fv.steps[fv.runs - 1] == STEP_FAULT_READ) {
			const struct ioasid_fault_read *r = nested_ptr(REQ_GPA, NULL);

			fv.fault_records = r != NULL ? r->out_num_records : ~0u;
		}
	}
}

void vcpu_arch_dump(const struct vcpu *v)
{
	(void)v;
	fv.dumps++;
}

/* Teardown starts here (hv/guest.c guest_destroy): arm what the script asked for, first guest only. */
void vcpu_arch_destroy(struct vcpu *v)
{
	(void)v;
	if (fv.destroyed++ == 0) {
		if (fv.fail_detach) {
			mock.fail_install_after = 1; /* the first install from here on: the detach */
			mock.fail_err = -ETIMEDOUT;
		}
		fault_recorded = fv.fault_at_exit; /* the device faulted just before the guest exited */
	}
}

/* ---- fixture ---- */

static struct hv_config cfg;
static struct bootinfo bi;

static void setup(bool with_device, uint64_t bar_base)
{
	struct ioasid_dev_caps caps = h_default_caps();

	memset(&fv, 0, sizeof(fv));
	memset(&cfg, 0, sizeof(cfg));
	memset(&bi, 0, sizeof(bi));
	memset(&hv_pci, 0, sizeof(hv_pci));
	memset(&quiesce, 0, sizeof(quiesce));
	pci_command = 0;
	fault_recorded = false;
	mock_iommu_init(&mock, "mock0", &caps);
	memset(image, 0x90, sizeof(image));
	bi.nr_files = 1;
	snprintf(bi.files[0].name, sizeof(bi.files[0].name), "\\guests\\t.bin");
	bi.files[0].base = ptr_to_hpa(image);
	bi.files[0].size = sizeof(image);
	cfg.nr_guests = 1;
	snprintf(cfg.guests[0].name, sizeof(cfg.guests[0].name), "t");
	snprintf(cfg.guests[0].image, sizeof(cfg.guests[0].image), "\\guests\\t.bin");
	cfg.guests[0].mem[0] = (struct cfg_mem){ .base = gpa(0), .size = 2ULL << 20 };
	cfg.guests[0].nr_mem = 1;
	cfg.guests[0].pt_quota_pages = 64;
	cfg.guests[0].console = true;
	if (with_device) {
		hv_pci.nr_devs = 1;
		hv_pci.devs[0] = (struct pci_dev){ .bus = 0, .devfn = 1 << 3, .vendor = 0x1234, .device = 0x11e8 };
		hv_pci.devs[0].bars[0] = (struct pci_bar){ .base = bar_base, .size = 0x1000 };
		cfg.guests[0].devs[0] = (struct cfg_pci){ .bus = 0, .devfn = 1 << 3 };
		cfg.guests[0].nr_devs = 1;
	}
}

/* ---- tests ---- */

TEST(guest_runs_console_and_exit)
{
	setup(false, 0);
	fv.steps[0] = STEP_CONSOLE;
	fv.steps[1] = STEP_EXIT;
	fv.nsteps = 2;
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(fv.created, 1);
	EXPECT_EQ(fv.destroyed, 1);
	EXPECT_EQ(fv.runs, 2);
	EXPECT_EQ(fv.results[0], 0); /* CONSOLE_WRITE accepted */
	EXPECT_EQ(fv.dumps, 0);
	/* the documented entry state (docs/GUEST.md): image at 1 MiB, stack at the top of RAM */
	EXPECT_EQ(gpa_val(fv.setup.entry), GUEST_IMAGE_GPA);
	EXPECT_EQ(gpa_val(fv.setup.stack_top), 2ULL << 20);
	EXPECT_EQ(fv.setup.arg0, 2ULL << 20);
	EXPECT_EQ(fv.setup.arg1, GUEST_BOOT_INFO);
	EXPECT_EQ(gpa_val(fv.setup.page_tables), GUEST_BOOT_TABLES);
}

/*
 * HLT/WFI (VCPU_EXIT_HALT): the loop sleeps the CPU until the arch says an interrupt is pending,
 * asking again after each wake-up, then runs the vCPU on; the vCPU group exists around it.
 */
TEST(guest_halt_sleeps_until_an_interrupt_is_pending)
{
	setup(false, 0);
	fv.steps[0] = STEP_HALT;
	fv.steps[1] = STEP_EXIT;
	fv.nsteps = 2;
	fv.wake_after = 3;
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(fv.runs, 2);
	EXPECT_EQ(fv.wake_polls, 4); /* three "nothing" answers, each followed by a sleep, then "pending" */
	EXPECT_EQ(fv.groups_made, 1);
	EXPECT_EQ(fv.groups_freed, 1);
}

/*
 * Seen from inside the guest through the nested table: the image at 1 MiB, the boot tables and
 * the boot info (magic, the device with its BAR) where the setup says, and the BAR itself
 * identity-mapped as device memory; bus mastering was enabled.
 */
TEST(guest_memory_layout_and_device)
{
	setup(true, BAR_HPA);
	fv.steps[0] = STEP_INSPECT;
	fv.nsteps = 1;
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_TRUE(fv.image_ok);
	EXPECT_TRUE(fv.tables_ok);
	EXPECT_EQ(fv.info.magic, GUEST_BOOT_MAGIC);
	ASSERT_EQ(fv.info.nr_devs, 1);
	EXPECT_EQ(fv.info.devs[0].bdf, 1 << 3);
	EXPECT_TRUE(fv.info.devs[0].dev_id != 0);
	EXPECT_EQ(fv.info.devs[0].bar_gpa[0], BAR_HPA);
	EXPECT_EQ(fv.info.devs[0].bar_size[0], 0x1000);
	EXPECT_TRUE(fv.bar_identity);
	EXPECT_EQ(fv.bar_prot, PT_PROT_READ | PT_PROT_WRITE);
	EXPECT_EQ(fv.bar_pte & 0x18, 0x18); /* PCD|PWT: UC (PT_PROT_DEVICE) */
	EXPECT_EQ(fv.cmd_at_inspect & (PCI_COMMAND_MEM | PCI_COMMAND_MASTER), PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
}

/* A BAR inside the guest's RAM contradicts the configuration: no guest is created. */
TEST(guest_bar_inside_ram_refused)
{
	setup(true, 0x100000);
	fv.steps[0] = STEP_EXIT;
	fv.nsteps = 1;
	EXPECT_EQ(guests_run_all(&cfg, &bi), -EINVAL);
	EXPECT_EQ(fv.created, 0);
}

/* A non-zero EXIT status is the run's failure; a stopped guest is not (it is reported). */
TEST(guest_exit_status_and_stop)
{
	setup(false, 0);
	fv.steps[0] = STEP_EXIT;
	fv.nsteps = 1;
	fv.exit_code = 3;
	EXPECT_EQ(guests_run_all(&cfg, &bi), -EFAULT);
	setup(false, 0);
	fv.steps[0] = STEP_STOP;
	fv.nsteps = 1;
	EXPECT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(fv.dumps, 1);
	EXPECT_EQ(fv.destroyed, 1);
}

/* A missing image stops before any vCPU exists. */
TEST(guest_missing_image)
{
	setup(false, 0);
	snprintf(cfg.guests[0].image, sizeof(cfg.guests[0].image), "\\guests\\none.bin");
	EXPECT_EQ(guests_run_all(&cfg, &bi), -ENOENT);
	EXPECT_EQ(fv.created, 0);
}

/*
 * Teardown (docs/GUEST.md "Teardown"): the device is quiesced (bus mastering off) while its
 * IOMMU route still points at the guest's table, i.e. before the detach; afterwards it is blocked
 * with bus mastering and memory decoding off, and every page (RAM, tables) is back.
 */
TEST(guest_teardown_quiesces_before_detach_and_frees_ram)
{
	uint64_t free0;

	setup(true, BAR_HPA);
	fv.steps[0] = STEP_EXIT;
	fv.nsteps = 1;
	free0 = page_free_count();
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(quiesce.bm_off, 1);
	EXPECT_EQ(quiesce.route_at_bm_off, IOASID_HW_TABLE);
	ASSERT_TRUE(mock_route_get(&mock, DEV_RID, false, 0) != NULL);
	EXPECT_EQ(mock_route_get(&mock, DEV_RID, false, 0)->cfg.mode, IOASID_HW_BLOCKED);
	EXPECT_EQ(pci_command & (PCI_COMMAND_MEM | PCI_COMMAND_MASTER), 0);
	EXPECT_EQ(page_free_count(), free0);
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define lsan_disable() __lsan_disable()
#define lsan_enable()  __lsan_enable()
#else
#define lsan_disable() ((void)0)
#define lsan_enable()  ((void)0)
#endif

/*
 * The IOMMU cannot block the device at teardown (the detach's install fails): the route still
 * reaches the guest's RAM, so the RAM is kept (never returned to the allocator), and it still
 * holds the guest's image where the route leads (under ASan, a freed block would be caught here).
 */
TEST(guest_teardown_keeps_ram_when_detach_fails)
{
	uint64_t free0;
	unsigned prot;
	hpa_t h;

	setup(true, BAR_HPA);
	fv.steps[0] = STEP_EXIT;
	fv.nsteps = 1;
	fv.fail_detach = true;
	free0 = page_free_count();
	/*
	 * The guest's tables are leaked on purpose. Their child pages are reachable only through
	 * VT-d-format entries whose count bits (61:52, ioasid/pt_fmt.h) hide the pointer from
	 * LeakSanitizer: tell it that what this guest allocates is meant to stay.
	 */
	lsan_disable();
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0); /* the guest itself exited 0; the teardown is logged */
	lsan_enable();
	EXPECT_EQ(quiesce.bm_off, 1);
	ASSERT_TRUE(mock_route_get(&mock, DEV_RID, false, 0) != NULL);
	EXPECT_EQ(mock_route_get(&mock, DEV_RID, false, 0)->cfg.mode, IOASID_HW_TABLE);
	EXPECT_TRUE(free0 - page_free_count() >= (2ULL << 20) / HV_PAGE_SIZE);
	ASSERT_EQ(mock_translate(&mock, DEV_RID, false, 0, GUEST_IMAGE_GPA, &h, &prot), 0);
	EXPECT_EQ(memcmp(hpa_to_ptr(h), image, sizeof(image)), 0);
}

/*
 * A fault the device caused just before its guest exited sits in the IOMMU's recording register
 * when the next guest gets the same device. Teardown collects and discards it, so the next
 * guest's FAULT_READ finds nothing of the first guest's.
 */
TEST(guest_teardown_discards_faults_of_its_devices)
{
	setup(true, BAR_HPA);
	cfg.nr_guests = 2;
	cfg.guests[1] = cfg.guests[0];
	snprintf(cfg.guests[1].name, sizeof(cfg.guests[1].name), "u");
	cfg.guests[1].console = false;
	fv.steps[0] = STEP_EXIT;       /* guest t */
	fv.steps[1] = STEP_FAULT_READ; /* guest u, same device */
	fv.steps[2] = STEP_EXIT;
	fv.nsteps = 3;
	fv.fault_at_exit = true;
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(fv.created, 2);
	EXPECT_EQ(fv.results[1], 0);
	EXPECT_EQ(fv.fault_records, 0);
	EXPECT_TRUE(!fault_recorded);
	EXPECT_EQ(quiesce.bm_off, 2);
}

/* ---- IRQ_ROUTE (hv/guest_irq.c) over the fake arch's routes ---- */

#define DEV_ID	((1u << 16) | 0x8000u) /* guest 1, slot 0: the configured device */
#define VIRQ_OK 0x41u
#define MSI_ROUTE                                                                                                      \
	(struct ioasid_irq_route)                                                                                      \
	{                                                                                                              \
		.flags = IOASID_IRQ_ENABLE, .kind = IOASID_IRQ_MSI, .dev_id = DEV_ID, .virq = VIRQ_OK                  \
	}
#define MSI_REMOVE                                                                                                     \
	(struct ioasid_irq_route)                                                                                      \
	{                                                                                                              \
		.kind = IOASID_IRQ_MSI, .dev_id = DEV_ID                                                               \
	}
#define FAULT_ROUTE                                                                                                    \
	(struct ioasid_irq_route)                                                                                      \
	{                                                                                                              \
		.flags = IOASID_IRQ_ENABLE, .kind = IOASID_IRQ_FAULT, .virq = 0x42                                     \
	}

static unsigned nsteps_irq;

static void irq_step(struct ioasid_irq_route q, uint32_t size)
{
	fv.steps[nsteps_irq] = STEP_IRQ_ROUTE;
	fv.irq[nsteps_irq] = q;
	fv.irq_size[nsteps_irq] = size;
	nsteps_irq++;
}

static void irq_setup(void)
{
	setup(true, BAR_HPA);
	hv_pci.devs[0].cap_msi = 0x50; /* one MSI vector (drivers/pci/msi.c) */
	nsteps_irq = 0;
}

static void irq_run(void)
{
	fv.steps[nsteps_irq++] = STEP_EXIT;
	fv.nsteps = nsteps_irq;
	ASSERT_EQ(guests_run_all(&cfg, &bi), 0);
	EXPECT_EQ(fv.runs, nsteps_irq);
}

/*
 * Every malformed request gets its documented error (docs/ABI.md "IRQ_ROUTE") and reaches no
 * arch hook; then a good route, a replace, a remove, a second remove.
 */
TEST(irq_route_validation)
{
	struct ioasid_irq_route q;
	unsigned k = 0;

	irq_setup();
	irq_step(MSI_ROUTE, 8);	    /* 0: size below version 1 */
	irq_step(MSI_ROUTE, 40);    /* 1: larger, extra bytes zero: accepted like size 32 */
	q = MSI_ROUTE, q.flags = 2; /* 2: unknown flag */
	irq_step(q, 0);
	q = MSI_ROUTE, q.__reserved = 1; /* 3 */
	irq_step(q, 0);
	q = MSI_ROUTE, q.kind = 3; /* 4: unknown kind */
	irq_step(q, 0);
	q = MSI_ROUTE, q.kind = 0; /* 5 */
	irq_step(q, 0);
	q = MSI_ROUTE, q.dev_id = (2u << 16) | 0x8000u; /* 6: another guest's device */
	irq_step(q, 0);
	q = MSI_ROUTE, q.dev_id = 0x12345; /* 7: no such device */
	irq_step(q, 0);
	q = MSI_ROUTE, q.source = 1; /* 8: the device has one MSI vector */
	irq_step(q, 0);
	q = MSI_ROUTE, q.vcpu = 1; /* 9: the guest has one vCPU */
	irq_step(q, 0);
	q = MSI_ROUTE, q.virq = 31; /* 10: an exception vector */
	irq_step(q, 0);
	q = MSI_ROUTE, q.virq = 256; /* 11 */
	irq_step(q, 0);
	irq_step(MSI_REMOVE, 0);	    /* 12: remove what does not exist */
	q = FAULT_ROUTE, q.dev_id = DEV_ID; /* 13: FAULT takes no device */
	irq_step(q, 0);
	q = MSI_REMOVE, q.virq = VIRQ_OK; /* 14: remove with a virq */
	irq_step(q, 0);
	q = MSI_ROUTE, q.virq = 32; /* 15: good, lowest vector */
	irq_step(q, 0);
	q = MSI_ROUTE, q.virq = 255; /* 16: replace, highest vector */
	irq_step(q, 0);
	irq_step(MSI_REMOVE, 0);					    /* 17 */
	irq_step(MSI_REMOVE, 0);					    /* 18: gone */
	irq_step((struct ioasid_irq_route){ .kind = IOASID_IRQ_FAULT }, 0); /* 19: no fault route */
	irq_run();
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], 0); /* routed (then replaced by 15's request: same device/source) */
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], -IOASID_ENOENT);
	EXPECT_EQ(fv.results[k++], -IOASID_ENOENT);
	EXPECT_EQ(fv.results[k++], -IOASID_ERANGE);
	EXPECT_EQ(fv.results[k++], -IOASID_ERANGE);
	EXPECT_EQ(fv.results[k++], -IOASID_ERANGE);
	EXPECT_EQ(fv.results[k++], -IOASID_ERANGE);
	EXPECT_EQ(fv.results[k++], 0); /* 12: step 1 left a route: this removes it */
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], -IOASID_EINVAL);
	EXPECT_EQ(fv.results[k++], 0);
	EXPECT_EQ(fv.results[k++], 0);
	EXPECT_EQ(fv.results[k++], 0);
	EXPECT_EQ(fv.results[k++], -IOASID_ENOENT);
	EXPECT_EQ(fv.results[k++], -IOASID_ENOENT);
	/* set: step 1, step 15 (new), step 16 (replace); cleared by 12 and 17; none left */
	EXPECT_EQ(fv.routes_set, 3);
	EXPECT_EQ(fv.routes_cleared, 2);
	EXPECT_EQ(fv.routes_live, 0);
}

/* Quota (`irq_routes`), a refused arch, and teardown clearing what the guest left. */
TEST(irq_route_quota_and_teardown)
{
	struct ioasid_irq_route q = MSI_ROUTE;

	/* a second device (00:02.0, slot 1) with an MSI capability; irq_routes = 1 */
	irq_setup();
	hv_pci.nr_devs = 2;
	hv_pci.devs[1] = hv_pci.devs[0];
	hv_pci.devs[1].devfn = 2 << 3;
	hv_pci.devs[1].bars[0].base = BAR_HPA + 0x1000;
	cfg.guests[0].devs[1] = (struct cfg_pci){ .bus = 0, .devfn = 2 << 3 };
	cfg.guests[0].nr_devs = 2;
	cfg.guests[0].irq_routes = 1;
	q.dev_id = DEV_ID | 1;
	irq_step(MSI_ROUTE, 0); /* 0: the first route */
	irq_step(q, 0);		/* 1: over the quota */
	irq_step(MSI_REMOVE, 0);
	irq_step(q, 0); /* 3: room again */
	irq_run();
	EXPECT_EQ(fv.results[0], 0);
	EXPECT_EQ(fv.results[1], -IOASID_ENOSPC);
	EXPECT_EQ(fv.results[2], 0);
	EXPECT_EQ(fv.results[3], 0);
	EXPECT_EQ(fv.routes_set, 2);
	EXPECT_EQ(fv.routes_cleared, 2); /* the remove, then teardown */

	irq_setup();
	fv.route_set_err = -ENOSPC; /* the host's vectors are gone */
	irq_step(MSI_ROUTE, 0);
	irq_run();
	EXPECT_EQ(fv.results[0], -IOASID_ENOSPC);

	irq_setup();
	irq_step(MSI_ROUTE, 0); /* left in place at exit */
	irq_run();
	EXPECT_EQ(fv.results[0], 0);
	EXPECT_EQ(fv.routes_set, 1);
	EXPECT_EQ(fv.routes_cleared, 1); /* guest_irq_teardown */
	EXPECT_EQ(fv.routes_live, 0);
}

/* The fault notification: a fault queued for the guest raises its virq on its vCPU, once. */
TEST(irq_route_fault_notification)
{
	irq_setup();
	irq_step(FAULT_ROUTE, 0);
	fv.fault_before[nsteps_irq] = true; /* the device faults, FAULT_READ collects it */
	fv.steps[nsteps_irq++] = STEP_FAULT_READ;
	irq_step((struct ioasid_irq_route){ .kind = IOASID_IRQ_FAULT }, 0); /* removed */
	fv.fault_before[nsteps_irq] = true;
	fv.steps[nsteps_irq++] = STEP_FAULT_READ;
	irq_run();
	EXPECT_EQ(fv.results[0], 0);
	EXPECT_EQ(fv.results[1], 0);
	EXPECT_EQ(fv.results[2], 0);
	EXPECT_EQ(fv.results[3], 0);
	EXPECT_EQ(fv.raised, 1); /* the second fault came after the removal */
	EXPECT_EQ(fv.raised_virq, 0x42);
	EXPECT_EQ(fv.raised_on, 0);
}

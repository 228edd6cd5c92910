// SPDX-License-Identifier: MIT
/*
 * The UEFI boot path: the only code in the hypervisor that speaks UEFI (UEFI 2.10 spec).
 *
 *   1. Find our own image (EFI_LOADED_IMAGE_PROTOCOL, sec. 9.1) and its load options: the
 *      command line. If the options are empty (a removable-media boot of BOOTX64.EFI has none),
 *      read it from \ioasid-hv.cfg on the same volume (Simple File System, sec. 13.4). When that
 *      file is a partition configuration (docs/CONFIG.md), it and every guest image it names
 *      are loaded whole into bootinfo.files (the config under the name "\ioasid-hv.cfg").
 *   2. Find the ACPI 2.0 RSDP in the configuration table (sec. 4.6).
 *   3. Allocate the hypervisor's pool (the heap) as EfiLoaderData pages (sec. 7.2), and the
 *      CPU start-up trampoline below 1 MiB (boot_alloc_trampoline).
 *   4. ExitBootServices (sec. 7.4). The map key goes stale whenever the memory map changes, and
 *      the spec lets the firmware change it even inside a failed ExitBootServices; on
 *      EFI_INVALID_PARAMETER we fetch the map again and retry, a bounded number of times.
 *      After the first attempt only memory-allocation services and GetMemoryMap may be used,
 *      so nothing is printed between attempts.
 *   5. Convert the final UEFI memory map into struct bootinfo (our types only), then call
 *      arch_init() and hv_main(), which never return.
 *
 * Until step 4 succeeds, messages go to UEFI ConOut (the firmware also mirrors it to the
 * serial port under QEMU); afterwards only the hypervisor's own console exists.
 */
#include <efi.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/bits.h>
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/image.h>
#include <hv/log.h>
#include <hv/memmap.h>
#include <hv/mm.h>

#define BOOT_POOL_PAGES 4096  /* 16 MiB heap */
#define BOOT_EBS_TRIES 8      /* ExitBootServices attempts before giving up */
#define BOOT_MAP_SLACK 16     /* extra descriptors: allocating the buffer can split entries */
#define BOOT_CFG_NAME "\\ioasid-hv.cfg"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static EFI_SYSTEM_TABLE *sys;
static struct bootinfo boot_info;

static void boot_print(const char *fmt, ...) __printf(1, 2);
static void boot_print(const char *fmt, ...)
{
	char buf[256];
	CHAR16 wbuf[sizeof(buf) + 2];
	va_list ap;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (size_t i = 0; buf[i] != '\0'; i++) {
		if (buf[i] == '\n') {
			wbuf[n++] = L'\r';
		}
		wbuf[n++] = (CHAR16)(unsigned char)buf[i];
	}
	wbuf[n] = 0;
	uefi_call_wrapper(sys->ConOut->OutputString, 2, sys->ConOut, wbuf);
}

#define BOOT_IMAGE_MAX (256ULL << 20) /* largest guest image file */

static struct hv_config boot_cfg; /* only to learn the cmdline and the image names */

/*
 * Read a file into fresh EfiLoaderData pages and record it in bi->files (carved out as
 * MEM_LOADED_FILE later, so the page allocator never hands it out). A file longer than max is
 * refused (-E2BIG), or with head set, only its first max bytes are read, so the caller sees
 * from the length that it was longer. 0, or -ENOENT (cannot be opened), -EINVAL
 * (empty), -E2BIG, -ENOSPC (bi->files full or the name too long), -EIO (reading failed).
 */
static int boot_read_file(struct bootinfo *bi, EFI_FILE_HANDLE root, const char *path, uint64_t max, bool head)
{
	CHAR16 wpath[sizeof(bi->files[0].name)];
	EFI_FILE_HANDLE file = NULL;
	EFI_PHYSICAL_ADDRESS buf = 0;
	UINT64 size = 0;
	UINTN n;
	EFI_STATUS s;
	size_t len = strlen(path);

	int ret = -EIO;

	if (bi->nr_files >= BOOTINFO_MAX_FILES || len >= sizeof(bi->files[0].name)) {
		return -ENOSPC;
	}
	for (size_t i = 0; i <= len; i++) {
		wpath[i] = (CHAR16)(unsigned char)path[i];
	}
	s = uefi_call_wrapper(root->Open, 5, root, &file, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s)) {
		return -ENOENT;
	}
	/* Position all-ones moves to the end of the file (UEFI 2.10 sec. 13.5 SetPosition). */
	s = uefi_call_wrapper(file->SetPosition, 2, file, ~(UINT64)0);
	if (!EFI_ERROR(s)) {
		s = uefi_call_wrapper(file->GetPosition, 2, file, &size);
	}
	if (!EFI_ERROR(s)) {
		s = uefi_call_wrapper(file->SetPosition, 2, file, (UINT64)0);
	}
	if (EFI_ERROR(s)) {
		goto fail;
	}
	if (size == 0 || (size > max && !head)) {
		ret = size == 0 ? -EINVAL : -E2BIG;
		goto fail;
	}
	size = size > max ? max : size;
	s = uefi_call_wrapper(sys->BootServices->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			      EFI_SIZE_TO_PAGES(size), &buf);
	if (EFI_ERROR(s)) {
		buf = 0;
		goto fail;
	}
	n = size;
	s = uefi_call_wrapper(file->Read, 3, file, &n, (void *)(uintptr_t)buf);
	if (EFI_ERROR(s) || n != size) {
		goto fail;
	}
	uefi_call_wrapper(file->Close, 1, file);
	memcpy(bi->files[bi->nr_files].name, path, len + 1);
	bi->files[bi->nr_files].base = hpa(buf);
	bi->files[bi->nr_files].size = size;
	bi->nr_files++;
	return 0;
fail:
	if (buf != 0) {
		uefi_call_wrapper(sys->BootServices->FreePages, 2, buf, EFI_SIZE_TO_PAGES(size));
	}
	uefi_call_wrapper(file->Close, 1, file);
	return ret;
}

static const char *boot_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "not found";
	case -EINVAL:
		return "empty";
	case -E2BIG:
		return "larger than 256 MiB";
	case -ENOSPC:
		return "too many files or the path is too long";
	default:
		return "read error";
	}
}

static bool boot_file_loaded(const struct bootinfo *bi, const char *path)
{
	for (uint32_t i = 0; i < bi->nr_files; i++) {
		if (strcmp(bi->files[i].name, path) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * \ioasid-hv.cfg on the boot volume. A file with a [guest ...] section or a "cmdline =" line
 * (config_is_partition) is the partition configuration: the whole file and every guest image it
 * names are loaded into bi->files (hv_main parses and checks it again and reports problems, with
 * HV_EXIT_BOOT; here a parse error only means no images are loaded). Any other file is the
 * command line (its first line).
 *
 * A file longer than CFG_FILE_MAX is never dropped silently: its first CFG_FILE_MAX + 1 bytes
 * are kept as the configuration whatever they look like, so hv_main's config_parse() refuses it
 * and the boot stops.
 */
static void boot_load_cfg(struct bootinfo *bi, EFI_HANDLE device, bool want_cmdline)
{
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_HANDLE root = NULL;
	struct cfg_error err;
	const char *text;
	size_t len;
	EFI_STATUS s;
	int ret;

	s = uefi_call_wrapper(sys->BootServices->HandleProtocol, 3, device, &fs_guid, (void **)&fs);
	if (EFI_ERROR(s) || fs == NULL) {
		return;
	}
	s = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(s)) {
		return;
	}
	ret = boot_read_file(bi, root, BOOT_CFG_NAME, CFG_FILE_MAX + 1, true);
	if (ret != 0) {
		if (ret != -ENOENT && ret != -EINVAL) {
			boot_print("ioasid-hv: warning: cannot read %s (%s); booting without it\n", BOOT_CFG_NAME,
				   boot_strerror(ret));
		}
		goto out;
	}
	text = hpa_to_ptr(bi->files[bi->nr_files - 1].base);
	len = bi->files[bi->nr_files - 1].size;
	if (len > CFG_FILE_MAX) {
		boot_print("ioasid-hv: %s is larger than %u bytes: refused (the boot stops after ExitBootServices)\n",
			   BOOT_CFG_NAME, CFG_FILE_MAX);
		goto out;
	}
	if (!config_is_partition(text, len)) {
		bi->nr_files--; /* a plain command line: the pages stay EfiLoaderData (tiny) */
		if (want_cmdline && !cmdline_from_text(text, len, bi->cmdline, sizeof(bi->cmdline))) {
			boot_print("ioasid-hv: warning: %s: the command line is not printable ASCII; ignored\n",
				   BOOT_CFG_NAME);
		}
		goto out;
	}
	if (config_parse(text, len, &boot_cfg, &err) != 0) {
		boot_print("ioasid-hv: %s: line %u: %s (reported again after boot)\n", BOOT_CFG_NAME,
			   err.line, err.msg);
		goto out;
	}
	if (want_cmdline) {
		snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", boot_cfg.cmdline);
	}
	for (unsigned i = 0; i < boot_cfg.nr_guests; i++) {
		const char *img = boot_cfg.guests[i].image;

		if (boot_file_loaded(bi, img)) {
			continue; /* two guests may run the same image */
		}
		ret = boot_read_file(bi, root, img, BOOT_IMAGE_MAX, false);
		if (ret == 0) {
			boot_print("ioasid-hv: loaded %s (%llu bytes)\n", img,
				   (unsigned long long)bi->files[bi->nr_files - 1].size);
		} else {
			/* hv_main's pre-flight refuses the configuration for it (config: line N: ...). */
			boot_print("ioasid-hv: cannot load guest image %s (%s)\n", img, boot_strerror(ret));
		}
	}
out:
	uefi_call_wrapper(root->Close, 1, root);
}

/*
 * The x86 CPU start-up trampoline (include/hv/bootinfo.h BOOTINFO_SMP_TRAMPOLINE_SIZE): pages
 * below 1 MiB, because a startup IPI's vector names the page an AP starts in, real mode, at
 * vector << 12 (Intel SDM vol. 3, 10.4.4.1). AllocateMaxAddress (UEFI 2.10 sec. 7.2) with the
 * last byte below 1 MiB; EfiLoaderData, so the map reports it as loader data (MEM_FIRMWARE:
 * mapped, never allocated), and bi_from_map carves it once more to be sure. Page 0 is refused
 * (our page tables leave it unmapped to catch NULL): if the firmware hands it out, a second
 * range is taken before the first is given back. On arm64 no RAM lies below 1 MiB and the
 * call simply fails: 0, nothing to start there this way.
 */
static hpa_t boot_alloc_trampoline(void)
{
	EFI_BOOT_SERVICES *bs = sys->BootServices;
	UINTN pages = EFI_SIZE_TO_PAGES(BOOTINFO_SMP_TRAMPOLINE_SIZE);
	EFI_PHYSICAL_ADDRESS a = 0xfffff, b = 0xfffff;

	if (EFI_ERROR(uefi_call_wrapper(bs->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, pages, &a))) {
		return hpa(0);
	}
	if (a != 0) {
		return hpa(a);
	}
	if (EFI_ERROR(uefi_call_wrapper(bs->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, pages, &b))) {
		b = 0;
	}
	uefi_call_wrapper(bs->FreePages, 2, a, pages);
	return hpa(b);
}

static hpa_t boot_find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;

	for (UINTN i = 0; i < sys->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &sys->ConfigurationTable[i];

		if (memcmp(&t->VendorGuid, &acpi20, sizeof(acpi20)) == 0) {
			return hpa((uint64_t)(uintptr_t)t->VendorTable);
		}
	}
	return hpa(0);
}

static uint32_t boot_mem_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
		return MEM_USABLE;
	case EfiACPIReclaimMemory:
		return MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return MEM_MMIO;
	case EfiBootServicesData:
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
	case EfiLoaderCode:
	case EfiLoaderData:
		/*
		 * RAM that is not ours to allocate: boot-services data still holds the stack we
		 * run on; runtime services stay live; loader code/data are our image and
		 * allocations (carved out below) and whatever else loaded us.
		 */
		return MEM_FIRMWARE;
	default:
		/* Reserved, unusable, PAL code, persistent: possibly not RAM at all. */
		return MEM_RESERVED;
	}
}

/* Fill bi->mem from the final UEFI map. Runs after ExitBootServices: no UEFI calls. */
static int bi_from_map(struct bootinfo *bi, const void *map, UINTN map_size, UINTN desc_size,
		       uint64_t pool, uint64_t pool_size)
{
	int ret = 0;

	bi->nr_mem = 0;
	for (UINTN off = 0; off + desc_size <= map_size && ret == 0; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)((const char *)map + off);

		if (d->NumberOfPages != 0) {
			ret = memmap_append(bi, d->PhysicalStart, d->NumberOfPages << EFI_PAGE_SHIFT,
					    boot_mem_type(d->Type));
		}
	}
	/* The image and the pool are carved even from a truncated map: they must stay ours. */
	if (memmap_carve(bi, hpa_val(bi->image_base), ALIGN_UP(bi->image_size, EFI_PAGE_SIZE),
			 MEM_HV_IMAGE) != 0 ||
	    memmap_carve(bi, pool, pool_size, MEM_HV_POOL) != 0) {
		ret = -1;
	}
	for (uint32_t i = 0; i < bi->nr_files; i++) {
		if (memmap_carve(bi, hpa_val(bi->files[i].base), ALIGN_UP(bi->files[i].size, EFI_PAGE_SIZE),
				 MEM_LOADED_FILE) != 0) {
			ret = -1;
		}
	}
	if (hpa_val(bi->smp_trampoline) != 0 &&
	    memmap_carve(bi, hpa_val(bi->smp_trampoline), BOOTINFO_SMP_TRAMPOLINE_SIZE, MEM_FIRMWARE) != 0) {
		ret = -1;
	}
	memmap_normalise(bi);
	return ret;
}

/*
 * Get the current map into *map (grown with AllocatePool when too small, which is allowed
 * between ExitBootServices attempts).
 */
static EFI_STATUS boot_get_map(void **map, UINTN *cap, UINTN *size, UINTN *key, UINTN *dsize)
{
	EFI_BOOT_SERVICES *bs = sys->BootServices;
	UINT32 dver;
	EFI_STATUS s;

	for (int tries = 0; tries < 4; tries++) {
		*size = *cap;
		s = uefi_call_wrapper(bs->GetMemoryMap, 5, size, (EFI_MEMORY_DESCRIPTOR *)*map, key,
				      dsize, &dver);
		if (s != EFI_BUFFER_TOO_SMALL) {
			return s;
		}
		if (*map != NULL) {
			uefi_call_wrapper(bs->FreePool, 1, *map);
			*map = NULL;
		}
		*cap = *size + BOOT_MAP_SLACK * (*dsize ? *dsize : sizeof(EFI_MEMORY_DESCRIPTOR));
		s = uefi_call_wrapper(bs->AllocatePool, 3, EfiLoaderData, *cap, map);
		if (EFI_ERROR(s)) {
			return s;
		}
	}
	return EFI_BUFFER_TOO_SMALL;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	struct bootinfo *bi = &boot_info;
	EFI_PHYSICAL_ADDRESS pool = 0;
	void *map = NULL;
	UINTN map_cap = 0, map_size = 0, map_key = 0, desc_size = 0;
	EFI_STATUS s;
	bool stale_key;
	int attempt;

	sys = st;
	boot_print("ioasid-hv: UEFI boot (%s)\n", arch_name());

	s = uefi_call_wrapper(st->BootServices->HandleProtocol, 3, image, &li_guid, (void **)&li);
	if (EFI_ERROR(s)) {
		boot_print("ioasid-hv: no loaded-image protocol (0x%lx)\n", (unsigned long)s);
		goto fail;
	}
	bi->image_base = hpa((uint64_t)(uintptr_t)li->ImageBase);
	bi->image_size = li->ImageSize;
	/* gdb: add-symbol-file build/<arch>/ioasid-hv.so -o <this address> (README, Debugging) */
	boot_print("ioasid-hv: image base 0x%llx size 0x%llx\n",
		   (unsigned long long)hpa_val(bi->image_base), (unsigned long long)bi->image_size);

	cmdline_from_ucs2(li->LoadOptions, li->LoadOptionsSize, bi->cmdline, sizeof(bi->cmdline));
	boot_load_cfg(bi, li->DeviceHandle, bi->cmdline[0] == '\0');
	boot_print("ioasid-hv: cmdline \"%s\"\n", bi->cmdline);
	/* Test hook (test image only, include/hv/image.h): a wrong key on the first attempt. */
	stale_key = hv_image.stale_map_key != NULL && hv_image.stale_map_key(bi->cmdline);

	bi->rsdp = boot_find_rsdp();
	if (hpa_val(bi->rsdp) == 0) {
		boot_print("ioasid-hv: warning: no ACPI 2.0 RSDP in the configuration table\n");
	}

	s = uefi_call_wrapper(st->BootServices->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			      BOOT_POOL_PAGES, &pool);
	if (EFI_ERROR(s)) {
		boot_print("ioasid-hv: cannot allocate the %u-page pool (0x%lx)\n",
			   BOOT_POOL_PAGES, (unsigned long)s);
		pool = 0;
		goto fail;
	}
	bi->smp_trampoline = boot_alloc_trampoline();
	boot_print("ioasid-hv: exiting boot services\n");

	for (attempt = 1; attempt <= BOOT_EBS_TRIES; attempt++) {
		s = boot_get_map(&map, &map_cap, &map_size, &map_key, &desc_size);
		if (EFI_ERROR(s)) {
			break;
		}
		s = uefi_call_wrapper(st->BootServices->ExitBootServices, 2, image,
				      (stale_key && attempt == 1) ? map_key + 1 : map_key);
		if (s != EFI_INVALID_PARAMETER) {
			break;
		}
		bi->efi_retries++;
	}
	if (EFI_ERROR(s)) {
		/* Boot services may be partly shut down; ConOut is the best we have left. */
		boot_print("ioasid-hv: ExitBootServices failed (0x%lx) after %d attempt(s)\n",
			   (unsigned long)s, attempt > BOOT_EBS_TRIES ? BOOT_EBS_TRIES : attempt);
		goto fail;
	}

	/* From here on: no UEFI calls, and interrupts are the arch's business. */
	if (bi_from_map(bi, map, map_size, desc_size, pool, BOOT_POOL_PAGES * EFI_PAGE_SIZE) !=
	    0) {
		arch_init(bi); /* for the console */
		pr_err("boot: the UEFI memory map does not fit %d regions", BOOTINFO_MAX_MEM);
		arch_exit(HV_EXIT_BOOT);
	}
	arch_init(bi);
	hv_main(bi);

fail:
	/* Still in boot services (allocation services stay usable even after a failed EBS). */
	if (map != NULL) {
		uefi_call_wrapper(st->BootServices->FreePool, 1, map);
	}
	if (pool != 0) {
		uefi_call_wrapper(st->BootServices->FreePages, 2, pool, BOOT_POOL_PAGES);
	}
	if (hpa_val(bi->smp_trampoline) != 0) {
		uefi_call_wrapper(st->BootServices->FreePages, 2, hpa_val(bi->smp_trampoline),
				  EFI_SIZE_TO_PAGES(BOOTINFO_SMP_TRAMPOLINE_SIZE));
	}
	return s;
}

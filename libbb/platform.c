/* This binary's platform in OCI terms (GOARCH names), for `version`, `info` and image choice. */
#include "libbb.h"
#include "build_info.h"
#include "json.h"

const char *platform_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__mips__) && defined(__MIPSEL__)
	return "mipsle";
#elif defined(__mips__)
	return "mips";
#elif defined(__i386__)
	return "386";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#else
	return "unknown";
#endif
}

/* The variant the compiler targeted; an armv6 board must not be handed a v7 image. */
const char *platform_variant(void)
{
#if defined(__aarch64__)
	return "v8";
#elif defined(__arm__) && __ARM_ARCH >= 7
	return "v7";
#elif defined(__arm__) && __ARM_ARCH == 6
	return "v6";
#elif defined(__arm__)
	return "v5";
#else
	return "";
#endif
}

void jw_platform_fields(struct json_writer *w)
{
	jw_key(w, "Version");
	jw_string(w, OCIBOX_VERSION);
	jw_key(w, "Os");
	jw_string(w, "linux");
	jw_key(w, "Arch");
	jw_string(w, platform_arch());
	jw_key(w, "Variant");
	jw_string(w, platform_variant());
}

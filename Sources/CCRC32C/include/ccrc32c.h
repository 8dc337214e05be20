// CRC-32C with the processor's instruction (SSE 4.2 on x86-64), for ApusStore's checksums.
#ifndef APUS_CCRC32C_H
#define APUS_CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this processor has the CRC-32C instruction (and this build can use it), else 0.
int apus_crc32c_hardware_available(void);

/// Continues a raw (not inverted) CRC-32C over `n` bytes. Only call when available.
uint32_t apus_crc32c_hardware_update(uint32_t crc, const void *data, size_t n);

#endif

/* tests/fuzz/targets.h - the fuzz targets (see targets.c). */
#ifndef FC_FUZZ_TARGETS_H
#define FC_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

int fuzz_yaml(const uint8_t *data, size_t size);
int fuzz_config(const uint8_t *data, size_t size);
int fuzz_mapping(const uint8_t *data, size_t size);
int fuzz_binlog(const uint8_t *data, size_t size);
/* The router's request path: client bytes [\0RESP\0 upstream bytes]. */
int fuzz_request(const uint8_t *data, size_t size);

#endif

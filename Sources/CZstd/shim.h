// zstd (Debian: libzstd-dev), for cold column chunks of parts.
#include <zstd.h>

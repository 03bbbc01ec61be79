/* user/tests/dma_guard_high.c - dma_guard.c, touching the guard page
 * past the buffer. */
#define DMA_GUARD_HIGH 1
#include "dma_guard.c"

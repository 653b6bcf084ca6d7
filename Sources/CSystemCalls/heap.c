// mallinfo2 (see CSystemCalls.h).
#include "CSystemCalls.h"

#include <malloc.h>

unsigned long long joblet_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return (unsigned long long)info.uordblks + (unsigned long long)info.hblkhd;
}

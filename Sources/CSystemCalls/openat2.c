// openat2(2) through syscall(2) (see CSystemCalls.h).
#define _GNU_SOURCE
#include "CSystemCalls.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int joblet_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

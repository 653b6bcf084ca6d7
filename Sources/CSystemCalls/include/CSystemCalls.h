#ifndef JOBLET_CSYSTEMCALLS_H
#define JOBLET_CSYSTEMCALLS_H
// glibc calls Swift cannot reach: system calls that glibc 2.36 does not wrap (Swift cannot call the
// variadic syscall(2) itself), and <malloc.h>'s mallinfo2, which Swift's Glibc module lacks.
// <linux/openat2.h> gives Swift the RESOLVE_* flags too.
#include <linux/openat2.h>

/// openat2(2) with how = { flags, mode 0, resolve }: the new descriptor, or -1 with errno set
/// (ENOSYS before Linux 5.6, or where a seccomp filter hides the call).
int joblet_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long resolve);

/// Bytes the process's heap has handed out and not had back (glibc's mallinfo2: arena chunks in use
/// plus mmapped chunks), for `ProcessHeap` (JobletMetrics).
unsigned long long joblet_heap_in_use(void);

#endif

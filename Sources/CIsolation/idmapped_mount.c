// Idmapped bind mounts (see idmapped_mount.h).
#define _GNU_SOURCE
#include "idmapped_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

// <linux/mount.h> lacks these on older headers; the values are ABI.
#define JOBLET_OPEN_TREE_CLONE 1
#define JOBLET_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define JOBLET_MOUNT_ATTR_IDMAP 0x00100000ULL
struct joblet_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

enum { USERNS_CHILD_STACK = 16 << 10 };

// Only exists so the namespace has a process while its maps are written; never returns (SIGKILL).
// It shares the caller's memory (CLONE_VM) with every signal blocked, so it touches nothing.
static int userns_child(void *arg) {
    (void)arg;
    for (;;) syscall(SYS_pause);
    return 0;
}

static int write_map(pid_t pid, const char *file, const char *map) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(map);
    ssize_t written = write(fd, map, length);
    int saved = errno;
    close(fd);
    if (written == (ssize_t)length) return 0;
    errno = written < 0 ? saved : EIO;
    return -1;
}

int joblet_userns_open(unsigned int inside, unsigned int outside) {
    char *stack = malloc(USERNS_CHILD_STACK);
    if (!stack) { errno = ENOMEM; return -1; }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // CLONE_VM: no copy of the worker's page tables for a process that only waits to be killed.
    pid_t pid = clone(userns_child, (void *)(((unsigned long)(stack + USERNS_CHILD_STACK)) & ~15UL),
                      CLONE_NEWUSER | CLONE_VM | SIGCHLD, NULL);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, 0);
    if (pid < 0) { free(stack); errno = saved; return -1; }

    char map[48];
    snprintf(map, sizeof map, "%u %u 1\n", inside, outside);
    int fd = -1;
    saved = 0;
    if (write_map(pid, "uid_map", map) < 0 || write_map(pid, "gid_map", map) < 0) {
        saved = errno;
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) saved = errno;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    free(stack);
    if (fd < 0) errno = saved;
    return fd;
}

int joblet_idmapped_bind(const char *source, const char *target, int userns_fd) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, JOBLET_OPEN_TREE_CLONE | O_CLOEXEC);
    if (tree < 0) return -1;
    struct joblet_mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = JOBLET_MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)userns_fd;
    long r = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
    if (r == 0) r = syscall(SYS_move_mount, tree, "", AT_FDCWD, target, JOBLET_MOVE_MOUNT_F_EMPTY_PATH);
    int saved = errno;
    close(tree);
    if (r != 0) { errno = saved; return -1; }
    return 0;
}

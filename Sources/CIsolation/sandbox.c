// Sandbox child: clone -> filesystem -> release -> cgroup namespace -> identity -> privileges ->
// exec joblet-init (PID 1), which starts the command. The child shares the worker's memory until
// that exec, so glibc does not know it is a new process: only raw syscalls and plain loops are used.
#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define NS_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)
#define ANY_NEW_NS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                    CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

// Fixed descriptor numbers inside the child after fds are compacted.
enum { FD_SYNC = 3, FD_ERROR = 4, FD_STDOUT = 5, FD_STDERR = 6, FD_INIT = 7, FD_FIRST_FREE = 8 };

// The child shares the worker's memory (CLONE_VM, so cloning a big process copies no page
// tables) and runs concurrently with the worker's threads until it execs the init. It must not
// touch errno (the TLS word of the thread that cloned it) nor allocate: every syscall below is
// made directly and returns -errno.
#if defined(__x86_64__)
static inline long sys6(long n, long a, long b, long c, long d, long e) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long sys6(long n, long a, long b, long c, long d, long e) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory", "cc");
    return x0;
}
#else
#error "unsupported architecture"
#endif

// Retries EINTR; returns the result or -errno.
static long raw(long nr, long a, long b, long c, long d, long e) {
    long r;
    do { r = sys6(nr, a, b, c, d, e); } while (r == -EINTR);
    return r;
}

__attribute__((noreturn)) static void fail_on(int error_fd, int stage, int index, long negative_errno) {
    struct joblet_error_record rec = { stage, index, (int)-negative_errno };
    raw(SYS_write, error_fd, (long)&rec, sizeof rec, 0, 0);
    sys6(SYS_exit_group, 125, 0, 0, 0, 0);
    __builtin_unreachable();
}

__attribute__((noreturn)) static void fail(int stage, int index, long negative_errno) {
    fail_on(FD_ERROR, stage, index, negative_errno);
}

static long run_op(const struct joblet_op *op) {
    long r;
    switch (op->kind) {
    case JOBLET_OP_MKDIR:
        r = raw(SYS_mkdir, (long)op->target, 0755, 0, 0, 0);
        return r == -EEXIST ? 0 : r;
    case JOBLET_OP_FILE:
        r = raw(SYS_open, (long)op->target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644, 0, 0);
        if (r < 0) return r;
        sys6(SYS_close, r, 0, 0, 0, 0);
        return 0;
    case JOBLET_OP_SYMLINK:
        r = raw(SYS_symlink, (long)op->source, (long)op->target, 0, 0, 0);
        return r == -EEXIST ? 0 : r;
    case JOBLET_OP_BIND:
        if ((r = raw(SYS_mount, (long)op->source, (long)op->target, 0, MS_BIND | MS_REC, 0)) < 0) return r;
        if (op->readonly || op->flags) {
            unsigned long f = MS_REMOUNT | MS_BIND | op->flags | (op->readonly ? MS_RDONLY : 0);
            if ((r = raw(SYS_mount, 0, (long)op->target, 0, (long)f, 0)) < 0) return r;
        }
        return 0;
    case JOBLET_OP_MOUNT:
        return raw(SYS_mount, (long)op->source, (long)op->target, (long)op->fstype, (long)op->flags,
                   (long)op->data);
    case JOBLET_OP_REMOUNT:
        return raw(SYS_mount, 0, (long)op->target, 0, (long)(MS_REMOUNT | op->flags), (long)op->data);    case JOBLET_OP_MKNOD:
        return raw(SYS_mknodat, AT_FDCWD, (long)op->target, S_IFCHR | 0666, (long)op->flags, 0);
    }
    return -EINVAL;
}

static long loopback_up(void) {
    long s = raw(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0, 0);
    if (s < 0) return s;
    struct ifreq ifr;
    char *p = (char *)&ifr;
    for (size_t i = 0; i < sizeof ifr; i++) p[i] = 0;
    ifr.ifr_name[0] = 'l'; ifr.ifr_name[1] = 'o';
    long r = raw(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr, 0, 0);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = raw(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr, 0, 0);
    }
    sys6(SYS_close, s, 0, 0, 0, 0);
    return r;
}

static void reset_signals(void) {
    // Raw rt_sigaction with SIG_DFL: handlers and SIG_IGN (e.g. the worker's SIGPIPE) must not leak.
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } act = { SIG_DFL, 0, 0, 0 };
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sys6(SYS_rt_sigaction, sig, (long)&act, 0, 8, 0);
    }
}

// Duplicates the five fds the child needs onto 3..7 and closes everything else.
static void compact_fds(const struct joblet_spawn_config *c) {
    int src[5] = { c->sync_fd, c->error_fd, c->stdout_fd, c->stderr_fd, c->init_fd };
    long tmp[5];
    for (int i = 0; i < 5; i++) {
        tmp[i] = -1;
        if (src[i] < 0) continue; // no sync pipe: nothing to attach before release
        tmp[i] = raw(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 64, 0, 0);
        if (tmp[i] < 0) sys6(SYS_exit_group, 125, 0, 0, 0, 0);
    }
    for (int i = 0; i < 5; i++) {
        if (tmp[i] < 0) { sys6(SYS_close, FD_SYNC + i, 0, 0, 0, 0); continue; }
        if (raw(SYS_dup3, tmp[i], FD_SYNC + i, O_CLOEXEC, 0, 0) < 0) sys6(SYS_exit_group, 125, 0, 0, 0, 0);
    }
    sys6(SYS_close_range, FD_FIRST_FREE, ~0U, 0, 0, 0);
}

#define CHECK(call, stage, index) do { long r_ = (call); if (r_ < 0) fail((stage), (index), r_); } while (0)

static int child_main(void *arg) {
    const struct joblet_spawn_config *c = arg;
    // On v1 the child moves itself into the job's cgroups before anything else (its fds are still
    // the parent's numbers), so all of its setup is charged there. A thread that moves itself skips
    // the kernel's global migration lock; a parent moving a pid in takes it, and its writer waits out
    // an RCU grace period, 5-30 ms on a host that was idle a moment before.
    for (int i = 0; i < c->cgroup_task_fd_count; i++) {
        long r = raw(SYS_write, c->cgroup_task_fds[i], (long)"0", 1, 0, 0);
        if (r < 0) fail_on(c->error_fd, JOBLET_STAGE_CGROUP_SELF_MOVE, i, r);
    }
    // A fresh network namespace made ahead of time: its set-up (about 0.5 ms in clone) is off the path.
    if (c->net_fd >= 0) {
        long r = raw(SYS_setns, c->net_fd, CLONE_NEWNET, 0, 0, 0);
        if (r < 0) fail_on(c->error_fd, JOBLET_STAGE_SETNS_NET, 0, r);
    }
    compact_fds(c);
    reset_signals();

    // The root is built while the parent attaches the network (or, without self-move files, the
    // cgroup): nothing here runs the job's code.
    CHECK(raw(SYS_mount, 0, (long)"/", 0, MS_REC | MS_PRIVATE, 0), JOBLET_STAGE_MAKE_PRIVATE, 0);
    // Exact modes while building the root; the job gets the usual 022, not the worker's umask.
    sys6(SYS_umask, 0, 0, 0, 0, 0);
    for (int i = 0; i < c->op_count; i++) CHECK(run_op(&c->ops[i]), JOBLET_STAGE_OP, i);
    sys6(SYS_umask, 022, 0, 0, 0, 0);

    // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the sandbox.
    CHECK(raw(SYS_chdir, (long)c->root, 0, 0, 0, 0), JOBLET_STAGE_PIVOT_ROOT, 0);
    CHECK(raw(SYS_pivot_root, (long)".", (long)".", 0, 0, 0), JOBLET_STAGE_PIVOT_ROOT, 0);
    CHECK(raw(SYS_umount2, (long)".", MNT_DETACH, 0, 0, 0), JOBLET_STAGE_UMOUNT_OLD_ROOT, 0);
    CHECK(raw(SYS_chdir, (long)"/work", 0, 0, 0, 0), JOBLET_STAGE_CHDIR, 0);

    CHECK(raw(SYS_sethostname, (long)c->hostname, (long)c->hostname_len, 0, 0, 0), JOBLET_STAGE_HOSTNAME, 0);
    CHECK(loopback_up(), JOBLET_STAGE_LOOPBACK, 0);

    struct rlimit core = { 0, 0 };
    struct rlimit nofile = { c->max_open_files, c->max_open_files };
    CHECK(raw(SYS_prlimit64, 0, RLIMIT_CORE, (long)&core, 0, 0), JOBLET_STAGE_RLIMIT, 0);
    CHECK(raw(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&nofile, 0, 0), JOBLET_STAGE_RLIMIT, 1);

    if (c->sync_fd >= 0) {
        char b = 0;
        long n = raw(SYS_read, FD_SYNC, (long)&b, 1, 0, 0);
        if (n != 1) sys6(SYS_exit_group, 125, 0, 0, 0, 0); // parent gave up (an attach failed)
    }
    // Only now in the job's cgroup: it becomes the root of the job's cgroup namespace.
    CHECK(raw(SYS_unshare, CLONE_NEWCGROUP, 0, 0, 0, 0), JOBLET_STAGE_UNSHARE_CGROUP, 0);

    for (int cap = 0; cap <= c->last_cap; cap++) {
        long r = raw(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
        if (r < 0 && r != -EINVAL) fail(JOBLET_STAGE_CAPBSET, cap, r);
    }

    gid_t groups[1] = { c->gid };
    CHECK(raw(SYS_setgroups, 1, (long)groups, 0, 0, 0), JOBLET_STAGE_SETGROUPS, 0);
    CHECK(raw(SYS_setresgid, c->gid, c->gid, c->gid, 0, 0), JOBLET_STAGE_SETGID, 0);
    CHECK(raw(SYS_setresuid, c->uid, c->uid, c->uid, 0, 0), JOBLET_STAGE_SETUID, 0);

    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    CHECK(raw(SYS_capset, (long)&hdr, (long)data, 0, 0, 0), JOBLET_STAGE_CAPSET, 0);
    long r = raw(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (r < 0 && r != -EINVAL) fail(JOBLET_STAGE_AMBIENT, 0, r);
    CHECK(raw(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), JOBLET_STAGE_NO_NEW_PRIVS, 0);

    struct sock_fprog prog = { c->filter_len, (struct sock_filter *)c->filter };
    CHECK(raw(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&prog, 0, 0), JOBLET_STAGE_SECCOMP, 0);

    // Hand over to joblet-init: it inherits the error pipe and the output pipes (not the sync
    // pipe), and the signals it waits for stay blocked, so none sent meanwhile is lost.
    sys6(SYS_close, FD_SYNC, 0, 0, 0, 0);
    for (int fd = FD_ERROR; fd <= FD_STDERR; fd++) CHECK(raw(SYS_fcntl, fd, F_SETFD, 0, 0, 0), JOBLET_STAGE_FDS, fd);
    unsigned long init_mask = (1UL << (SIGCHLD - 1)) | (1UL << (SIGTERM - 1)) | (1UL << (SIGINT - 1)) |
                              (1UL << (SIGHUP - 1));
    sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&init_mask, 0, 8, 0);
    r = raw(SYS_execveat, FD_INIT, (long)"", (long)c->init_argv, (long)c->envp, AT_EMPTY_PATH);
    fail(JOBLET_STAGE_INIT, 0, r);
}

// struct clone_args up to `cgroup` (CLONE_ARGS_SIZE_VER2); glibc does not declare it.
struct joblet_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

// clone3 with a function and a stack of its own, as glibc's clone() is for clone(2): the child
// starts on `stack + stack_size` (the kernel adds them), runs fn(arg) and exits with its result.
// Returns the child's pid, or -errno.
static long clone3_run(struct joblet_clone_args *args, int (*fn)(void *), void *arg) {
#if defined(__x86_64__)
    // The child starts with the parent's registers (but rax, rcx and r11): fn and arg are still there.
    long ret;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "mov %[arg], %%rdi\n\t"
                     "call *%[fn]\n\t"
                     "mov %%eax, %%edi\n\t"
                     "mov %[exit_nr], %%eax\n\t"
                     "syscall\n\t"
                     "ud2\n"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args), [fn] "r"(fn), [arg] "r"(arg),
                       [exit_nr] "i"(SYS_exit)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = SYS_clone3;
    register long x0 __asm__("x0") = (long)args;
    register long x1 __asm__("x1") = (long)sizeof *args;
    register long x9 __asm__("x9") = (long)fn;
    register long x10 __asm__("x10") = (long)arg;
    __asm__ volatile("svc 0\n\t"
                     "cbnz x0, 1f\n\t"
                     "mov x29, xzr\n\t"
                     "mov x30, xzr\n\t"
                     "mov x0, x10\n\t"
                     "blr x9\n\t"
                     "mov x8, %[exit_nr]\n\t"
                     "svc 0\n\t"
                     "brk #0\n"
                     "1:"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x9), "r"(x10), [exit_nr] "i"(SYS_exit)
                     : "memory", "cc", "x30");
    return x0;
#endif
}

pid_t joblet_sandbox_clone(const struct joblet_spawn_config *config, int *pidfd_out) {
    sigset_t all, old;
    sigfillset(&all);
    // No handler may run in the child before it resets dispositions.
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pidfd = -1;
    char *stack_top = (char *)config->stack + config->stack_size;
    char *aligned_top = (char *)((unsigned long)stack_top & ~15UL);
    pid_t pid;
    unsigned long ns_flags = config->net_fd >= 0 ? NS_FLAGS & ~CLONE_NEWNET : NS_FLAGS;
    if (config->cgroup_fd >= 0) {
        // Born in the job's cgroup: no migration afterwards, so no grace period to wait for.
        struct joblet_clone_args args = {
            .flags = ns_flags | CLONE_VM | CLONE_PIDFD | CLONE_INTO_CGROUP,
            .pidfd = (uint64_t)(unsigned long)&pidfd,
            .exit_signal = SIGCHLD,
            .stack = (uint64_t)(unsigned long)config->stack,
            .stack_size = (uint64_t)(aligned_top - (char *)config->stack),
            .cgroup = (uint64_t)config->cgroup_fd,
        };
        long r = clone3_run(&args, child_main, (void *)config);
        if (r < 0) {
            errno = (int)-r;
            pid = -1;
        } else {
            pid = (pid_t)r;
        }
    } else {
        pid = clone(child_main, aligned_top, (int)ns_flags | CLONE_VM | CLONE_PIDFD | SIGCHLD, (void *)config, &pidfd);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, 0);
    errno = saved;
    if (pid == -1) return -1;
    *pidfd_out = pidfd;
    return pid;
}

static void *new_network_namespace_thread(void *arg) {
    int *out = arg;
    if (unshare(CLONE_NEWNET) < 0) {
        *out = -errno;
        return 0;
    }
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    *out = fd < 0 ? -errno : fd;
    return 0; // the thread ends in the new namespace; no other thread ever entered it
}

int joblet_new_network_namespace(void) {
    int out = -EIO;
    pthread_t thread;
    int r = pthread_create(&thread, 0, new_network_namespace_thread, &out);
    if (r != 0) return -r;
    pthread_join(thread, 0);
    return out;
}

// ---- seccomp -------------------------------------------------------------------------

#if defined(__x86_64__)
#define JOBLET_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define JOBLET_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int joblet_seccomp_filter(struct sock_filter *out, int capacity) {
#ifndef JOBLET_AUDIT_ARCH
    (void)out; (void)capacity;
    return -1;
#else
    static const int denied[] = {
        SYS_mount, SYS_umount2, SYS_pivot_root, SYS_ptrace, SYS_kexec_load,
#ifdef SYS_kexec_file_load
        SYS_kexec_file_load,
#endif
        SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_bpf, SYS_perf_event_open,
        SYS_keyctl, SYS_add_key, SYS_request_key, SYS_reboot, SYS_swapon, SYS_swapoff,
        SYS_setns, SYS_unshare, SYS_open_by_handle_at,
#ifdef SYS_fsopen
        SYS_fsopen, SYS_fsmount, SYS_move_mount, SYS_open_tree,
#endif
        // io_uring: a large kernel attack surface, and its operations bypass this filter entirely.
#ifdef SYS_io_uring_setup
        SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
    };
    const int ndenied = (int)(sizeof denied / sizeof denied[0]);
    int need = 4 + 2 + 2 * ndenied + 2 + 5 + 1;
    if (capacity < need) return -1;
    int n = 0;
    const unsigned int eperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    const unsigned int enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, JOBLET_AUDIT_ARCH, 1, 0);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    // x32 syscalls would bypass the numbers below.
    out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
#endif
    for (int i = 0; i < ndenied; i++) {
        out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], 0, 1);
        out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    }
    // clone3 passes flags in memory the filter cannot read: ENOSYS makes libc fall back to clone.
    out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, enosys);
    out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ANY_NEW_NS, 0, 1);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return n;
#endif
}

int joblet_errno(void) { return errno; }

int joblet_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, 0, 0);
}

int joblet_pidfd_wait(int pidfd, int *status) {
    siginfo_t info;
    for (;;) {
        for (size_t i = 0; i < sizeof info; i++) ((char *)&info)[i] = 0;
        long r = syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED, 0);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) return -1;
        break;
    }
    if (info.si_code == CLD_EXITED) *status = (info.si_status & 0xff) << 8;
    else *status = info.si_status & 0x7f;
    return 0;
}

int joblet_pidfd_try_wait(int pidfd, int *status) {
    siginfo_t info;
    for (;;) {
        for (size_t i = 0; i < sizeof info; i++) ((char *)&info)[i] = 0;
        long r = syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | WNOHANG, 0);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) return -1;
        break;
    }
    if (info.si_pid == 0) return 0;   // WNOHANG and still running
    if (info.si_code == CLD_EXITED) *status = (info.si_status & 0xff) << 8;
    else *status = info.si_status & 0x7f;
    return 1;
}

int joblet_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int joblet_pipe_set_capacity(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }

// joblet-init: PID 1 of every sandbox. The sandbox child execs it (by fd, after pivot_root,
// privileges and seccomp are in place) so the job's PID 1 holds no copy of the worker.
// argv[1..] is the command; the environment is the job's. Inherited descriptors:
//   4 error pipe (reports exec failures as struct joblet_error_record), 5 stdout, 6 stderr.
// SIGCHLD/SIGTERM/SIGINT/SIGHUP arrive blocked (pending ones survive exec). Init forwards
// TERM/INT/HUP to the command, reaps every orphan and exits with the command's status
// (128+signal when the command was killed); exiting makes the kernel kill the namespace.
//
// Freestanding: its own _start and raw syscalls, no libc call at all (it is linked without the C
// start files, so libc is never initialised). glibc's start-up probes the CPU's caches with cpuid,
// which traps to the hypervisor in a VM: it made init cost 1.3 ms of CPU per job on the test VM,
// more than the rest of the sandbox's exec path. Nothing here may use errno, TLS or a libc function
// (the compiler's own memset/memcpy calls are served by the ones below).
#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum { FD_ERROR = 4, FD_STDOUT = 5, FD_STDERR = 6 };
static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The command shares init's memory (CLONE_VM) until it execs and runs concurrently with init,
// so it must not touch errno (init's TLS word): it uses syscalls that return -errno.
#if defined(__x86_64__)
static inline long sys(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}
static inline long sys4(long n, long a, long b, long c, long d) {
    register long r10 __asm__("r10") = d;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long sys4(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory", "cc");
    return x0;
}
static inline long sys(long n, long a, long b, long c) { return sys4(n, a, b, c, 0); }
#else
#error "unsupported architecture"
#endif

struct command { char **argv; char **envp; const char *path; };

__attribute__((noreturn)) static void command_fail(int stage, int index, long negative_errno) {
    struct joblet_error_record rec = { stage, index, (int)-negative_errno };
    sys(SYS_write, FD_ERROR, (long)&rec, sizeof rec);
    sys(SYS_exit_group, 127, 0, 0);
    __builtin_unreachable();
}

static int has_slash(const char *s) { for (; *s; s++) if (*s == '/') return 1; return 0; }
static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

// Like execvp, but reports ENOENT/EACCES the way the worker words them and never runs /bin/sh.
static long exec_command(const struct command *c) {
    const char *name = c->argv[0];
    if (has_slash(name)) return sys(SYS_execve, (long)name, (long)c->argv, (long)c->envp);
    char buf[PATH_MAX];
    int saw_eacces = 0;
    const char *p = c->path;
    size_t nlen = slen(name);
    for (;;) {
        const char *end = p;
        while (*end && *end != ':') end++;
        size_t dlen = (size_t)(end - p);
        if (dlen + 1 + nlen + 1 <= sizeof buf) {
            size_t k = 0;
            if (dlen == 0) buf[k++] = '.';
            for (size_t i = 0; i < dlen; i++) buf[k++] = p[i];
            buf[k++] = '/';
            for (size_t i = 0; i < nlen; i++) buf[k++] = name[i];
            buf[k] = 0;
            long r = sys(SYS_execve, (long)buf, (long)c->argv, (long)c->envp);
            if (r == -EACCES) saw_eacces = 1;
            else if (r != -ENOENT && r != -ENOTDIR) return r;
        }
        if (!*end) break;
        p = end + 1;
    }
    return saw_eacces ? -EACCES : -ENOENT;
}

static int command_main(void *arg) {
    const struct command *c = arg;
    unsigned long none = 0;
    sys4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof none);
    long r = sys(SYS_open, (long)"/dev/null", O_RDONLY, 0);
    if (r < 0) command_fail(JOBLET_STAGE_STDIO, 0, r);
    long devnull = r;
    if (devnull != 0 && (r = sys(SYS_dup3, devnull, 0, 0)) < 0) command_fail(JOBLET_STAGE_STDIO, 0, r);
    if ((r = sys(SYS_dup3, FD_STDOUT, 1, 0)) < 0) command_fail(JOBLET_STAGE_STDIO, 1, r);
    if ((r = sys(SYS_dup3, FD_STDERR, 2, 0)) < 0) command_fail(JOBLET_STAGE_STDIO, 2, r);
    if (devnull > 2) sys(SYS_close, devnull, 0, 0);
    // The error pipe closes on exec: its end of file tells the worker the command is running.
    sys(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    command_fail(JOBLET_STAGE_EXEC, 0, exec_command(c));
}

static char command_stack[64 << 10] __attribute__((aligned(16)));

// clone(2) running fn(arg) on `stack_top` in the child, which then exits with its result; glibc's
// clone() without glibc. fn and arg go on the child's stack: the child starts there with the
// parent's other registers. Returns the child's pid, or -errno.
long joblet_init_clone_run(unsigned long flags, char *stack_top, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
        ".hidden joblet_init_clone_run\n"
        ".type joblet_init_clone_run,@function\n"
        "joblet_init_clone_run:\n\t"            // rdi flags, rsi stack top, rdx fn, rcx arg
        "and $-16, %rsi\n\t"
        "sub $16, %rsi\n\t"
        "mov %rdx, 0(%rsi)\n\t"
        "mov %rcx, 8(%rsi)\n\t"
        "xor %edx, %edx\n\t"        // parent_tid
        "xor %r10d, %r10d\n\t"      // child_tid
        "xor %r8d, %r8d\n\t"        // tls
        "mov $56, %eax\n\t"         // SYS_clone
        "syscall\n\t"
        "test %rax, %rax\n\t"
        "jnz 1f\n\t"
        "xor %ebp, %ebp\n\t"
        "pop %rax\n\t"
        "pop %rdi\n\t"
        "call *%rax\n\t"
        "mov %eax, %edi\n\t"
        "mov $60, %eax\n\t"         // SYS_exit
        "syscall\n\t"
        "ud2\n"
        "1: ret\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".hidden joblet_init_clone_run\n"
        ".type joblet_init_clone_run,%function\n"
        "joblet_init_clone_run:\n\t"            // x0 flags, x1 stack top, x2 fn, x3 arg
        "and x1, x1, #-16\n\t"
        "stp x2, x3, [x1, #-16]!\n\t"
        "mov x2, xzr\n\t"           // parent_tid
        "mov x3, xzr\n\t"           // tls
        "mov x4, xzr\n\t"           // child_tid
        "mov x8, #220\n\t"          // SYS_clone
        "svc 0\n\t"
        "cbnz x0, 1f\n\t"
        "mov x29, xzr\n\t"
        "ldp x2, x0, [sp], #16\n\t"
        "blr x2\n\t"
        "mov x8, #93\n\t"           // SYS_exit
        "svc 0\n\t"
        "brk #0\n"
        "1: ret\n");
#endif

// The kernel's sigset_t is one word: signal n is bit n-1.
#define SIGBIT(n) (1UL << ((n) - 1))

static void report(int stage, int error) {
    struct joblet_error_record rec = { stage, 0, error };
    sys(SYS_write, FD_ERROR, (long)&rec, sizeof rec);
}

__attribute__((noreturn)) static void exit_with(int code) {
    for (;;) sys(SYS_exit_group, code, 0, 0);
}

static const char *env_path(char **envp) {
    for (; *envp; envp++) {
        const char *e = *envp;
        if (e[0] == 'P' && e[1] == 'A' && e[2] == 'T' && e[3] == 'H' && e[4] == '=') return e + 5;
    }
    return default_path;
}

__attribute__((noreturn, visibility("hidden"))) void joblet_init_main(long *sp);
__attribute__((noreturn, visibility("hidden"))) void joblet_init_main(long *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    sys(SYS_prctl, PR_SET_NAME, (long)"joblet-init", 0);
    // exec made init dumpable again; the job (same uid) must not reach /proc/1/{root,exe,mem}.
    // The command does not exist yet, so nothing can open them before this.
    sys(SYS_prctl, PR_SET_DUMPABLE, 0, 0);
    if (argc < 2) {
        report(JOBLET_STAGE_FORK, EINVAL);
        exit_with(125);
    }
    struct command c = { argv + 1, envp, env_path(envp) };

    unsigned long set = SIGBIT(SIGCHLD) | SIGBIT(SIGTERM) | SIGBIT(SIGINT) | SIGBIT(SIGHUP);
    sys4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, sizeof set);

    // No page tables to copy and no CLONE_VFORK: init drops its pipe ends at once, so the error
    // pipe reaches end of file the moment the command execs.
    long cmd = joblet_init_clone_run(CLONE_VM | SIGCHLD, command_stack + sizeof command_stack, command_main, &c);
    if (cmd < 0) {
        report(JOBLET_STAGE_FORK, (int)-cmd);
        exit_with(125);
    }
    sys(SYS_close, FD_STDOUT, 0, 0);
    sys(SYS_close, FD_STDERR, 0, 0);
    sys(SYS_close, FD_ERROR, 0, 0);

    for (;;) {
        siginfo_t info;
        long sig = sys4(SYS_rt_sigtimedwait, (long)&set, (long)&info, 0, sizeof set);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            sys(SYS_kill, cmd, sig, 0);
            continue;
        }
        for (;;) {
            int status = 0;
            long w = sys4(SYS_wait4, -1, (long)&status, WNOHANG, 0);
            if (w <= 0) break;
            if (w == cmd) exit_with(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

// The entry point: the kernel leaves argc, argv and envp on the stack.
#if defined(__x86_64__)
__asm__(".text\n.global _start\n.type _start,@function\n_start:\n\t"
        "xor %ebp, %ebp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall joblet_init_main\n\tud2\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start,%function\n_start:\n\t"
        "mov x29, xzr\n\tmov x30, xzr\n\tmov x0, sp\n\tbl joblet_init_main\n\tbrk #0\n");
#endif

// What the compiler may call for struct copies and zeroing, without libc's (resolved at start-up).
void *memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)value;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

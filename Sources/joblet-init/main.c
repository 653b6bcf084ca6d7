// joblet-init: PID 1 of every sandbox. The sandbox child execs it (by fd, after pivot_root,
// privileges and seccomp are in place) so the job's PID 1 holds no copy of the worker.
// argv[1..] is the command; the environment is the job's. Inherited descriptors:
//   4 error pipe (reports exec failures as struct joblet_error_record), 5 stdout, 6 stderr.
// SIGCHLD/SIGTERM/SIGINT/SIGHUP arrive blocked (pending ones survive exec). Init forwards
// TERM/INT/HUP to the command, reaps every orphan and exits with the command's status
// (128+signal when the command was killed); exiting makes the kernel kill the namespace.
#define _GNU_SOURCE
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(int argc, char **argv, char **envp) {
    prctl(PR_SET_NAME, "joblet-init", 0, 0, 0);
    // exec made init dumpable again; the job (same uid) must not reach /proc/1/{root,exe,mem}.
    // The command does not exist yet, so nothing can open them before this.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (argc < 2) {
        struct joblet_error_record rec = { JOBLET_STAGE_FORK, 0, EINVAL };
        (void)!write(FD_ERROR, &rec, sizeof rec);
        return 125;
    }
    const char *path = getenv("PATH");
    struct command c = { argv + 1, envp, path ? path : default_path };

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD); sigaddset(&set, SIGTERM); sigaddset(&set, SIGINT); sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, 0);

    // No page tables to copy and no CLONE_VFORK: init drops its pipe ends at once, so the error
    // pipe reaches end of file the moment the command execs.
    pid_t cmd = clone(command_main, command_stack + sizeof command_stack, CLONE_VM | SIGCHLD, &c);
    if (cmd == -1) {
        struct joblet_error_record rec = { JOBLET_STAGE_FORK, 0, errno };
        (void)!write(FD_ERROR, &rec, sizeof rec);
        return 125;
    }
    close(FD_STDOUT);
    close(FD_STDERR);
    close(FD_ERROR);

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&set, &info);
        if (sig == -1) continue;
        if (sig != SIGCHLD) {
            kill(cmd, sig);
            continue;
        }
        for (;;) {
            int status = 0;
            pid_t w = waitpid(-1, &status, WNOHANG);
            if (w <= 0) break;
            if (w == cmd) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
}

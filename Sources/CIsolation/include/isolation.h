#ifndef JOBLET_CISOLATION_H
#define JOBLET_CISOLATION_H
// The only code that runs between clone() and execve(): async-signal-safe, raw syscalls,
// no allocation, no locks. Everything it needs is precomputed by Swift into these structs.
#include <sys/types.h>
#include <linux/filter.h>

/// One filesystem step of the sandbox setup, run in order inside the new mount namespace.
enum joblet_op_kind {
    JOBLET_OP_MKDIR = 1,   // mkdir(target, 0755); EEXIST is fine
    JOBLET_OP_FILE = 2,    // create an empty file at target (bind-mount point for a file)
    JOBLET_OP_SYMLINK = 3, // symlink(source, target)
    JOBLET_OP_BIND = 4,    // bind source on target (recursive); then remount with flags (+RDONLY if readonly)
    JOBLET_OP_MOUNT = 5,   // mount(source, target, fstype, flags, data)
    JOBLET_OP_REMOUNT = 6, // mount(NULL, target, NULL, MS_REMOUNT | flags, data)
    JOBLET_OP_MKNOD = 7,   // mknod(target, S_IFCHR | 0666, flags as dev_t): cheaper than a bind mount
};

struct joblet_op {
    int kind;
    int readonly;
    unsigned long flags;
    const char *source;
    const char *target;
    const char *fstype;
    const char *data;
};

/// Fixed setup stages reported over the error pipe (ops are reported as JOBLET_STAGE_OP + index).
enum joblet_stage {
    JOBLET_STAGE_FDS = 1,
    JOBLET_STAGE_SYNC,
    JOBLET_STAGE_UNSHARE_CGROUP,
    JOBLET_STAGE_MAKE_PRIVATE,
    JOBLET_STAGE_OP,
    JOBLET_STAGE_PIVOT_ROOT,
    JOBLET_STAGE_UMOUNT_OLD_ROOT,
    JOBLET_STAGE_CHDIR,
    JOBLET_STAGE_HOSTNAME,
    JOBLET_STAGE_LOOPBACK,
    JOBLET_STAGE_RLIMIT,
    JOBLET_STAGE_CAPBSET,
    JOBLET_STAGE_SETGROUPS,
    JOBLET_STAGE_SETGID,
    JOBLET_STAGE_SETUID,
    JOBLET_STAGE_CAPSET,
    JOBLET_STAGE_AMBIENT,
    JOBLET_STAGE_NO_NEW_PRIVS,
    JOBLET_STAGE_SECCOMP,
    JOBLET_STAGE_FORK,
    JOBLET_STAGE_STDIO,
    JOBLET_STAGE_EXEC,
    JOBLET_STAGE_INIT,
    JOBLET_STAGE_CGROUP_SELF_MOVE,
    JOBLET_STAGE_SETNS_NET,
};

/// What the child writes to the CLOEXEC error pipe when a stage fails.
struct joblet_error_record {
    int stage;
    int op_index;
    int err;
};

struct joblet_spawn_config {
    const char *root;                 // host directory the new root tmpfs is mounted on (ops already mount it)
    const struct joblet_op *ops;
    int op_count;
    const char *hostname;
    size_t hostname_len;
    char *const *init_argv;           // "joblet-init", then the command's argv
    char *const *envp;
    int init_fd;                      // joblet-init, opened before clone
    unsigned int uid;
    unsigned int gid;
    unsigned long long max_open_files;
    int last_cap;
    const struct sock_filter *filter;
    unsigned short filter_len;
    int sync_fd;                      // child end: one byte releases the child to enter its cgroup
                                      // namespace and drop privileges (-1: no wait)
    int cgroup_fd;                    // v2 cgroup directory to clone straight into (clone3 with
                                      // CLONE_INTO_CGROUP); -1: plain clone
    const int *cgroup_task_fds;       // v1 `tasks` files of the job's cgroups (O_WRONLY): the child
    int cgroup_task_fd_count;         // writes "0" to each before anything else, moving itself in
    int net_fd;                       // a network namespace made ahead of time, never used, which the
                                      // child enters; -1: a new one at clone (CLONE_NEWNET)
    int error_fd;                     // child write end (CLOEXEC)
    int stdout_fd;                    // child write ends of the output pipes
    int stderr_fd;
    void *stack;                      // the child's stack: it shares the worker's memory until exec
    size_t stack_size;
};

/// Clones the sandbox child into new PID/mount/UTS/IPC/net namespaces (and, with cgroup_fd, into
/// that cgroup); it builds the sandbox and execs joblet-init (PID 1). Returns the host pid (and a
/// pidfd in *pidfd_out), or -1 with errno set. The child builds its root, then waits for one byte
/// on sync_fd before it enters its cgroup namespace and drops privileges. config and everything it
/// points to must stay valid until the error pipe reports a failure or reaches end of file (or the
/// child is reaped).
pid_t joblet_sandbox_clone(const struct joblet_spawn_config *config, int *pidfd_out);

/// A new network namespace (only loopback, down), made on a short-lived thread of its own so no
/// thread of the caller ever changes namespace: an O_CLOEXEC fd for setns, or -errno.
int joblet_new_network_namespace(void);

/// Writes the sandbox seccomp filter into out; returns its length, or -1 if capacity is too small
/// or the architecture is unsupported.
int joblet_seccomp_filter(struct sock_filter *out, int capacity);

/// The errno value of the calling thread (Swift cannot read the TLS macro reliably everywhere).
int joblet_errno(void);

/// pidfd_send_signal(2).
int joblet_pidfd_send_signal(int pidfd, int sig);

/// waitid(P_PIDFD, ...): the child's raw wait status (as waitpid would report it) in *status.
int joblet_pidfd_wait(int pidfd, int *status);

/// waitid(P_PIDFD, ..., WEXITED | WNOHANG): 1 with the raw status in *status once the child has
/// exited (and is now reaped), 0 while it still runs, -1 with errno set.
int joblet_pidfd_try_wait(int pidfd, int *status);

/// pipe2(fds, O_CLOEXEC).
int joblet_pipe_cloexec(int fds[2]);

/// fcntl(fd, F_SETPIPE_SZ, bytes): the pipe's capacity (rounded up by the kernel), or -1 with errno.
int joblet_pipe_set_capacity(int fd, int bytes);

#include "loop_device.h"
#include "idmapped_mount.h"
#include "supervisor.h"

#endif

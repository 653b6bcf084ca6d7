#ifndef JOBLET_CISOLATION_IDMAPPED_MOUNT_H
#define JOBLET_CISOLATION_IDMAPPED_MOUNT_H
// Idmapped bind mounts (Linux 5.12+): a volume's files stay owned by one storage id on disk while
// each job, whatever its uid, sees them as its own. Isolation/Volume wraps these.

/// A user namespace mapping the single uid and gid `inside` to `outside`, as an fd (O_CLOEXEC), or
/// -1 with errno. Made by a short-lived clone child whose maps the caller (root) writes.
int joblet_userns_open(unsigned int inside, unsigned int outside);

/// Clones the mount at `source` (not its sub-mounts), idmaps it through the user namespace at
/// `userns_fd` and attaches it at `target` (an existing directory). 0, or -1 with errno.
int joblet_idmapped_bind(const char *source, const char *target, int userns_fd);

#endif

#ifndef JOBLET_SUPERVISOR_H
#define JOBLET_SUPERVISOR_H
// The worker's sandbox supervisor loop: epoll over every job's pidfd and output pipes, and an
// eventfd that wakes it. Thin wrappers, so Swift never handles epoll_event (packed, a union).

/// Sets O_NONBLOCK on fd (the worker's read end of an output pipe; the job's end stays blocking).
int joblet_set_nonblocking(int fd);

/// epoll_create1(EPOLL_CLOEXEC).
int joblet_epoll_create(void);

/// Adds fd to the epoll set, level-triggered for input; readiness is reported as token.
int joblet_epoll_watch(int epfd, int fd, unsigned long long token);

/// Removes fd from the epoll set (before it is closed: a copy of it in a child being set up would
/// otherwise keep the registration, and its events, alive).
int joblet_epoll_unwatch(int epfd, int fd);

/// epoll_wait: the tokens of up to max ready descriptors (any readiness: input, hang-up, error).
/// Returns their count, or -1 with errno set.
int joblet_epoll_wait(int epfd, unsigned long long *tokens, int max, int timeout_ms);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK).
int joblet_eventfd(void);

/// Adds one to the eventfd's counter (wakes a waiter); -1 with errno set.
int joblet_eventfd_signal(int fd);

/// Resets the eventfd's counter; 0 also when it was already zero.
int joblet_eventfd_drain(int fd);

#endif

#include "supervisor.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int joblet_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int joblet_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int joblet_epoll_watch(int epfd, int fd, unsigned long long token) {
    struct epoll_event event;
    event.events = EPOLLIN;
    event.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int joblet_epoll_unwatch(int epfd, int fd) {
    struct epoll_event event = {0};   // ignored, but kernels before 2.6.9 wanted it non-null
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

int joblet_epoll_wait(int epfd, unsigned long long *tokens, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) tokens[i] = events[i].data.u64;
    return n;
}

int joblet_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int joblet_eventfd_signal(int fd) {
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(fd, &one, sizeof one);
        if (n == -1 && errno == EINTR) continue;
        return n == (ssize_t)sizeof one ? 0 : -1;
    }
}
int joblet_eventfd_drain(int fd) {
    uint64_t count;
    for (;;) {
        ssize_t n = read(fd, &count, sizeof count);
        if (n == -1 && errno == EINTR) continue;
        if (n == -1 && errno == EAGAIN) return 0;
        return n == (ssize_t)sizeof count ? 0 : -1;
    }
}

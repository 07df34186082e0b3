// renameat2(RENAME_EXCHANGE) through the system call, which older C libraries do not
// declare: the one way to replace a whole folder atomically.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CStrata.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int cstrata_exchange_paths(const char *a, const char *b) {
#ifdef SYS_renameat2
    if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) return 0;
    return errno;
#else
    return ENOSYS;
#endif
}

// For benchmarks only: makes every fsync/fdatasync of a process take SLOW_SYNC_US (default 2000) microseconds
// longer, as a disk whose flush is slower than this machine's (a networked cloud volume) would. Build and use:
//   gcc -shared -fPIC -O2 -o /tmp/slow-sync.so bench/slow-sync.c -ldl
//   LD_PRELOAD=/tmp/slow-sync.so SLOW_SYNC_US=2000 BENCH_MODES=off node dist/bench/http-commands.bench.js
// (SQLite, linked into better-sqlite3, syncs through libc's fsync/fdatasync, which the preload replaces.)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
static int (*real_fsync)(int); static int (*real_fdatasync)(int);
static unsigned delay(void){const char*s=getenv("SLOW_SYNC_US");return s?(unsigned)atoi(s):2000;}
int fsync(int fd){if(!real_fsync)real_fsync=dlsym(RTLD_NEXT,"fsync");usleep(delay());return real_fsync(fd);}
int fdatasync(int fd){if(!real_fdatasync)real_fdatasync=dlsym(RTLD_NEXT,"fdatasync");usleep(delay());return real_fdatasync(fd);}

/* Tries one call of each class Docker's seccomp profile decides on, each in its own child
 * process, and prints "<syscall> <number> <first argument> <answer>" per call: "ok" or
 * the errno name. The arguments make a call that reaches the kernel fail with an error other than
 * the profile's refusal (EPERM, or ENOSYS for clone3), except where the kernel checks a
 * capability first (reboot, kexec_load, init_module, finit_module). No call that
 * succeeds changes anything outside the probe. Built static by the tests, so it runs in
 * any image. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLONE_FLAGS_NEWUSER_FS (0x10000000L | 0x00000200L) /* CLONE_NEWUSER | CLONE_FS */
#define PER_READ_IMPLIES_EXEC 0x0400000L
#define AF_ALG_FAMILY 38L
#define AF_VSOCK_FAMILY 40L
#ifndef SYS_mseal
#define SYS_mseal 462 /* Linux 6.10, the same number on every architecture */
#endif

static void probe(const char *name, long nr, long a0, long a1, long a2, long a3, long a4,
                  long a5) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        long rc = syscall(nr, a0, a1, a2, a3, a4, a5);
        _exit(rc < 0 ? errno : 0); /* also the clone child: rc 0 */
    }
    int status = 0;
    waitpid(child, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const char *answer = code == 0 ? "ok" : code < 128 ? strerrorname_np(code) : "killed";
    printf("%s %ld %#lx %s\n", name, nr, (unsigned long)a0, answer ? answer : "?");
}

int main(void) {
    pid_t target = fork(); /* a process to trace */
    if (target == 0) {
        for (;;) pause();
    }
    probe("getpid", SYS_getpid, 0, 0, 0, 0, 0, 0);
    probe("io_uring_setup", SYS_io_uring_setup, 1, 0, 0, 0, 0, 0);
    probe("keyctl", SYS_keyctl, 0x7fffffffL, 0, 0, 0, 0, 0);
    probe("add_key", SYS_add_key, 0, 0, 0, 0, 0, 0);
    probe("request_key", SYS_request_key, 0, 0, 0, 0, 0, 0);
    probe("userfaultfd", SYS_userfaultfd, 0x11, 0, 0, 0, 0, 0);
    probe("bpf", SYS_bpf, 0x7fffffffL, 0, 0, 0, 0, 0);
    probe("perf_event_open", SYS_perf_event_open, 0, 0, -1, -1, 0, 0);
    probe("unshare", SYS_unshare, CLONE_FLAGS_NEWUSER_FS | 1, 0, 0, 0, 0, 0);
    probe("clone", SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    probe("clone", SYS_clone, CLONE_FLAGS_NEWUSER_FS | SIGCHLD, 0, 0, 0, 0, 0);
    probe("clone3", SYS_clone3, 0, 0, 0, 0, 0, 0);
    probe("personality", SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
    probe("personality", SYS_personality, 0, 0, 0, 0, 0, 0);
    probe("personality", SYS_personality, PER_READ_IMPLIES_EXEC, 0, 0, 0, 0, 0);
    probe("mount", SYS_mount, (long)"none", 0, (long)"tmpfs", 0, 0, 0);
    probe("reboot", SYS_reboot, 0xfee1deadL, 0x28121969L, 0x7fffffffL /* no such command */, 0, 0, 0);
    probe("kexec_load", SYS_kexec_load, 0, 0, 0, 0, 0, 0);
    probe("init_module", SYS_init_module, 0, 0, 0, 0, 0, 0);
    probe("finit_module", SYS_finit_module, -1, 0, 0, 0, 0, 0);
    probe("clock_settime", SYS_clock_settime, CLOCK_REALTIME, 0, 0, 0, 0, 0);
    probe("settimeofday", SYS_settimeofday, 0, 1, 0, 0, 0, 0);
    probe("ptrace", SYS_ptrace, PTRACE_SEIZE, target, 0, 0, 0, 0);
    probe("process_vm_readv", SYS_process_vm_readv, target, 0, 0, 0, 0, 1);
    probe("name_to_handle_at", SYS_name_to_handle_at, AT_FDCWD, (long)"/", 0, 0, 0x7fff0000L, 0);
    probe("socket", SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0, 0, 0, 0);
    probe("socket", SYS_socket, AF_ALG_FAMILY, 5 /* SOCK_SEQPACKET */, 0, 0, 0, 0);
    probe("socket", SYS_socket, AF_VSOCK_FAMILY, 1, 0, 0, 0, 0);
    probe("mseal", SYS_mseal, 0, 0, 1 /* no such flag */, 0, 0, 0);
    kill(target, SIGKILL);
    waitpid(target, NULL, 0);
    return 0;
}

/* dfc's compiled client: hands a command to the running dfc daemon, or to the Python client.
 *
 * Why: the Python client spends ~11 ms starting the interpreter and ~3 ms importing before it
 * can forward a command, more than a warm command takes in the daemon (~7 ms). This client
 * speaks the same protocol (wire.py: the request, SCM_RIGHTS stdio, one-byte replies, signal
 * relay) and does nothing else. Whatever it does not forward -- no daemon listening, a command
 * that runs locally, a daemon that declined (stale code, another installation) -- it hands to
 * the Python client by exec, which decides again from the start and runs the command there
 * (starting a daemon afterwards, as it always did). So every decision beyond "forward or not"
 * stays in Python.
 *
 * Built by `python -m dfc.daemon.native_client` (scripts/setup.sh), which generates
 * client_config.h from client.py and wire.py: the command lists and the installation are not
 * written twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client_config.h"

extern char **environ;

static int daemon_conn = -1;

/* Hand the whole command line to the Python client (`entry`: whether a daemon declined
 * it); never returns. */
static void run_in_python(int argc, char **argv, const char *entry) {
    char **args = calloc((size_t)argc + 6, sizeof(char *));
    if (args == NULL) {
        perror("dfc");
        _exit(1);
    }
    /* -S: the client adds `site` itself when it runs a command; -P: the working folder is
     * not put on sys.path (a folder named like a module must not shadow it). */
    args[0] = DFC_PYTHON;
    args[1] = "-S";
    args[2] = "-P";
    args[3] = "-c";
    args[4] = (char *)entry; /* it takes argv[0] back from its first argument */
    for (int i = 0; i < argc; i++)
        args[5 + i] = argv[i];
    execv(DFC_PYTHON, args);
    fprintf(stderr, "dfc: cannot run %s: %s\n", DFC_PYTHON, strerror(errno));
    _exit(127);
}

static int in_list(const char *word, const char *const *list) {
    for (; *list != NULL; list++)
        if (strcmp(word, *list) == 0)
            return 1;
    return 0;
}

static const char *command_word(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            return argv[i];
    return NULL;
}

/* client.py's wants_daemon and forward's checks, in the same order. */
static int wants_daemon(int argc, char **argv) {
    const char *base = strrchr(argv[0], '/');
    if (strcmp(base ? base + 1 : argv[0], "hadolint") == 0)
        return 0;
    const char *disabled = getenv(DFC_DISABLE_ENV);
    const char *completing = getenv("_DFC_COMPLETE");
    if ((disabled && *disabled) || (completing && *completing))
        return 0;
    const char *command = command_word(argc, argv);
    if (command != NULL) {
        if (in_list(command, DFC_TERMINAL_COMMANDS) && isatty(0))
            return 0;
        if (in_list(command, DFC_LOCAL_COMMANDS))
            return 0;
    }
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0)
            return 0;
    return 1;
}

static int socket_path(char *out, size_t size) {
    const char *chosen = getenv(DFC_SOCKET_ENV);
    int n;
    if (chosen && *chosen)
        n = snprintf(out, size, "%s", chosen);
    else if (geteuid() == 0)
        n = snprintf(out, size, "/run/dfc/%s", DFC_SOCKET_NAME);
    else {
        const char *runtime = getenv("XDG_RUNTIME_DIR");
        if (runtime && *runtime)
            n = snprintf(out, size, "%s/dfc/%s", runtime, DFC_SOCKET_NAME);
        else
            n = snprintf(out, size, "/tmp/dfc-%u/dfc/%s", (unsigned)geteuid(), DFC_SOCKET_NAME);
    }
    return n > 0 && (size_t)n < size;
}

static int connect_daemon(void) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (!socket_path(addr.sun_path, sizeof addr.sun_path))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A growing byte buffer for the request. */
struct buffer {
    char *data;
    size_t length, capacity;
};

static int append(struct buffer *buf, const void *bytes, size_t length) {
    if (buf->length + length > buf->capacity) {
        size_t capacity = buf->capacity ? buf->capacity : 4096;
        while (capacity < buf->length + length)
            capacity *= 2;
        char *grown = realloc(buf->data, capacity);
        if (grown == NULL)
            return 0;
        buf->data = grown;
        buf->capacity = capacity;
    }
    memcpy(buf->data + buf->length, bytes, length);
    buf->length += length;
    return 1;
}

static int field(struct buffer *buf, const char *text, int first) {
    return (first || append(buf, "", 1)) && append(buf, text, strlen(text));
}

/* Python's os.environ keeps the first of two entries with one name, and skips entries
 * without '=': the daemon's child must see the environment the Python client would send. */
static int seen_before(char **entry) {
    size_t name = (size_t)(strchr(*entry, '=') - *entry);
    for (char **other = environ; other != entry; other++)
        if (strncmp(*other, *entry, name + 1) == 0)
            return 1;
    return 0;
}

/* wire.Request("run", ...).encode(): a 4-byte big-endian length, then NUL-separated fields. */
static int encode_request(struct buffer *buf, int argc, char **argv) {
    char cwd[8192], number[32];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return 0; /* the Python client reports a removed folder itself */
    mode_t mask = umask(0);
    umask(mask);
    if (!append(buf, "\0\0\0\0", 4) || !field(buf, "run", 1) || !field(buf, DFC_INSTALLATION, 0))
        return 0;
    snprintf(number, sizeof number, "%u", (unsigned)mask);
    if (!field(buf, number, 0) || !field(buf, cwd, 0))
        return 0;
    snprintf(number, sizeof number, "%d", argc - 1);
    if (!field(buf, number, 0))
        return 0;
    for (int i = 1; i < argc; i++)
        if (!field(buf, argv[i], 0))
            return 0;
    for (char **entry = environ; *entry != NULL; entry++)
        if (strchr(*entry, '=') != NULL && **entry != '=' && !seen_before(entry))
            if (!field(buf, *entry, 0))
                return 0;
    size_t body = buf->length - 4;
    if (body > DFC_MAX_REQUEST)
        return 0;
    buf->data[0] = (char)(body >> 24);
    buf->data[1] = (char)(body >> 16);
    buf->data[2] = (char)(body >> 8);
    buf->data[3] = (char)body;
    return 1;
}

/* The request, with stdin, stdout and stderr riding along with its first bytes. */
static int send_request(int conn, const struct buffer *buf) {
    int fds[3] = {0, 1, 2};
    char control[CMSG_SPACE(sizeof fds)];
    memset(control, 0, sizeof control);
    struct iovec iov = {.iov_base = buf->data, .iov_len = buf->length};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
    ssize_t sent;
    do
        sent = sendmsg(conn, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent < 0)
        return 0;
    size_t done = (size_t)sent;
    while (done < buf->length) {
        sent = send(conn, buf->data + done, buf->length - done, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return 0;
        done += (size_t)sent;
    }
    return 1;
}

/* Ctrl-C and friends go to the daemon's child, as the Python client relays them. */
static void relay(int signum) {
    int saved = errno;
    char message[2] = {DFC_SIGNAL_TAG, (char)signum};
    (void)send(daemon_conn, message, sizeof message, MSG_NOSIGNAL | MSG_DONTWAIT);
    errno = saved;
}

static void relay_signals(void) {
    static const int forwarded[] = DFC_FORWARDED_SIGNALS;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = relay; /* no SA_RESTART: recv returns EINTR and reads on */
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &action, NULL);
}

/* Exactly `size` bytes; fewer when the daemon closed the connection or failed. */
static size_t read_exact(int conn, unsigned char *out, size_t size) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = recv(conn, out + got, size - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

int main(int argc, char **argv) {
    if (argc < 1 || !wants_daemon(argc, argv))
        run_in_python(argc, argv, DFC_PYTHON_ENTRY);
    int conn = connect_daemon();
    if (conn < 0)
        run_in_python(argc, argv, DFC_PYTHON_ENTRY);
    struct buffer request = {0};
    if (!encode_request(&request, argc, argv) || !send_request(conn, &request)) {
        close(conn);
        run_in_python(argc, argv, DFC_PYTHON_ENTRY); /* it never reached the daemon */
    }
    free(request.data);
    daemon_conn = conn;
    relay_signals();
    unsigned char tag, code[4];
    if (read_exact(conn, &tag, 1) == 1) {
        if (tag == DFC_EXIT_TAG && read_exact(conn, code, 4) == 4)
            _exit((int)(((uint32_t)code[0] << 24) | ((uint32_t)code[1] << 16) |
                        ((uint32_t)code[2] << 8) | code[3]));
        if (tag == DFC_STALE_TAG || tag == DFC_REFUSED_TAG) {
            close(conn); /* and no second daemon beside the one that answered */
            run_in_python(argc, argv, DFC_PYTHON_ENTRY_DECLINED);
        }
    }
    fputs(DFC_LOST_MESSAGE "\n", stderr);
    return 1;
}

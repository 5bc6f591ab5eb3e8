// verihist guest loader: PID 1 of a throwaway VM. It loads the kernel modules
// the virtio console needs (if not built in), opens the virtio-serial port,
// then serves BPF_PROG_LOAD requests framed by the host (src/vm/protocol.ts)
// until the host closes the port. Built static by src/vm/guest.ts:
//   gcc -static -O2 -o init loader.c
// Offsets into union bpf_attr are written out (x86_64 ABI) so that the build
// does not depend on how new the build machine's linux/bpf.h is.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAGIC_HELLO 0x4c454856u /* "VHEL" */
#define MAGIC_REQ 0x51524856u   /* "VHRQ" */
#define MAGIC_RES 0x53524856u   /* "VHRS" */
#define MAGIC_BYE 0x45594256u   /* "VBYE" */

#define BPF_MAP_CREATE 0
#define BPF_PROG_LOAD 5
#define BPF_BTF_LOAD 18
#define LOG_MAX 0x3fffffffu

/* outcome kinds in a response */
#define OUT_LOADED 0
#define OUT_REJECTED 1
#define OUT_SETUP_FAILED 2 /* map or BTF creation failed: log holds why */

static int port = -1;

static void die(const char *what) {
  fprintf(stderr, "verihist-guest: %s: %s\n", what, strerror(errno));
  sync();
  reboot(RB_POWER_OFF);
  _exit(1);
}

static void read_full(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t r = read(port, p, n);
    if (r == 0) { reboot(RB_POWER_OFF); _exit(0); } /* host went away */
    if (r < 0) { if (errno == EINTR || errno == EAGAIN) continue; die("read"); }
    p += r; n -= (size_t)r;
  }
}

static void write_full(const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n > 0) {
    ssize_t r = write(port, p, n);
    if (r < 0) { if (errno == EINTR || errno == EAGAIN) continue; die("write"); }
    p += r; n -= (size_t)r;
  }
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static long sys_bpf(int cmd, void *attr, unsigned size) {
  return syscall(SYS_bpf, cmd, attr, size);
}

static void send_response(uint32_t id, uint32_t kind, uint32_t err, const char *log, uint32_t log_len) {
  uint8_t hdr[20];
  put32(hdr, MAGIC_RES);
  put32(hdr + 4, id);
  put32(hdr + 8, kind);
  put32(hdr + 12, err);
  put32(hdr + 16, log_len);
  write_full(hdr, sizeof hdr);
  if (log_len) write_full(log, log_len);
}

static char *log_buf;
static uint32_t log_cap;

static void ensure_log(uint32_t want) {
  if (want <= log_cap) return;
  free(log_buf);
  log_buf = malloc(want);
  if (!log_buf) die("malloc log");
  log_cap = want;
}

static void serve(uint32_t id, uint8_t *req, uint32_t len) {
  /* header: prog_type flags log_level insn_bytes n_maps btf_len n_func_info */
  if (len < 28) { send_response(id, OUT_SETUP_FAILED, EINVAL, "short request", 13); return; }
  uint32_t prog_type = get32(req), flags = get32(req + 4), level = get32(req + 8);
  uint32_t insn_bytes = get32(req + 12), n_maps = get32(req + 16), btf_len = get32(req + 20), n_fi = get32(req + 24);
  uint8_t *maps = req + 28, *insns = maps + 24 * n_maps, *btf = insns + insn_bytes, *fi = btf + btf_len;
  if ((size_t)(fi - req) + 8 * (size_t)n_fi != len) { send_response(id, OUT_SETUP_FAILED, EINVAL, "bad request length", 18); return; }
  int fds[64], nfd = 0, btf_fd = -1;
  char msg[256];
  if (n_maps > 64) { send_response(id, OUT_SETUP_FAILED, E2BIG, "too many maps", 13); return; }
  if (btf_len) {
    ensure_log(1 << 16);
    uint8_t a[40] = {0};
    put64(a, (uint64_t)(uintptr_t)btf);
    put64(a + 8, (uint64_t)(uintptr_t)log_buf);
    put32(a + 16, btf_len);
    put32(a + 20, 1 << 16);
    put32(a + 24, 1);
    log_buf[0] = 0;
    long fd = sys_bpf(BPF_BTF_LOAD, a, sizeof a);
    if (fd < 0) {
      int e = errno;
      send_response(id, OUT_SETUP_FAILED, (uint32_t)e, log_buf, (uint32_t)strnlen(log_buf, 1 << 16));
      goto out;
    }
    btf_fd = (int)fd;
  }
  for (uint32_t i = 0; i < n_maps; i++) {
    uint8_t a[72] = {0};
    uint8_t *m = maps + 24 * i; /* map_type key_size value_size max_entries btf_key_type_id btf_value_type_id */
    memcpy(a, m, 16);
    if (get32(m + 20)) {
      put32(a + 48, (uint32_t)btf_fd);
      memcpy(a + 52, m + 16, 8);
    }
    long fd = sys_bpf(BPF_MAP_CREATE, a, sizeof a);
    if (fd < 0) {
      int e = errno;
      int n = snprintf(msg, sizeof msg, "BPF_MAP_CREATE of map %u failed", i);
      send_response(id, OUT_SETUP_FAILED, (uint32_t)e, msg, (uint32_t)n);
      goto out;
    }
    fds[nfd++] = (int)fd;
  }
  uint32_t log_size = level ? 1u << 20 : 0;
  for (;;) {
    if (log_size) { ensure_log(log_size); log_buf[0] = 0; }
    uint8_t a[152] = {0};
    static const char license[] = "GPL";
    put32(a + 0, prog_type);
    put32(a + 4, insn_bytes / 8);
    put64(a + 8, (uint64_t)(uintptr_t)insns);
    put64(a + 16, (uint64_t)(uintptr_t)license);
    put32(a + 44, flags);
    if (log_size) {
      put32(a + 24, level);
      put32(a + 28, log_size);
      put64(a + 32, (uint64_t)(uintptr_t)log_buf);
    }
    if (nfd) put64(a + 120, (uint64_t)(uintptr_t)fds);
    if (n_fi) {
      put32(a + 72, (uint32_t)btf_fd);
      put32(a + 76, 8);
      put64(a + 80, (uint64_t)(uintptr_t)fi);
      put32(a + 88, n_fi);
    }
    long fd = sys_bpf(BPF_PROG_LOAD, a, sizeof a);
    int e = fd < 0 ? errno : 0;
    if (fd >= 0) close((int)fd);
    uint32_t true_size = get32(a + 140);
    if (e == ENOSPC && log_size && log_size < LOG_MAX) {
      uint64_t want = true_size > log_size ? (uint64_t)true_size + 4096 : (uint64_t)log_size * 2;
      log_size = want > LOG_MAX ? LOG_MAX : (uint32_t)want;
      continue;
    }
    uint32_t n = log_size ? (uint32_t)strnlen(log_buf, log_size) : 0;
    send_response(id, fd >= 0 ? OUT_LOADED : OUT_REJECTED, (uint32_t)e, log_buf, n);
    break;
  }
out:
  for (int i = 0; i < nfd; i++) close(fds[i]);
  if (btf_fd >= 0) close(btf_fd);
}

/* Loads /modules/<name>.ko in the order /modules/order lists them. */
static void load_modules(void) {
  FILE *f = fopen("/modules/order", "r");
  if (!f) return;
  char name[256];
  while (fgets(name, sizeof name, f)) {
    name[strcspn(name, "\n")] = 0;
    if (!name[0]) continue;
    char path[300];
    snprintf(path, sizeof path, "/modules/%s.ko", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(path);
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) die(path);
    close(fd);
  }
  fclose(f);
}

static int open_port(void) {
  for (int tries = 0; tries < 500; tries++) {
    int fd = open("/dev/vport0p1", O_RDWR | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENOENT && errno != ENXIO) die("/dev/vport0p1");
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  errno = ENOENT;
  die("/dev/vport0p1 did not appear");
  return -1;
}

int main(void) {
  mkdir("/dev", 0755);
  if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY) die("mount /dev");
  load_modules();
  port = open_port();
  struct utsname u;
  uname(&u);
  uint32_t rl = (uint32_t)strlen(u.release);
  uint8_t hello[8];
  put32(hello, MAGIC_HELLO);
  put32(hello + 4, rl);
  write_full(hello, 8);
  write_full(u.release, rl);
  uint8_t *req = NULL;
  uint32_t req_cap = 0;
  for (;;) {
    uint8_t hdr[12];
    read_full(hdr, sizeof hdr);
    uint32_t magic = get32(hdr), id = get32(hdr + 4), len = get32(hdr + 8);
    if (magic == MAGIC_BYE) break;
    if (magic != MAGIC_REQ) { errno = EPROTO; die("bad frame magic"); }
    if (len > req_cap) {
      free(req);
      req = malloc(len);
      if (!req) die("malloc request");
      req_cap = len;
    }
    read_full(req, len);
    serve(id, req, len);
  }
  sync();
  reboot(RB_POWER_OFF);
  return 0;
}

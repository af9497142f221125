/*
 * The wasmtime echo benchmark (issue 10): a small native host on wasmtime 49's C API, what an ixt runtime does per
 * frame and nothing more, timed in thread CPU time.
 *
 *   driver [--rounds N] [--batch-ms MS] [--sizes 0,64,...] [--instantiations N] [--compiles N]
 *          [--cold-rounds N] [--check-only] [--no-frames] NAME=PATH.wasm|PATH.wat ...
 *
 * --check-only: steps 1 to 3 with a short step 3 (the CI smoke test). --no-frames: steps 1 and 3 only, for any
 * module with the ABI's exports (e.g. one that is not an echo). --cold-rounds 0: no step 4.
 *
 * For each module it:
 *   1. compiles it (`wasmtime_module_new`) --compiles times, interleaved with the other modules, and reports the
 *      median process CPU time (wasmtime compiles on several threads) and wall time;
 *   2. checks the echo on a fresh instance: one stream opened with unlimited credit (0xFFFFFFFF), one Data frame
 *      of each size, each of which must come back as exactly one `stream_send_data` on that stream with the same
 *      bytes and no close or error, then a Close that must be answered with one Close(Normal);
 *   3. measures instantiation as a runtime that instantiates per invocation would: a new store, an instance from
 *      a `wasmtime_instance_pre_t` (imports resolved once), the store deleted; the median over batches of the
 *      mean per instantiation, batches interleaved across modules;
 *   4. the cold request (issue 14): from the compiled module and a `wasmtime_instance_pre_t` made once, per round a
 *      new store and instance, its exports looked up, then Open (unlimited credit), one 64-byte Data frame and
 *      Close, each checked, then the store deleted; each phase timed in wall time (CLOCK_MONOTONIC), the whole
 *      also in thread CPU time. --cold-rounds rounds (default 300) after a tenth as many untimed ones, interleaved
 *      in rotating order; medians, the fastest, and every round's total. Then, per module, untimed: the thread's
 *      minor faults during instantiation and during the request (median of 5), and the pages probe: memory.size,
 *      the 4 KiB pages whose bytes differ from the initial image (zeros and the active data segments, read from
 *      the module) and the 4 KiB pages resident for the instance (/proc/self/pagemap), after instantiation and
 *      after the Close;
 *   5. unless --check-only, on another fresh instance with one open stream, echoes Data frames of each size,
 *      rounds interleaved (each round runs every module once for the same number of frames, in an order that
 *      rotates from round to round), each batch timed with CLOCK_THREAD_CPUTIME_ID; it reports the median ns
 *      per frame over the rounds and every round's figure. After each batch it checks that every frame was
 *      handled (dispatcher result 0) and echoed (one send of the right length per frame).
 *
 * Per frame, as the runtime does (docs/ABI.md): `ixt_alloc(len)`, write the frame into guest memory,
 * `ixt_module_handle_server_stream(ptr, len)`, `ixt_dealloc(ptr, len)`; all through
 * `wasmtime_func_call_unchecked`. The `ixt` imports are `wasmtime_linker_define_func_unchecked` callbacks;
 * `stream_send_data` checks the id length and that both ranges lie in guest memory, checks the stream id, and
 * copies the payload out of guest memory into a host buffer, as a runtime would.
 *
 * The JSON report goes to stdout; errors go to stderr with exit status 1. The benchmark's Node side
 * (bench/wasmtime.ts) builds this file, runs it in several processes and takes the median of their medians.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wasmtime_min.h"

enum {
  ST_OK = 0,
  ST_UNKNOWN_STREAM = 1,
  ST_BAD_ARGUMENT = 2,
  ST_INVALID_MEMORY = 6,
};
enum { FRAME_HEADER_LEN = 17, STREAM_ID_LEN = 16, OPEN_MIN_LEN = 32 };
enum { KIND_OPEN = 0, KIND_DATA = 1, KIND_CLOSE = 3 };
enum { SERVER_STREAM = 2 };

#define MAX_MODULES 16
#define MAX_SIZES 16

/* ---- small helpers ---- */

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("wasmtime driver: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) fail("out of memory (%zu bytes)", n);
  return p;
}

/* Exits with wasmtime's message when `error` or `trap` is set. */
static void check_call(const char *what, const char *module, wasmtime_error_t *error, wasm_trap_t *trap) {
  if (!error && !trap) return;
  wasm_byte_vec_t msg = {0, NULL};
  if (error) {
    wasmtime_error_message(error, &msg);
    wasmtime_error_delete(error);
  } else {
    wasm_trap_message(trap, &msg);
    wasm_trap_delete(trap);
  }
  fprintf(stderr, "wasmtime driver: %s (%s): %.*s\n", what, module, (int)msg.size, msg.data ? (char *)msg.data : "");
  wasm_byte_vec_delete(&msg);
  exit(1);
}

static double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static double thread_cpu_ns(void) { return now_ns(CLOCK_THREAD_CPUTIME_ID); }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *xs, int n) {
  double *s = xmalloc(sizeof(double) * (size_t)n);
  memcpy(s, xs, sizeof(double) * (size_t)n);
  qsort(s, (size_t)n, sizeof(double), cmp_double);
  double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free(s);
  return m;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open %s: %s", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = xmalloc((size_t)n);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) fail("cannot read %s", path);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* ---- the host side of one instance ---- */

typedef struct Host {
  const char *name;
  wasmtime_memory_t memory;
  bool have_memory;
  /* Look the memory up at every call (a host shared by many stores: the instantiation benchmark's). */
  bool memory_per_call;
  uint8_t stream_id[STREAM_ID_LEN]; /* the one open stream */
  /* The echoed payload, copied out of guest memory as a runtime would. */
  uint8_t *out;
  size_t out_cap;
  size_t out_len;
  uint32_t last_payload_ptr;
  /* Counters since the last reset. */
  uint64_t data_sends, data_bytes, closes, errors, refused;
  uint32_t last_close_reason, last_error_code;
} Host;

static void host_reset(Host *h) {
  h->data_sends = h->data_bytes = h->closes = h->errors = h->refused = 0;
  h->out_len = 0;
}

/* Guest memory as the callback sees it; finds the `memory` export on first use. */
static uint8_t *guest_memory(Host *h, wasmtime_caller_t *caller, size_t *size) {
  wasmtime_context_t *ctx = wasmtime_caller_context(caller);
  if (!h->have_memory || h->memory_per_call) {
    wasmtime_extern_t item;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &item) || item.kind != WASMTIME_EXTERN_MEMORY) return NULL;
    h->memory = item.of.memory;
    h->have_memory = true;
  }
  *size = wasmtime_memory_data_size(ctx, &h->memory);
  return wasmtime_memory_data(ctx, &h->memory);
}

static bool in_memory(uint32_t ptr, uint32_t len, size_t size) { return (uint64_t)ptr + len <= size; }

/* Checks the id arguments; returns a host status (Ok when the id is the open stream's). */
static int32_t check_id(Host *h, const uint8_t *mem, size_t size, uint32_t id_ptr, uint32_t id_len) {
  if (id_len != STREAM_ID_LEN) return ST_BAD_ARGUMENT;
  if (!in_memory(id_ptr, id_len, size)) return ST_INVALID_MEMORY;
  if (memcmp(mem + id_ptr, h->stream_id, STREAM_ID_LEN) != 0) return ST_UNKNOWN_STREAM;
  return ST_OK;
}

/* ixt.stream_send_data(id_ptr, id_len, payload_ptr, payload_len) -> status */
static wasm_trap_t *cb_send_data(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args, size_t n) {
  (void)n;
  Host *h = env;
  uint32_t id_ptr = (uint32_t)args[0].i32, id_len = (uint32_t)args[1].i32;
  uint32_t ptr = (uint32_t)args[2].i32, len = (uint32_t)args[3].i32;
  size_t size = 0;
  uint8_t *mem = guest_memory(h, caller, &size);
  int32_t status = mem ? check_id(h, mem, size, id_ptr, id_len) : ST_INVALID_MEMORY;
  if (status == ST_OK && !in_memory(ptr, len, size)) status = ST_INVALID_MEMORY;
  if (status == ST_OK) {
    if (len > h->out_cap) {
      free(h->out);
      h->out_cap = len;
      h->out = xmalloc(len);
    }
    memcpy(h->out, mem + ptr, len);
    h->out_len = len;
    h->last_payload_ptr = ptr;
    h->data_sends++;
    h->data_bytes += len;
  } else {
    h->refused++;
  }
  args[0].i32 = status;
  return NULL;
}

/* ixt.stream_send_close(id_ptr, id_len, reason) -> status */
static wasm_trap_t *cb_send_close(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args, size_t n) {
  (void)n;
  Host *h = env;
  size_t size = 0;
  uint8_t *mem = guest_memory(h, caller, &size);
  int32_t status = mem ? check_id(h, mem, size, (uint32_t)args[0].i32, (uint32_t)args[1].i32) : ST_INVALID_MEMORY;
  if (status == ST_OK) {
    h->closes++;
    h->last_close_reason = (uint32_t)args[2].i32;
  } else {
    h->refused++;
  }
  args[0].i32 = status;
  return NULL;
}

/* ixt.stream_send_error(id_ptr, id_len, code, message_ptr, message_len) -> status */
static wasm_trap_t *cb_send_error(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args, size_t n) {
  (void)n;
  Host *h = env;
  size_t size = 0;
  uint8_t *mem = guest_memory(h, caller, &size);
  int32_t status = mem ? check_id(h, mem, size, (uint32_t)args[0].i32, (uint32_t)args[1].i32) : ST_INVALID_MEMORY;
  uint32_t msg_ptr = (uint32_t)args[3].i32, msg_len = (uint32_t)args[4].i32;
  if (status == ST_OK && !in_memory(msg_ptr, msg_len, size)) status = ST_INVALID_MEMORY;
  if (status == ST_OK) {
    h->errors++;
    h->last_error_code = (uint32_t)args[2].i32;
    fprintf(stderr, "wasmtime driver: %s sent Error %u: %.*s\n", h->name, h->last_error_code,
            (int)(msg_len > 512 ? 512 : msg_len), (const char *)mem + msg_ptr);
  } else {
    h->refused++;
  }
  args[0].i32 = status;
  return NULL;
}

static wasm_functype_t *functype_i32(size_t params) {
  wasm_valtype_t *ps[8];
  for (size_t i = 0; i < params; i++) ps[i] = wasm_valtype_new(WASM_I32);
  wasm_valtype_t *rs[1] = {wasm_valtype_new(WASM_I32)};
  wasm_valtype_vec_t pv, rv;
  wasm_valtype_vec_new(&pv, params, ps);
  wasm_valtype_vec_new(&rv, 1, rs);
  return wasm_functype_new(&pv, &rv);
}

/* A linker whose `ixt` imports report to `h`. */
static wasmtime_linker_t *make_linker(wasm_engine_t *engine, Host *h) {
  static const struct {
    const char *name;
    size_t params;
    wasmtime_func_unchecked_callback_t cb;
  } imports[] = {
      {"stream_send_data", 4, cb_send_data},
      {"stream_send_close", 3, cb_send_close},
      {"stream_send_error", 5, cb_send_error},
  };
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++) {
    wasm_functype_t *ty = functype_i32(imports[i].params);
    check_call("define import", imports[i].name,
               wasmtime_linker_define_func_unchecked(linker, "ixt", 3, imports[i].name, strlen(imports[i].name), ty,
                                                     imports[i].cb, h, NULL),
               NULL);
    wasm_functype_delete(ty);
  }
  return linker;
}

/* ---- one module ---- */

/* One instance as a runtime drives it: its store and the exports it calls. */
typedef struct Instance {
  const char *name;
  wasmtime_store_t *store;
  wasmtime_context_t *ctx;
  wasmtime_func_t f_alloc, f_dispatch, f_dealloc;
  wasmtime_memory_t memory;
} Instance;

/* An active data segment: `len` bytes at `offset` in memory 0. */
typedef struct Segment {
  uint32_t offset, len;
  const uint8_t *bytes;
} Segment;

/* Memory 0 as instantiation leaves it before any code runs: zeros and the active data segments. */
typedef struct Image {
  bool known; /* false when the data section has a form this parser does not read */
  int nsegments;
  Segment *segments;
} Image;

/* What the pages probe saw, at two points: after instantiation and after the first request. */
typedef struct Pages {
  uint32_t memory_pages[2];  /* memory.size, 64 KiB pages */
  long changed[2];           /* 4 KiB pages that differ from the image */
  long resident[2];          /* 4 KiB pages the kernel holds privately for the instance; -1: no pagemap */
  long minor_faults[2];      /* the thread's minor page faults during instantiation, during the request */
  uint32_t *resident_list; /* indices of the resident 4 KiB pages at the end of the request */
  long nresident_list;
} Pages;

/* The cold request's per-round figures. */
enum { PH_INSTANTIATE, PH_OPEN, PH_DATA, PH_CLOSE, PH_TEARDOWN, PHASES };
static const char *const PHASE_NAMES[PHASES] = {"instantiate", "open", "data", "close", "teardown"};

typedef struct Cold {
  Host host; /* the same callbacks as everywhere, with this instance's memory set after instantiation */
  wasmtime_linker_t *linker;
  wasmtime_instance_pre_t *pre;
  double *wall_us; /* per round: from a new store to the Close answered */
  double *cpu_us;  /* the same span in thread CPU time */
  double *phase_us[PHASES];
} Cold;

typedef struct Module {
  const char *name;
  const char *path;
  uint8_t *wasm;
  size_t wasm_len;
  wasmtime_module_t *module;
  double *compile_cpu_ms, *compile_wall_ms;
  double *inst_us;
  double inst_median_us;
  Image image;
  /* The instance being driven. */
  Host host;
  wasmtime_linker_t *linker;
  Instance inst;
  Cold cold;
  Pages pages;
  /* Check results. */
  bool zero_copy[MAX_SIZES];
} Module;

static wasm_engine_t *engine;

/* ---- the module's initial memory image (for the pages probe) ---- */

/* Reads an unsigned LEB128 at *p (below end); false when it runs past the end or is too long. */
static bool read_uleb(const uint8_t **p, const uint8_t *end, uint32_t *out) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* Reads a signed LEB128 (an i32.const's operand). */
static bool read_sleb(const uint8_t **p, const uint8_t *end, int32_t *out) {
  int32_t v = 0;
  int shift = 0;
  for (; shift < 35 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (int32_t)((uint32_t)(b & 0x7f) << shift);
    if (!(b & 0x80)) {
      if (shift + 7 < 32 && (b & 0x40)) v |= (int32_t)(~0u << (shift + 7));
      *out = v;
      return true;
    }
  }
  return false;
}

/*
 * The active data segments of memory 0, read from the data section (id 11). Segment forms: 0 (offset expression,
 * bytes), 1 (passive: not part of the image), 2 (memory index, offset expression, bytes). Only `i32.const N end`
 * offsets are read; anything else leaves the image unknown (the probe then reports no `changed` figures).
 */
static Image read_image(const uint8_t *wasm, size_t len) {
  Image img = {.known = false};
  const uint8_t *p = wasm + 8, *end = wasm + len;
  if (len < 8) return img;
  while (p < end) {
    uint8_t id = *p++;
    uint32_t size;
    if (!read_uleb(&p, end, &size) || size > (size_t)(end - p)) return img;
    const uint8_t *sec = p, *sec_end = p + size;
    p = sec_end;
    if (id != 11) continue;
    uint32_t count;
    if (!read_uleb(&sec, sec_end, &count)) return img;
    img.segments = xmalloc(sizeof(Segment) * count);
    for (uint32_t i = 0; i < count; i++) {
      uint32_t flags, mem = 0, n;
      int32_t offset = 0;
      if (!read_uleb(&sec, sec_end, &flags) || flags > 2) return img;
      if (flags == 2 && !read_uleb(&sec, sec_end, &mem)) return img;
      if (flags != 1) {
        if (sec >= sec_end || *sec++ != 0x41 || !read_sleb(&sec, sec_end, &offset) || sec >= sec_end ||
            *sec++ != 0x0b)
          return img;
      }
      if (!read_uleb(&sec, sec_end, &n) || n > (size_t)(sec_end - sec)) return img;
      if (flags != 1 && mem == 0)
        img.segments[img.nsegments++] = (Segment){.offset = (uint32_t)offset, .len = n, .bytes = sec};
      sec += n;
    }
  }
  img.known = true;
  return img;
}

static void load(Module *m) {
  m->wasm = read_file(m->path, &m->wasm_len);
  m->image.known = false;
  size_t n = strlen(m->path);
  if (n > 4 && strcmp(m->path + n - 4, ".wat") == 0) {
    wasm_byte_vec_t bin = {0, NULL};
    check_call("wat2wasm", m->path, wasmtime_wat2wasm((const char *)m->wasm, m->wasm_len, &bin), NULL);
    free(m->wasm);
    m->wasm = xmalloc(bin.size);
    memcpy(m->wasm, bin.data, bin.size);
    m->wasm_len = bin.size;
    wasm_byte_vec_delete(&bin);
  }
  m->image = read_image(m->wasm, m->wasm_len);
}

static wasmtime_module_t *compile(Module *m, double *cpu_ms, double *wall_ms) {
  wasmtime_module_t *module = NULL;
  double c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
  check_call("compile", m->name, wasmtime_module_new(engine, m->wasm, m->wasm_len, &module), NULL);
  if (cpu_ms) *cpu_ms = (now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1e6;
  if (wall_ms) *wall_ms = (now_ns(CLOCK_MONOTONIC) - w0) / 1e6;
  return module;
}

static wasmtime_func_t export_func(Instance *in, const wasmtime_instance_t *inst, const char *name) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(in->ctx, inst, name, strlen(name), &item) || item.kind != WASMTIME_EXTERN_FUNC)
    fail("%s: no exported function %s", in->name, name);
  return item.of.func;
}

/* Looks up the exports a runtime calls, as it does once per instance. */
static void bind_exports(Instance *in, const wasmtime_instance_t *inst) {
  in->f_alloc = export_func(in, inst, "ixt_alloc");
  in->f_dispatch = export_func(in, inst, "ixt_module_handle_server_stream");
  in->f_dealloc = export_func(in, inst, "ixt_dealloc");
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(in->ctx, inst, "memory", 6, &item) || item.kind != WASMTIME_EXTERN_MEMORY)
    fail("%s: no exported memory", in->name);
  in->memory = item.of.memory;
}

/* A fresh store and instance of `m`, with a host that knows none of its state yet. */
static void instantiate(Module *m) {
  if (m->inst.store) {
    wasmtime_store_delete(m->inst.store);
    wasmtime_linker_delete(m->linker);
  }
  uint8_t *out = m->host.out;
  size_t out_cap = m->host.out_cap;
  memset(&m->host, 0, sizeof m->host);
  m->host.name = m->name;
  m->host.out = out;
  m->host.out_cap = out_cap;
  m->linker = make_linker(engine, &m->host);
  m->inst.name = m->name;
  m->inst.store = wasmtime_store_new(engine, NULL, NULL);
  m->inst.ctx = wasmtime_store_context(m->inst.store);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_call("instantiate", m->name, wasmtime_linker_instantiate(m->linker, m->inst.ctx, m->module, &inst, &trap),
             trap);
  bind_exports(&m->inst, &inst);
  m->host.memory = m->inst.memory;
  m->host.have_memory = true;
}

/* Delivers one frame the runtime's way; returns the dispatcher's result. `ptr_out` gets the frame's address. */
static inline int32_t deliver(Instance *in, const uint8_t *frame, uint32_t len, uint32_t *ptr_out) {
  wasmtime_val_raw_t v[2];
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err;
  v[0].i32 = (int32_t)len;
  err = wasmtime_func_call_unchecked(in->ctx, &in->f_alloc, v, 2, &trap);
  if (__builtin_expect(err != NULL || trap != NULL, 0)) check_call("ixt_alloc", in->name, err, trap);
  uint32_t ptr = (uint32_t)v[0].i32;
  if (__builtin_expect(ptr == 0, 0)) fail("%s: ixt_alloc(%u) returned 0", in->name, len);
  uint8_t *mem = wasmtime_memory_data(in->ctx, &in->memory);
  size_t size = wasmtime_memory_data_size(in->ctx, &in->memory);
  if (__builtin_expect(!in_memory(ptr, len, size), 0)) fail("%s: ixt_alloc returned %u, out of memory", in->name, ptr);
  memcpy(mem + ptr, frame, len);
  v[0].i32 = (int32_t)ptr;
  v[1].i32 = (int32_t)len;
  err = wasmtime_func_call_unchecked(in->ctx, &in->f_dispatch, v, 2, &trap);
  if (__builtin_expect(err != NULL || trap != NULL, 0)) check_call("dispatch", in->name, err, trap);
  int32_t result = v[0].i32;
  v[0].i32 = (int32_t)ptr;
  v[1].i32 = (int32_t)len;
  err = wasmtime_func_call_unchecked(in->ctx, &in->f_dealloc, v, 2, &trap);
  if (__builtin_expect(err != NULL || trap != NULL, 0)) check_call("ixt_dealloc", in->name, err, trap);
  if (ptr_out) *ptr_out = ptr;
  return result;
}

/* ---- frames ---- */

static void stream_id_of(uint8_t id[STREAM_ID_LEN], uint64_t n) {
  memset(id, 0, STREAM_ID_LEN);
  for (int i = 0; i < 8; i++) id[i] = (uint8_t)(n >> (8 * i));
}

/* A ServerStream Open with unlimited credit, no deadline, empty method and context. */
static uint32_t open_frame(uint8_t *f, const uint8_t id[STREAM_ID_LEN]) {
  memset(f, 0, OPEN_MIN_LEN);
  f[0] = KIND_OPEN;
  memcpy(f + 1, id, STREAM_ID_LEN);
  f[17] = SERVER_STREAM;
  put_u32(f + 18, 0xFFFFFFFFu);
  return OPEN_MIN_LEN;
}

/* A Data frame whose payload has the bench's pattern ((i * 131 + 7) & 0xff, as bench/harness.ts). */
static uint8_t *data_frame(const uint8_t id[STREAM_ID_LEN], uint32_t size) {
  uint8_t *f = xmalloc((size_t)FRAME_HEADER_LEN + size);
  f[0] = KIND_DATA;
  memcpy(f + 1, id, STREAM_ID_LEN);
  for (uint32_t i = 0; i < size; i++) f[FRAME_HEADER_LEN + i] = (uint8_t)((i * 131u + 7u) & 0xff);
  return f;
}

static void open_stream(Module *m, uint64_t n) {
  uint8_t frame[OPEN_MIN_LEN];
  stream_id_of(m->host.stream_id, n);
  uint32_t len = open_frame(frame, m->host.stream_id);
  int32_t r = deliver(&m->inst, frame, len, NULL);
  if (r != 0) fail("%s: Open refused with %d", m->name, r);
}

/* The echo check (see the top of the file); exits on the first problem. */
static void check_echo(Module *m, const uint32_t *sizes, int nsizes) {
  instantiate(m);
  open_stream(m, 1);
  for (int s = 0; s < nsizes; s++) {
    uint8_t *frame = data_frame(m->host.stream_id, sizes[s]);
    host_reset(&m->host);
    uint32_t ptr = 0;
    int32_t r = deliver(&m->inst, frame, FRAME_HEADER_LEN + sizes[s], &ptr);
    Host *h = &m->host;
    if (r != 0) fail("%s: %u B: dispatcher returned %d", m->name, sizes[s], r);
    if (h->data_sends != 1 || h->closes || h->errors || h->refused)
      fail("%s: %u B: expected one Data send, got %llu Data, %llu Close, %llu Error, %llu refused", m->name, sizes[s],
           (unsigned long long)h->data_sends, (unsigned long long)h->closes, (unsigned long long)h->errors,
           (unsigned long long)h->refused);
    if (h->out_len != sizes[s] || memcmp(h->out, frame + FRAME_HEADER_LEN, sizes[s]) != 0)
      fail("%s: %u B: the echoed payload differs (%zu bytes came back)", m->name, sizes[s], h->out_len);
    m->zero_copy[s] = h->last_payload_ptr == ptr + FRAME_HEADER_LEN;
    free(frame);
  }
  host_reset(&m->host);
  uint8_t close[FRAME_HEADER_LEN + 1] = {KIND_CLOSE};
  memcpy(close + 1, m->host.stream_id, STREAM_ID_LEN);
  close[FRAME_HEADER_LEN] = 0; /* Normal */
  int32_t r = deliver(&m->inst, close, sizeof close, NULL);
  if (r != 0) fail("%s: Close: dispatcher returned %d", m->name, r);
  if (m->host.closes != 1 || m->host.last_close_reason != 0 || m->host.data_sends || m->host.errors)
    fail("%s: Close was not answered with one Close(Normal)", m->name);
}

/* Mean ns per instantiation over `n`: new store, instantiate from `pre`, delete the store. */
static double time_instantiations(Module *m, wasmtime_instance_pre_t *pre, int n) {
  double t0 = thread_cpu_ns();
  for (int i = 0; i < n; i++) {
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *err = wasmtime_instance_pre_instantiate(pre, wasmtime_store_context(store), &inst, &trap);
    if (err || trap) check_call("instantiate", m->name, err, trap);
    wasmtime_store_delete(store);
  }
  return (thread_cpu_ns() - t0) / n;
}

/* ns per frame for `n` deliveries of `frame`, with the per-batch checks. */
static double time_frames(Module *m, const uint8_t *frame, uint32_t size, long n) {
  host_reset(&m->host);
  int32_t results = 0;
  uint32_t len = FRAME_HEADER_LEN + size;
  double t0 = thread_cpu_ns();
  for (long i = 0; i < n; i++) results |= deliver(&m->inst, frame, len, NULL);
  double ns = thread_cpu_ns() - t0;
  Host *h = &m->host;
  if (results != 0) fail("%s: %u B: dispatcher returned non-zero (%d) during the benchmark", m->name, size, results);
  if (h->data_sends != (uint64_t)n || h->data_bytes != (uint64_t)n * size || h->closes || h->errors || h->refused)
    fail("%s: %u B: %ld frames gave %llu Data sends of %llu bytes (%llu Close, %llu Error, %llu refused)", m->name,
         size, n, (unsigned long long)h->data_sends, (unsigned long long)h->data_bytes,
         (unsigned long long)h->closes, (unsigned long long)h->errors, (unsigned long long)h->refused);
  return ns / (double)n;
}

/* ---- the cold request, and the pages it touches ---- */

enum { SMALL_PAGE = 4096, WASM_PAGE = 65536, COLD_PAYLOAD = 64 };

/* 4 KiB pages of `mem` that differ from the image (zeros and the active data segments). -1: image unknown. */
static long count_changed(const Image *img, const uint8_t *mem, size_t size) {
  if (!img->known) return -1;
  static uint8_t expect[SMALL_PAGE];
  long changed = 0;
  for (size_t at = 0; at + SMALL_PAGE <= size; at += SMALL_PAGE) {
    memset(expect, 0, SMALL_PAGE);
    for (int i = 0; i < img->nsegments; i++) {
      const Segment *g = &img->segments[i];
      size_t lo = g->offset > at ? g->offset : at;
      size_t hi = (size_t)g->offset + g->len < at + SMALL_PAGE ? (size_t)g->offset + g->len : at + SMALL_PAGE;
      if (lo < hi) memcpy(expect + (lo - at), g->bytes + (lo - g->offset), hi - lo);
    }
    if (memcmp(expect, mem + at, SMALL_PAGE) != 0) changed++;
  }
  return changed;
}

/*
 * 4 KiB pages of `mem` that the kernel holds privately for this instance, from /proc/self/pagemap: present, not a
 * file or shared page (an image page mapped copy-on-write and only read is one), and mapped exclusively (the shared
 * zero page is not). Each cost a page fault that zeroed or copied it: the pages written, and on kernels that do not
 * map the zero page for reads (this VM's), the pages read too. Lists their indices into `list` when it is not
 * NULL. -1 when pagemap cannot be read (not Linux, or no permission).
 */
static long count_resident(const uint8_t *mem, size_t size, uint32_t *list) {
  static int fd = -2;
  if (fd == -2) fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0 || size == 0) return -1;
  long page = sysconf(_SC_PAGESIZE);
  if (page != SMALL_PAGE) return -1;
  size_t n = size / SMALL_PAGE;
  uint64_t *entries = xmalloc(sizeof(uint64_t) * n);
  off_t at = (off_t)((uintptr_t)mem / SMALL_PAGE * sizeof(uint64_t));
  long resident = -1;
  if (pread(fd, entries, sizeof(uint64_t) * n, at) == (ssize_t)(sizeof(uint64_t) * n)) {
    resident = 0;
    for (size_t i = 0; i < n; i++) {
      uint64_t e = entries[i];
      bool present = e >> 63 & 1, file_or_shared = e >> 61 & 1, exclusive = e >> 56 & 1;
      if (present && !file_or_shared && exclusive) {
        if (list) list[resident] = (uint32_t)i;
        resident++;
      }
    }
  }
  free(entries);
  return resident;
}

static long minor_faults(void) {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}

/*
 * The probe's view of the instance at point `at` (0: instantiated, 1: after the request). Reading memory makes
 * pages resident on some kernels (this VM's allocates a private page for a read of untouched memory), so one
 * request counts resident pages (`PROBE_RESIDENT`, reads nothing) and another compares contents (`PROBE_CHANGED`).
 */
static void probe_pages(Module *m, Instance *in, int at, bool resident) {
  uint8_t *mem = wasmtime_memory_data(in->ctx, &in->memory);
  size_t size = wasmtime_memory_data_size(in->ctx, &in->memory);
  Pages *pg = &m->pages;
  pg->memory_pages[at] = (uint32_t)(size / WASM_PAGE);
  if (!resident) {
    pg->changed[at] = count_changed(&m->image, mem, size);
  } else if (at == 1) {
    free(pg->resident_list);
    pg->resident_list = xmalloc(sizeof(uint32_t) * (size / SMALL_PAGE + 1));
    pg->resident[at] = count_resident(mem, size, pg->resident_list);
    pg->nresident_list = pg->resident[at] < 0 ? 0 : pg->resident[at];
  } else {
    pg->resident[at] = count_resident(mem, size, NULL);
  }
}

/* The three frames of a cold request, on the cold stream. */
typedef struct ColdFrames {
  uint8_t open[OPEN_MIN_LEN];
  uint8_t *data;
  uint8_t close[FRAME_HEADER_LEN + 1];
} ColdFrames;

/* What a cold request records besides its times. */
typedef enum Probe {
  PROBE_NONE,
  PROBE_FAULTS, /* the thread's minor faults during instantiation and during the request (cheap, reads nothing) */
  PROBE_RESIDENT, /* memory.size and the resident pages after instantiation and after the Close (from pagemap) */
  PROBE_CHANGED,  /* the pages whose contents changed, at the same two points (reads all memory) */
} Probe;

/*
 * One cold request: a new store, an instance from the module's InstancePre (imports resolved once, as a runtime
 * does), the exports looked up, then Open (unlimited credit), one 64-byte Data frame and Close, then the store
 * deleted. With `phase_us`, the wall time of each phase; with `cpu_us`, the thread CPU time from the new store to
 * the Close. `probe` adds the untimed observations above. Checks the echo and exits on a wrong one.
 */
static void cold_request(Module *m, const ColdFrames *f, double phase_us[PHASES], double *cpu_us, Probe probe) {
  Cold *c = &m->cold;
  Host *h = &c->host;
  host_reset(h);
  Instance in = {.name = m->name};
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  long faults0 = probe == PROBE_FAULTS ? minor_faults() : 0;
  double c0 = thread_cpu_ns(), t0 = now_ns(CLOCK_MONOTONIC);
  in.store = wasmtime_store_new(engine, NULL, NULL);
  in.ctx = wasmtime_store_context(in.store);
  wasmtime_error_t *err = wasmtime_instance_pre_instantiate(c->pre, in.ctx, &inst, &trap);
  if (err || trap) check_call("instantiate", m->name, err, trap);
  bind_exports(&in, &inst);
  h->memory = in.memory;
  h->have_memory = true;
  double t1 = now_ns(CLOCK_MONOTONIC);
  long faults1 = probe == PROBE_FAULTS ? minor_faults() : 0;
  if (probe == PROBE_RESIDENT || probe == PROBE_CHANGED) probe_pages(m, &in, 0, probe == PROBE_RESIDENT);
  int32_t r_open = deliver(&in, f->open, OPEN_MIN_LEN, NULL);
  double t2 = now_ns(CLOCK_MONOTONIC);
  int32_t r_data = deliver(&in, f->data, FRAME_HEADER_LEN + COLD_PAYLOAD, NULL);
  double t3 = now_ns(CLOCK_MONOTONIC);
  int32_t r_close = deliver(&in, f->close, sizeof f->close, NULL);
  double t4 = now_ns(CLOCK_MONOTONIC), c4 = thread_cpu_ns();
  if (probe == PROBE_FAULTS) {
    m->pages.minor_faults[0] = faults1 - faults0;
    m->pages.minor_faults[1] = minor_faults() - faults1;
  }
  if (probe == PROBE_RESIDENT || probe == PROBE_CHANGED) probe_pages(m, &in, 1, probe == PROBE_RESIDENT);
  wasmtime_store_delete(in.store);
  double t5 = now_ns(CLOCK_MONOTONIC);
  if (r_open || r_data || r_close)
    fail("%s: cold request: dispatcher returned %d (Open), %d (Data), %d (Close)", m->name, r_open, r_data, r_close);
  if (h->data_sends != 1 || h->data_bytes != COLD_PAYLOAD || h->closes != 1 || h->last_close_reason != 0 ||
      h->errors || h->refused || memcmp(h->out, f->data + FRAME_HEADER_LEN, COLD_PAYLOAD) != 0)
    fail("%s: cold request: expected one 64-byte echo and Close(Normal), got %llu Data (%llu bytes), %llu Close, "
         "%llu Error, %llu refused",
         m->name, (unsigned long long)h->data_sends, (unsigned long long)h->data_bytes,
         (unsigned long long)h->closes, (unsigned long long)h->errors, (unsigned long long)h->refused);
  if (phase_us) {
    phase_us[PH_INSTANTIATE] = (t1 - t0) / 1e3;
    phase_us[PH_OPEN] = (t2 - t1) / 1e3;
    phase_us[PH_DATA] = (t3 - t2) / 1e3;
    phase_us[PH_CLOSE] = (t4 - t3) / 1e3;
    phase_us[PH_TEARDOWN] = (t5 - t4) / 1e3;
  }
  if (cpu_us) *cpu_us = (c4 - c0) / 1e3;
}

/*
 * Step 4: `rounds` cold requests per module after `warm` untimed ones, interleaved (each round runs every module
 * once, in an order that rotates from round to round), then one probed request per module.
 */
static void run_cold(Module *mods, int nmods, int rounds, int warm) {
  ColdFrames f;
  uint8_t id[STREAM_ID_LEN];
  stream_id_of(id, 1);
  open_frame(f.open, id);
  f.data = data_frame(id, COLD_PAYLOAD);
  memset(f.close, 0, sizeof f.close);
  f.close[0] = KIND_CLOSE;
  memcpy(f.close + 1, id, STREAM_ID_LEN);
  for (int i = 0; i < nmods; i++) {
    Cold *c = &mods[i].cold;
    c->host.name = mods[i].name;
    memcpy(c->host.stream_id, id, STREAM_ID_LEN);
    c->linker = make_linker(engine, &c->host);
    check_call("instantiate_pre", mods[i].name, wasmtime_linker_instantiate_pre(c->linker, mods[i].module, &c->pre),
               NULL);
    c->wall_us = xmalloc(sizeof(double) * (size_t)rounds);
    c->cpu_us = xmalloc(sizeof(double) * (size_t)rounds);
    for (int p = 0; p < PHASES; p++) c->phase_us[p] = xmalloc(sizeof(double) * (size_t)rounds);
  }
  double ph[PHASES];
  for (int w = 0; w < warm; w++)
    for (int j = 0; j < nmods; j++) cold_request(&mods[(w + j) % nmods], &f, NULL, NULL, PROBE_NONE);
  for (int r = 0; r < rounds; r++) {
    for (int j = 0; j < nmods; j++) {
      Module *m = &mods[(r + j) % nmods];
      Cold *c = &m->cold;
      cold_request(m, &f, ph, &c->cpu_us[r], PROBE_NONE);
      c->wall_us[r] = ph[PH_INSTANTIATE] + ph[PH_OPEN] + ph[PH_DATA] + ph[PH_CLOSE];
      for (int p = 0; p < PHASES; p++) c->phase_us[p][r] = ph[p];
    }
  }
  /* Faults: the median of a few probed requests per module, interleaved. */
  enum { FAULT_PROBES = 5 };
  double faults[MAX_MODULES][2][FAULT_PROBES];
  for (int k = 0; k < FAULT_PROBES; k++) {
    for (int j = 0; j < nmods; j++) {
      int i = (k + j) % nmods;
      cold_request(&mods[i], &f, NULL, NULL, PROBE_FAULTS);
      for (int at = 0; at < 2; at++) faults[i][at][k] = (double)mods[i].pages.minor_faults[at];
    }
  }
  for (int i = 0; i < nmods; i++) {
    for (int at = 0; at < 2; at++) mods[i].pages.minor_faults[at] = (long)median(faults[i][at], FAULT_PROBES);
    cold_request(&mods[i], &f, NULL, NULL, PROBE_RESIDENT);
    cold_request(&mods[i], &f, NULL, NULL, PROBE_CHANGED);
  }
  free(f.data);
}

/* ---- JSON ---- */

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      printf("\\u%04x", *s);
    else
      putchar(*s);
  }
  putchar('"');
}

static void json_array(const double *xs, int n) {
  putchar('[');
  for (int i = 0; i < n; i++) printf("%s%.3f", i ? "," : "", xs[i]);
  putchar(']');
}

/* `"cold":{…},"pages":{…},` for one module (see bench/wasmtime.ts for the fields). */
static void print_cold(const Module *m, int rounds) {
  const Cold *c = &m->cold;
  const Pages *pg = &m->pages;
  double lo = c->wall_us[0];
  for (int r = 1; r < rounds; r++) lo = c->wall_us[r] < lo ? c->wall_us[r] : lo;
  printf("\"cold\":{\"rounds\":%d,\"wallUs\":%.3f,\"wallUsMin\":%.3f,\"cpuUs\":%.3f,\"phasesUs\":{", rounds,
         median(c->wall_us, rounds), lo, median(c->cpu_us, rounds));
  for (int p = 0; p < PHASES; p++) printf("%s\"%s\":%.3f", p ? "," : "", PHASE_NAMES[p], median(c->phase_us[p], rounds));
  printf("},\"wallUsSamples\":");
  json_array(c->wall_us, rounds);
  printf("},\"pages\":{\"memoryPages\":[%u,%u],\"changed4k\":[%ld,%ld],\"resident4k\":[%ld,%ld],", pg->memory_pages[0],
         pg->memory_pages[1], pg->changed[0], pg->changed[1], pg->resident[0], pg->resident[1]);
  printf("\"minorFaults\":[%ld,%ld],\"residentPages\":[", pg->minor_faults[0], pg->minor_faults[1]);
  for (long i = 0; i < pg->nresident_list; i++) printf("%s%u", i ? "," : "", pg->resident_list[i]);
  printf("]},");
}

/* ---- main ---- */

static long parse_long(const char *s, const char *opt) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == 0 || *end != 0 || v < 0) fail("bad value for %s: %s", opt, s);
  return v;
}

int main(int argc, char **argv) {
  int rounds = 15, compiles = 5, instantiations = 2000, cold_rounds = 300;
  double batch_ms = 20;
  bool check_only = false, no_frames = false;
  uint32_t sizes[MAX_SIZES] = {0, 64, 1024, 64 * 1024, 1024 * 1024};
  int nsizes = 5;
  Module mods[MAX_MODULES];
  int nmods = 0;
  memset(mods, 0, sizeof mods);

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--rounds") && v) {
      rounds = (int)parse_long(v, a), i++;
    } else if (!strcmp(a, "--batch-ms") && v) {
      batch_ms = strtod(v, NULL), i++;
    } else if (!strcmp(a, "--compiles") && v) {
      compiles = (int)parse_long(v, a), i++;
    } else if (!strcmp(a, "--cold-rounds") && v) {
      cold_rounds = (int)parse_long(v, a), i++;
    } else if (!strcmp(a, "--instantiations") && v) {
      instantiations = (int)parse_long(v, a), i++;
    } else if (!strcmp(a, "--sizes") && v) {
      char *copy = strdup(v), *save = NULL;
      nsizes = 0;
      for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (nsizes == MAX_SIZES) fail("too many sizes");
        sizes[nsizes++] = (uint32_t)parse_long(t, a);
      }
      free(copy);
      i++;
    } else if (!strcmp(a, "--check-only")) {
      check_only = true;
    } else if (!strcmp(a, "--no-frames")) {
      no_frames = true;
    } else if (a[0] != '-' && strchr(a, '=')) {
      if (nmods == MAX_MODULES) fail("too many modules");
      char *eq = strchr(a, '=');
      mods[nmods].name = strndup(a, (size_t)(eq - a));
      mods[nmods].path = eq + 1;
      nmods++;
    } else {
      fprintf(stderr,
              "usage: %s [--rounds N] [--batch-ms MS] [--sizes 0,64,...] [--compiles N] [--instantiations N]\n"
              "          [--cold-rounds N] [--check-only] [--no-frames] NAME=PATH.wasm|PATH.wat ...\n",
              argv[0]);
      return 2;
    }
  }
  if (nmods == 0) fail("no modules given (NAME=PATH)");
  if (rounds < 1) rounds = 1;
  if (compiles < 1) compiles = 1;

  engine = wasm_engine_new();

  /* 1. Compile: warm wasmtime's compiler threads up once, then interleave. */
  for (int i = 0; i < nmods; i++) {
    load(&mods[i]);
    mods[i].compile_cpu_ms = xmalloc(sizeof(double) * (size_t)compiles);
    mods[i].compile_wall_ms = xmalloc(sizeof(double) * (size_t)compiles);
  }
  wasmtime_module_delete(compile(&mods[0], NULL, NULL));
  for (int c = 0; c < compiles; c++) {
    for (int j = 0; j < nmods; j++) {
      Module *m = &mods[(c + j) % nmods];
      wasmtime_module_t *module = compile(m, &m->compile_cpu_ms[c], &m->compile_wall_ms[c]);
      if (m->module)
        wasmtime_module_delete(module);
      else
        m->module = module;
    }
  }

  /* 2. The echo check (--no-frames: an instance only, for its linker). */
  for (int i = 0; i < nmods; i++) {
    if (no_frames)
      instantiate(&mods[i]);
    else
      check_echo(&mods[i], sizes, nsizes);
  }

  /* 3. Instantiation, from an InstancePre with a new store each time. Its imports report to a host of their own
   * that finds the memory of the calling instance at each call (no import is called during instantiation). */
  int inst_batches = check_only ? 3 : 20;
  int per_batch = instantiations / inst_batches > 0 ? instantiations / inst_batches : 1;
  wasmtime_instance_pre_t *pres[MAX_MODULES];
  Host inst_host = {.name = "instantiation", .memory_per_call = true};
  wasmtime_linker_t *inst_linker = make_linker(engine, &inst_host);
  for (int i = 0; i < nmods; i++) {
    Module *m = &mods[i];
    check_call("instantiate_pre", m->name, wasmtime_linker_instantiate_pre(inst_linker, m->module, &pres[i]), NULL);
    m->inst_us = xmalloc(sizeof(double) * (size_t)inst_batches);
    time_instantiations(m, pres[i], per_batch < 50 ? per_batch : 50); /* warm up */
  }
  for (int b = 0; b < inst_batches; b++) {
    for (int j = 0; j < nmods; j++) {
      int i = (b + j) % nmods;
      mods[i].inst_us[b] = time_instantiations(&mods[i], pres[i], per_batch) / 1e3;
    }
  }
  for (int i = 0; i < nmods; i++) {
    mods[i].inst_median_us = median(mods[i].inst_us, inst_batches);
    wasmtime_instance_pre_delete(pres[i]);
  }
  wasmtime_linker_delete(inst_linker);

  /* 4. The cold request and the pages it touches. */
  bool cold = !check_only && !no_frames && cold_rounds > 0;
  if (cold) run_cold(mods, nmods, cold_rounds, cold_rounds / 10 > 5 ? cold_rounds / 10 : 5);

  /* 5. Frames. */
  double *samples[MAX_SIZES][MAX_MODULES];
  long frames_per_batch[MAX_SIZES];
  if (!check_only && !no_frames) {
    for (int i = 0; i < nmods; i++) {
      instantiate(&mods[i]);
      open_stream(&mods[i], 2);
    }
    for (int s = 0; s < nsizes; s++) {
      uint32_t size = sizes[s];
      uint8_t *frames[MAX_MODULES];
      for (int i = 0; i < nmods; i++) frames[i] = data_frame(mods[i].host.stream_id, size);
      /* Warm up, then calibrate: frames per batch so the fastest module's batch takes about batch_ms. */
      long warm = (long)((1 << 24) / (size + 1));
      warm = warm < 1 ? 1 : warm > 2000 ? 2000 : warm;
      for (int w = 0; w < 3; w++)
        for (int i = 0; i < nmods; i++) time_frames(&mods[i], frames[i], size, warm);
      long n = 1;
      for (;;) {
        double fastest = 1e300;
        for (int i = 0; i < nmods; i++) {
          double t = time_frames(&mods[i], frames[i], size, n) * (double)n;
          if (t < fastest) fastest = t;
        }
        if (fastest >= batch_ms * 1e6 || n >= (1L << 24)) {
          long scaled = (long)((double)n * batch_ms * 1e6 / (fastest > 0 ? fastest : 1));
          n = scaled < 1 ? 1 : scaled;
          break;
        }
        n *= 2;
      }
      frames_per_batch[s] = n;
      for (int i = 0; i < nmods; i++) samples[s][i] = xmalloc(sizeof(double) * (size_t)rounds);
      for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < nmods; j++) {
          int i = (r + j) % nmods;
          samples[s][i][r] = time_frames(&mods[i], frames[i], size, n);
        }
      }
      for (int i = 0; i < nmods; i++) free(frames[i]);
    }
  }

  /* Report. */
  printf("{\"engine\":\"wasmtime\",\"clock\":\"CLOCK_THREAD_CPUTIME_ID\",\"rounds\":%d,\"batchMs\":%g,", rounds,
         batch_ms);
  printf("\"checkOnly\":%s,\"noFrames\":%s,\"instantiationsPerBatch\":%d,\"modules\":{", check_only ? "true" : "false",
         no_frames ? "true" : "false", per_batch);
  for (int i = 0; i < nmods; i++) {
    Module *m = &mods[i];
    if (i) putchar(',');
    json_string(m->name);
    printf(":{\"path\":");
    json_string(m->path);
    printf(",\"bytes\":%zu,\"echo\":\"%s\",\"zeroCopy\":{", m->wasm_len, no_frames ? "not checked" : "ok");
    for (int s = 0, first = 1; s < nsizes && !no_frames; s++) {
      if (sizes[s] == 0) continue;
      printf("%s\"%u\":%s", first ? "" : ",", sizes[s], m->zero_copy[s] ? "true" : "false");
      first = 0;
    }
    printf("},\"compileCpuMs\":%.3f,\"compileWallMs\":%.3f,\"instantiateUs\":%.3f,", median(m->compile_cpu_ms, compiles),
           median(m->compile_wall_ms, compiles), m->inst_median_us);
    if (cold) print_cold(m, cold_rounds);
    printf("\"compileCpuMsSamples\":");
    json_array(m->compile_cpu_ms, compiles);
    printf(",\"instantiateUsSamples\":");
    json_array(m->inst_us, inst_batches);
    putchar('}');
  }
  printf("},\"results\":[");
  if (!check_only && !no_frames) {
    for (int s = 0; s < nsizes; s++) {
      printf("%s{\"size\":%u,\"framesPerBatch\":%ld,\"nsPerFrame\":{", s ? "," : "", sizes[s], frames_per_batch[s]);
      for (int i = 0; i < nmods; i++) {
        if (i) putchar(',');
        json_string(mods[i].name);
        printf(":%.3f", median(samples[s][i], rounds));
      }
      printf("},\"samples\":{");
      for (int i = 0; i < nmods; i++) {
        if (i) putchar(',');
        json_string(mods[i].name);
        putchar(':');
        json_array(samples[s][i], rounds);
      }
      printf("}}");
    }
  }
  printf("]}\n");

  for (int i = 0; i < nmods; i++) {
    if (mods[i].inst.store) wasmtime_store_delete(mods[i].inst.store);
    if (mods[i].linker) wasmtime_linker_delete(mods[i].linker);
    wasmtime_module_delete(mods[i].module);
  }
  wasm_engine_delete(engine);
  return 0;
}

/*
 * The few declarations of wasmtime 49's C API that bench/wasmtime/driver.c uses.
 *
 * The `wasmtime` Python wheel ships the library (wasmtime/linux-x86_64/_libwasmtime.so) but no C headers;
 * these match the wheel's wasmtime/_bindings.py (its ctypes declarations of every C signature and struct),
 * for a 64-bit target. The static asserts pin the layouts the driver relies on.
 */
#ifndef IXT_BENCH_WASMTIME_MIN_H
#define IXT_BENCH_WASMTIME_MIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opaque types. */
typedef struct wasm_config_t wasm_config_t;
typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_module wasmtime_module_t;
typedef struct wasmtime_linker wasmtime_linker_t;
typedef struct wasmtime_caller wasmtime_caller_t;
typedef struct wasmtime_instance_pre wasmtime_instance_pre_t;

/* wasm_byte_vec_t = {size_t size; wasm_byte_t *data}; wasm_name_t and wasm_message_t are the same. */
typedef uint8_t wasm_byte_t;
typedef struct wasm_byte_vec_t {
  size_t size;
  wasm_byte_t *data;
} wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;
typedef wasm_byte_vec_t wasm_message_t;

typedef uint8_t wasm_valkind_t;
enum { WASM_I32 = 0, WASM_I64 = 1, WASM_F32 = 2, WASM_F64 = 3 };

typedef struct wasm_valtype_vec_t {
  size_t size;
  wasm_valtype_t **data;
} wasm_valtype_vec_t;

/* wasmtime_func = {uint64_t store_id; void *__private}. */
typedef struct wasmtime_func {
  uint64_t store_id;
  void *__private;
} wasmtime_func_t;

/* wasmtime_memory / wasmtime_table / wasmtime_tag = {{uint64_t store_id; uint32_t __private1}; uint32_t __private2}. */
typedef struct wasmtime_memory {
  struct {
    uint64_t store_id;
    uint32_t __private1;
  } _anon_1;
  uint32_t __private2;
} wasmtime_memory_t;

typedef struct wasmtime_global {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  uint32_t __private3;
} wasmtime_global_t;

typedef uint8_t wasmtime_extern_kind_t;
enum {
  WASMTIME_EXTERN_FUNC = 0,
  WASMTIME_EXTERN_GLOBAL = 1,
  WASMTIME_EXTERN_TABLE = 2,
  WASMTIME_EXTERN_MEMORY = 3,
  WASMTIME_EXTERN_SHAREDMEMORY = 4,
  WASMTIME_EXTERN_TAG = 5,
};

/* The union's members: func, global_, table, memory, sharedmemory (a pointer), tag. */
typedef union wasmtime_extern_union {
  wasmtime_func_t func;
  wasmtime_global_t global_;
  wasmtime_memory_t table; /* same layout as wasmtime_table_t */
  wasmtime_memory_t memory;
  void *sharedmemory;
  wasmtime_memory_t tag; /* same layout as wasmtime_tag_t */
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {
  wasmtime_extern_kind_t kind;
  wasmtime_extern_union_t of;
} wasmtime_extern_t;

/* wasmtime_val_raw: i32, i64, f32, f64, v128 (16 bytes), anyref/externref/exnref (u32), funcref (void *). */
typedef union wasmtime_val_raw {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  uint32_t anyref;
  uint32_t externref;
  uint32_t exnref;
  void *funcref;
} wasmtime_val_raw_t;

typedef struct wasmtime_instance {
  uint64_t store_id;
  size_t __private;
} wasmtime_instance_t;

_Static_assert(sizeof(wasmtime_func_t) == 16, "wasmtime_func_t");
_Static_assert(sizeof(wasmtime_memory_t) == 24, "wasmtime_memory_t");
_Static_assert(sizeof(wasmtime_extern_union_t) == 24, "wasmtime_extern_union_t");
_Static_assert(sizeof(wasmtime_extern_t) == 32 && offsetof(wasmtime_extern_t, of) == 8, "wasmtime_extern_t");
_Static_assert(sizeof(wasmtime_val_raw_t) == 16, "wasmtime_val_raw_t");
_Static_assert(sizeof(wasmtime_instance_t) == 16, "wasmtime_instance_t");

/*
 * The unchecked host callback. _bindings.py declares its result as size_t; it is a `wasm_trap_t *` (NULL: no
 * trap), the same width.
 */
typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(void *env, wasmtime_caller_t *caller,
                                                            wasmtime_val_raw_t *args_and_results,
                                                            size_t num_args_and_results);

/* Engine and config. */
wasm_config_t *wasm_config_new(void);
wasm_engine_t *wasm_engine_new(void);
wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *config);
void wasm_engine_delete(wasm_engine_t *engine);

/* Types. */
wasm_valtype_t *wasm_valtype_new(wasm_valkind_t kind);
void wasm_valtype_vec_new(wasm_valtype_vec_t *out, size_t size, wasm_valtype_t *const data[]);
void wasm_valtype_vec_new_empty(wasm_valtype_vec_t *out);
wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *params, wasm_valtype_vec_t *results);
void wasm_functype_delete(wasm_functype_t *type);

/* Byte vectors, errors, traps. */
void wasm_byte_vec_delete(wasm_byte_vec_t *vec);
void wasmtime_error_message(const wasmtime_error_t *error, wasm_name_t *message);
void wasmtime_error_delete(wasmtime_error_t *error);
void wasm_trap_message(const wasm_trap_t *trap, wasm_message_t *message);
void wasm_trap_delete(wasm_trap_t *trap);
wasmtime_error_t *wasmtime_wat2wasm(const char *wat, size_t wat_len, wasm_byte_vec_t *ret);

/* Stores. */
wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine, void *data, void (*finalizer)(void *));
wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *store);
void wasmtime_store_delete(wasmtime_store_t *store);

/* Modules. */
wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine, const uint8_t *wasm, size_t wasm_len,
                                      wasmtime_module_t **ret);
void wasmtime_module_delete(wasmtime_module_t *module);

/* Linker and instances. */
wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *engine);
void wasmtime_linker_delete(wasmtime_linker_t *linker);
wasmtime_error_t *wasmtime_linker_define_func_unchecked(wasmtime_linker_t *linker, const char *module,
                                                        size_t module_len, const char *name, size_t name_len,
                                                        const wasm_functype_t *ty,
                                                        wasmtime_func_unchecked_callback_t cb, void *data,
                                                        void (*finalizer)(void *));
wasmtime_error_t *wasmtime_linker_instantiate(const wasmtime_linker_t *linker, wasmtime_context_t *store,
                                              const wasmtime_module_t *module, wasmtime_instance_t *instance,
                                              wasm_trap_t **trap);
wasmtime_error_t *wasmtime_linker_instantiate_pre(const wasmtime_linker_t *linker, const wasmtime_module_t *module,
                                                  wasmtime_instance_pre_t **instance_pre);
void wasmtime_instance_pre_delete(wasmtime_instance_pre_t *instance_pre);
wasmtime_error_t *wasmtime_instance_pre_instantiate(const wasmtime_instance_pre_t *instance_pre,
                                                    wasmtime_context_t *store, wasmtime_instance_t *instance,
                                                    wasm_trap_t **trap);
bool wasmtime_instance_export_get(wasmtime_context_t *store, const wasmtime_instance_t *instance, const char *name,
                                  size_t name_len, wasmtime_extern_t *item);

/* Calls and callers. */
wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *store, const wasmtime_func_t *func,
                                               wasmtime_val_raw_t *args_and_results, size_t args_and_results_len,
                                               wasm_trap_t **trap);
wasmtime_context_t *wasmtime_caller_context(wasmtime_caller_t *caller);
bool wasmtime_caller_export_get(wasmtime_caller_t *caller, const char *name, size_t name_len,
                                wasmtime_extern_t *item);

/* Memory. */
uint8_t *wasmtime_memory_data(const wasmtime_context_t *store, const wasmtime_memory_t *memory);
size_t wasmtime_memory_data_size(const wasmtime_context_t *store, const wasmtime_memory_t *memory);

#endif

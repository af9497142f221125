;; The limit: a hand-written echo with the ixt server-stream ABI (docs/ABI.md) and no SDK.
;;
;; One dispatcher call in, one `stream_send_data` out, no copy: the Data payload's address inside the
;; inbound frame goes straight to the host. It checks only what it must to stay safe (the header length and
;; the kind's minimum length), accepts every ServerStream Open, answers the caller's Close with
;; Close(Normal) like the SDK's echo, and ignores everything else. There is no stream table.
;;
;; `ixt_alloc` is a bump allocator that `ixt_dealloc` unwinds when the last buffer is released, which is
;; how the runtime uses it (alloc, dispatch, dealloc): the cheapest allocator that is still correct here.
(module
  (import "ixt" "stream_send_data" (func $send_data (param i32 i32 i32 i32) (result i32)))
  (import "ixt" "stream_send_close" (func $send_close (param i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; First free byte; buffers start 8-byte aligned above the first KiB.
  (global $top (mut i32) (i32.const 1024))

  ;; Rounds `size` up to a multiple of 8.
  (func $aligned (param $size i32) (result i32)
    (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8)))

  (func (export "ixt_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local $pages i32)
    ;; Same ceiling as the SDK's ALLOC_MAX (1 GiB - 16).
    (if (i32.gt_u (local.get $size) (i32.const 1073741808)) (then (return (i32.const 0))))
    (local.set $ptr (global.get $top))
    (local.set $end (i32.add (local.get $ptr) (call $aligned (local.get $size))))
    ;; Grow memory to hold [ptr, end).
    (local.set $pages (i32.shr_u (i32.add (local.get $end) (i32.const 0xffff)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top (local.get $end))
    (local.get $ptr))

  (func (export "ixt_dealloc") (param $ptr i32) (param $size i32)
    ;; Releasing the last buffer gives its space back; anything else is left (never happens here).
    (if (i32.eq (i32.add (local.get $ptr) (call $aligned (local.get $size))) (global.get $top))
      (then (global.set $top (local.get $ptr)))))

  (func (export "ixt_module_handle_server_stream") (param $ptr i32) (param $len i32) (result i32)
    (local $kind i32)
    ;; Shorter than the 17-byte header: ProtocolViolation.
    (if (i32.lt_u (local.get $len) (i32.const 17)) (then (return (i32.const 11))))
    (local.set $kind (i32.load8_u (local.get $ptr)))
    ;; Data (1): send the payload where it lies.
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (drop
          (call $send_data
            (i32.add (local.get $ptr) (i32.const 1))
            (i32.const 16)
            (i32.add (local.get $ptr) (i32.const 17))
            (i32.sub (local.get $len) (i32.const 17))))
        (return (i32.const 0))))
    ;; Open (0): at least 32 bytes; accept ServerStream (2), otherwise Unimplemented.
    (if (i32.eqz (local.get $kind))
      (then
        (if (i32.lt_u (local.get $len) (i32.const 32)) (then (return (i32.const 11))))
        (if (i32.ne (i32.load8_u offset=17 (local.get $ptr)) (i32.const 2)) (then (return (i32.const 8))))
        (return (i32.const 0))))
    ;; Close (3): answer with Close(Normal).
    (if (i32.eq (local.get $kind) (i32.const 3))
      (then
        (if (i32.lt_u (local.get $len) (i32.const 18)) (then (return (i32.const 11))))
        (drop (call $send_close (i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 0)))
        (return (i32.const 0))))
    ;; Not a FrameKind: Unimplemented. Error, Cancel, Credit: ignored.
    (if (i32.gt_u (local.get $kind) (i32.const 5)) (then (return (i32.const 8))))
    (i32.const 0)))

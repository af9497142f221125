//! The Rust echo of the wasmtime benchmark (issue 10): a `no_std` guest with the ixt server-stream ABI
//! (docs/ABI.md), written the way a Rust guest crate is: a zero-copy frame parser, a stream table keyed by the
//! 16-byte id, and one `Box<dyn ServerStreamHandler>` per stream from a registered factory, called through the
//! trait object. The echo handler sends each Data payload back from where it lies in the inbound frame.
//!
//! It is a benchmark reference, not an SDK: no queue (a send without credit answers WouldBlock), no clock.
//! `bench/wasmtime.ts` builds it when a wasm32 Rust target is installed (Debian: `rustc` and
//! `libstd-rust-dev-wasm32`), e.g.
//!
//! ```text
//! rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
//!       -C opt-level=3 -C panic=abort -C strip=symbols src/lib.rs -o rust_echo.wasm
//! ```
//!
//! and once more with `-C lto=fat -C codegen-units=1`. rustc before 1.68 also needs
//! `--cfg ixt_old_rustc` with `RUSTC_BOOTSTRAP=1` (a `no_std` crate that uses `alloc` needs the then-unstable
//! default allocation error handler).
#![no_std]
#![allow(unused_unsafe)]
#![cfg_attr(ixt_old_rustc, feature(default_alloc_error_handler))]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr;

// ---- the ABI ----

mod sys {
    #[link(wasm_import_module = "ixt")]
    extern "C" {
        pub fn stream_send_data(id_ptr: *const u8, id_len: usize, ptr: *const u8, len: usize) -> i32;
        pub fn stream_send_close(id_ptr: *const u8, id_len: usize, reason: u32) -> i32;
        pub fn stream_send_error(id_ptr: *const u8, id_len: usize, code: u32, ptr: *const u8, len: usize) -> i32;
    }
}

/// Host statuses.
pub mod err {
    pub const OK: i32 = 0;
    pub const STREAM_CLOSED: i32 = 3;
    pub const WOULD_BLOCK: i32 = 5;
}

/// Stream error codes (the dispatcher's results).
pub mod code {
    pub const NOT_FOUND: u32 = 5;
    pub const RESOURCE_EXHAUSTED: u32 = 7;
    pub const UNIMPLEMENTED: u32 = 8;
    pub const PROTOCOL_VIOLATION: u32 = 11;
    pub const REJECTED: u32 = 4;
}

pub const STREAM_ID_LEN: usize = 16;
pub const UNLIMITED_CREDIT: u32 = 0xFFFF_FFFF;
const HEADER_LEN: usize = 17;
const SERVER_STREAM: u8 = 2;
const MAX_LIVE_STREAMS: usize = 1024;

pub type StreamId = [u8; STREAM_ID_LEN];

// ---- frames: a zero-copy parse ----

pub struct Open<'a> {
    pub interaction: u8,
    pub initial_credit: u32,
    pub deadline_ms: u32,
    pub method: &'a [u8],
    pub context: &'a [u8],
    pub payload: &'a [u8],
}

pub enum Frame<'a> {
    Open(&'a StreamId, Open<'a>),
    Data(&'a StreamId, &'a [u8]),
    Error(&'a StreamId, u32, &'a [u8]),
    Close(&'a StreamId, u8),
    Cancel(&'a StreamId, u8),
    Credit(&'a StreamId, u32),
}

#[inline(always)]
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

#[inline(always)]
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> Frame<'a> {
    /// Borrows every field from `bytes`; the dispatcher's checks 1 to 4 (docs/ABI.md) give the `Err` code.
    pub fn parse(bytes: &'a [u8]) -> Result<Frame<'a>, u32> {
        if bytes.len() < HEADER_LEN {
            return Err(code::PROTOCOL_VIOLATION);
        }
        let kind = bytes[0];
        let id: &'a StreamId = bytes[1..HEADER_LEN].try_into().unwrap();
        let min = match kind {
            0 => 32,
            1 => HEADER_LEN,
            2 | 5 => 21,
            3 | 4 => 18,
            _ => return Err(code::UNIMPLEMENTED),
        };
        if bytes.len() < min {
            return Err(code::PROTOCOL_VIOLATION);
        }
        Ok(match kind {
            0 => {
                let m = u16_at(bytes, 26) as usize;
                if 32 + m > bytes.len() {
                    return Err(code::PROTOCOL_VIOLATION);
                }
                let c = u32_at(bytes, 28 + m) as usize;
                if c > bytes.len() - 32 - m {
                    return Err(code::PROTOCOL_VIOLATION);
                }
                Frame::Open(
                    id,
                    Open {
                        interaction: bytes[17],
                        initial_credit: u32_at(bytes, 18),
                        deadline_ms: u32_at(bytes, 22),
                        method: &bytes[28..28 + m],
                        context: &bytes[32 + m..32 + m + c],
                        payload: &bytes[32 + m + c..],
                    },
                )
            }
            1 => Frame::Data(id, &bytes[HEADER_LEN..]),
            2 => Frame::Error(id, u32_at(bytes, 17), &bytes[21..]),
            3 => Frame::Close(id, bytes[17]),
            4 => Frame::Cancel(id, bytes[17]),
            _ => Frame::Credit(id, u32_at(bytes, 17)),
        })
    }
}

// ---- streams and handlers ----

/// The sending side of one stream.
pub struct Stream {
    id: StreamId,
    credit: u32,
    closed: bool,
}

impl Stream {
    pub fn id(&self) -> &StreamId {
        &self.id
    }

    /// Sends `payload` as one Data frame; WouldBlock (nothing sent) when the credit does not cover it.
    pub fn send_data(&mut self, payload: &[u8]) -> i32 {
        if self.closed {
            return err::STREAM_CLOSED;
        }
        if self.credit != UNLIMITED_CREDIT {
            if (payload.len() as u64) > self.credit as u64 {
                return err::WOULD_BLOCK;
            }
            self.credit -= payload.len() as u32;
        }
        unsafe { sys::stream_send_data(self.id.as_ptr(), STREAM_ID_LEN, payload.as_ptr(), payload.len()) }
    }

    pub fn close(&mut self, reason: u32) -> i32 {
        if self.closed {
            return err::STREAM_CLOSED;
        }
        self.closed = true;
        unsafe { sys::stream_send_close(self.id.as_ptr(), STREAM_ID_LEN, reason) }
    }

    pub fn error(&mut self, code: u32, message: &str) -> i32 {
        if self.closed {
            return err::STREAM_CLOSED;
        }
        self.closed = true;
        unsafe { sys::stream_send_error(self.id.as_ptr(), STREAM_ID_LEN, code, message.as_ptr(), message.len()) }
    }
}

/// What a server-stream handler implements; one instance per stream.
pub trait ServerStreamHandler {
    /// `Err(code)` rejects the stream.
    fn on_open(&mut self, _stream: &mut Stream, _open: &Open<'_>) -> Result<(), u32> {
        Ok(())
    }
    fn on_data(&mut self, stream: &mut Stream, payload: &[u8]);
    /// The caller closed its side; the default closes the stream with Normal.
    fn on_close(&mut self, stream: &mut Stream, _reason: u8) {
        stream.close(0);
    }
    fn on_cancel(&mut self, _stream: &mut Stream, _reason: u8) {}
    fn on_error(&mut self, _stream: &mut Stream, _code: u32, _message: &[u8]) {}
    fn on_credit(&mut self, _stream: &mut Stream) {}
}

pub type HandlerFactory = fn() -> Box<dyn ServerStreamHandler>;

struct Entry {
    stream: Stream,
    handler: Box<dyn ServerStreamHandler>,
    takes_input: bool,
}

/// The stream table: open addressing on the id's hash, linear probing, backward-shift removal. O(1) lookup.
struct Streams {
    slots: Vec<Option<Entry>>,
    len: usize,
}

#[inline(always)]
fn hash(id: &StreamId) -> usize {
    let lo = u64::from_le_bytes(id[..8].try_into().unwrap());
    let hi = u64::from_le_bytes(id[8..].try_into().unwrap());
    ((lo ^ hi.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

impl Streams {
    fn new() -> Streams {
        let mut slots = Vec::new();
        slots.resize_with(16, || None);
        Streams { slots, len: 0 }
    }

    #[inline(always)]
    fn find(&self, id: &StreamId) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = hash(id) & mask;
        loop {
            match &self.slots[i] {
                Some(e) if e.stream.id == *id => return Some(i),
                Some(_) => i = (i + 1) & mask,
                None => return None,
            }
        }
    }

    #[inline(always)]
    fn get_mut(&mut self, id: &StreamId) -> Option<&mut Entry> {
        match self.find(id) {
            Some(i) => self.slots[i].as_mut(),
            None => None,
        }
    }

    #[inline(never)]
    fn insert(&mut self, entry: Entry) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let old = core::mem::take(&mut self.slots);
            self.slots.resize_with(old.len() * 2, || None);
            for e in old.into_iter().flatten() {
                self.place(e);
            }
        }
        self.place(entry);
        self.len += 1;
    }

    fn place(&mut self, entry: Entry) {
        let mask = self.slots.len() - 1;
        let mut i = hash(&entry.stream.id) & mask;
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some(entry);
    }

    #[inline(never)]
    fn remove(&mut self, id: &StreamId) -> Option<Entry> {
        let mut hole = self.find(id)?;
        let entry = self.slots[hole].take();
        self.len -= 1;
        let mask = self.slots.len() - 1;
        let mut i = (hole + 1) & mask;
        while let Some(e) = &self.slots[i] {
            let home = hash(&e.stream.id) & mask;
            // Move the entry back into the hole unless its home lies cyclically in (hole, i].
            if (i.wrapping_sub(home) & mask) >= (i.wrapping_sub(hole) & mask) {
                self.slots[hole] = self.slots[i].take();
                hole = i;
            }
            i = (i + 1) & mask;
        }
        entry
    }
}

struct Module {
    factory: HandlerFactory,
    streams: Streams,
}

// Made on first use (a Rust guest has no start function).
static mut MODULE: Option<Module> = None;

pub fn register_server_stream_handler(factory: HandlerFactory) {
    unsafe { MODULE = Some(Module { factory, streams: Streams::new() }) }
}

fn dispatch(module: &mut Module, frame: Frame<'_>) -> u32 {
    match frame {
        Frame::Data(id, payload) => match module.streams.get_mut(id) {
            Some(e) if e.takes_input && !e.stream.closed => {
                e.handler.on_data(&mut e.stream, payload);
                0
            }
            _ => code::NOT_FOUND,
        },
        Frame::Open(id, open) => {
            if open.interaction != SERVER_STREAM {
                return code::UNIMPLEMENTED;
            }
            let factory = module.factory;
            if module.streams.find(id).is_some() {
                return code::PROTOCOL_VIOLATION;
            }
            if module.streams.len >= MAX_LIVE_STREAMS {
                return code::RESOURCE_EXHAUSTED;
            }
            let mut stream = Stream { id: *id, credit: open.initial_credit, closed: false };
            let mut handler = factory();
            match handler.on_open(&mut stream, &open) {
                Ok(()) => {
                    if !stream.closed {
                        module.streams.insert(Entry { stream, handler, takes_input: true });
                    }
                    0
                }
                Err(c) => {
                    if c == 0 {
                        code::REJECTED
                    } else {
                        c
                    }
                }
            }
        }
        Frame::Close(id, reason) => {
            if let Some(e) = module.streams.get_mut(id) {
                if e.takes_input {
                    e.takes_input = false;
                    e.handler.on_close(&mut e.stream, reason);
                }
                if e.stream.closed {
                    module.streams.remove(id);
                }
            }
            0
        }
        Frame::Cancel(id, reason) => {
            if let Some(mut e) = module.streams.remove(id) {
                if !e.stream.closed {
                    e.stream.closed = true;
                    e.handler.on_cancel(&mut e.stream, reason);
                }
            }
            0
        }
        Frame::Error(id, c, message) => match module.streams.remove(id) {
            Some(mut e) => {
                if !e.stream.closed {
                    e.stream.closed = true;
                    e.handler.on_error(&mut e.stream, c, message);
                }
                0
            }
            None => code::NOT_FOUND,
        },
        Frame::Credit(id, amount) => {
            if let Some(e) = module.streams.get_mut(id) {
                if e.stream.credit != UNLIMITED_CREDIT {
                    e.stream.credit = e.stream.credit.saturating_add(amount).min(UNLIMITED_CREDIT - 1);
                }
                if !e.stream.closed {
                    e.handler.on_credit(&mut e.stream);
                }
            }
            0
        }
    }
}

// ---- exports ----

#[no_mangle]
pub unsafe extern "C" fn ixt_module_handle_server_stream(ptr: *const u8, len: usize) -> u32 {
    let module = unsafe {
        if MODULE.is_none() {
            init();
        }
        MODULE.as_mut().unwrap_unchecked()
    };
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    match Frame::parse(bytes) {
        Ok(frame) => dispatch(module, frame),
        Err(c) => c,
    }
}

#[no_mangle]
pub unsafe extern "C" fn ixt_alloc(size: usize) -> *mut u8 {
    match Layout::from_size_align(size.max(1), 8) {
        Ok(layout) => unsafe { alloc::alloc::alloc(layout) },
        Err(_) => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn ixt_dealloc(ptr: *mut u8, size: usize) {
    if !ptr.is_null() {
        unsafe { alloc::alloc::dealloc(ptr, Layout::from_size_align_unchecked(size.max(1), 8)) }
    }
}

// ---- the echo ----

struct Echo;

impl ServerStreamHandler for Echo {
    fn on_data(&mut self, stream: &mut Stream, payload: &[u8]) {
        let status = stream.send_data(payload);
        if status != err::OK {
            stream.error(9, "echo: send failed");
        }
    }
}

fn init() {
    register_server_stream_handler(|| Box::new(Echo));
}

// ---- allocator: power-of-two size classes with free lists, on memory.grow ----

struct SizeClasses;

const MIN_CLASS: u32 = 4; // 16 bytes
const CLASSES: usize = 28; // up to 2^31
static mut FREE: [*mut u8; CLASSES] = [ptr::null_mut(); CLASSES];
static mut TOP: usize = 0;
static mut END: usize = 0;

extern "C" {
    static __heap_base: u8;
}

#[inline(always)]
fn class_of(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros() - MIN_CLASS) as usize
}

unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class_of(&layout);
        if class >= CLASSES {
            return ptr::null_mut();
        }
        unsafe {
            let head = FREE[class];
            if !head.is_null() {
                FREE[class] = *(head as *mut *mut u8);
                return head;
            }
            let size = 1usize << (class as u32 + MIN_CLASS);
            if TOP == 0 {
                TOP = &__heap_base as *const u8 as usize;
                END = core::arch::wasm32::memory_size(0) << 16;
            }
            let align = layout.align().max(16);
            let start = (TOP + align - 1) & !(align - 1);
            let end = match start.checked_add(size) {
                Some(e) => e,
                None => return ptr::null_mut(),
            };
            if end > END {
                let pages = (end - END + 0xffff) >> 16;
                if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                    return ptr::null_mut();
                }
                END += pages << 16;
            }
            TOP = end;
            start as *mut u8
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let class = class_of(&layout);
        unsafe {
            *(ptr as *mut *mut u8) = FREE[class];
            FREE[class] = ptr;
        }
    }
}

#[global_allocator]
static ALLOCATOR: SizeClasses = SizeClasses;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

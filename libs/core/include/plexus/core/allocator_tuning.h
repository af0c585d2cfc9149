// Process-wide malloc settings for long-running servers and their benchmarks. glibc returns the
// top of the heap to the kernel (brk) whenever more than 128 KiB is free there; SQLite frees its
// statement journals after every statement inside a transaction, so a busy writer shrank and
// regrew the heap for each statement, and every shrink is a TLB shootdown across cores (a third
// of the CPU of a /send ingest in a profile). Call once at start, before threads exist.
#pragma once

namespace plexus::core {

// Keeps up to 8 MiB free at the top of the heap instead of 128 KiB (bounded: idle RSS grows by
// at most that). A no-op where the C library is not glibc.
void tuneAllocatorForServer();

}  // namespace plexus::core

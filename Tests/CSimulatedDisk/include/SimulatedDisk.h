#ifndef HOLDFAST_SIMULATED_DISK_H
#define HOLDFAST_SIMULATED_DISK_H

/// A crash-injecting SQLite VFS for the deterministic simulation (Tests/SimulationTests), after
/// SQLite's own crash tests: it passes everything to the default (unix) VFS and remembers, per
/// file, every write and truncation not yet made durable by a sync. A crash then decides, from a
/// seed, which of those reached the platter (all, none, or a torn prefix of whole sectors), and
/// leaves the real files as a disk that lost power would. Open a database through it with the URI
/// `file:PATH?vfs=holdfast-simdisk` (Debian's SQLite accepts URIs).

/// Registers the VFS (not as the default); 0 (SQLITE_OK) on success. Safe to call again.
int holdfast_simdisk_register(void);

/// Forgets every operation (and every file no connection has open), unfreezes, and stops
/// counting towards a failure.
void holdfast_simdisk_reset(void);

/// After `operations` more writes, syncs and truncations, every later one fails with an I/O
/// error, as on a machine whose power has gone: nothing more reaches the disk. Negative: never.
void holdfast_simdisk_fail_after(long long operations);

/// A disk that answers syncs without making anything durable (as some cheap SD cards do): the
/// simulation must then find acknowledged records lost. Kept across resets; 0 turns it off.
void holdfast_simdisk_lie_about_syncs(int lie);

/// Writes, syncs and truncations through the VFS since the last reset.
long long holdfast_simdisk_operations(void);

/// 1 once the disk has been frozen by `fail_after`.
int holdfast_simdisk_frozen(void);

typedef struct {
    long long kept;   /// unsynced writes that reached the disk whole
    long long lost;   /// unsynced writes (and truncations) that never did
    long long torn;   /// unsynced writes of which only a prefix of whole sectors did
} holdfast_simdisk_crash_report;

/// The power cut: freezes the disk, then settles every unsynced operation from `seed`, each lost
/// with probability `lose_percent`, torn with `tear_percent`, else kept. The real files are left
/// as the disk would hold them; the -shm files (memory, not disk) should be deleted after.
/// Returns -1 in `lost` if a file could not be rewritten.
holdfast_simdisk_crash_report holdfast_simdisk_crash(unsigned long long seed, int lose_percent, int tear_percent);

#endif
